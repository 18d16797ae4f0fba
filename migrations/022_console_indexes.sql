-- Indexes behind the operator console's dashboard and exports.

-- The expired subscriptions, counted by the dashboard (an index-only count).
CREATE INDEX subscriptions_expired_idx ON subscriptions (id) WHERE status = 'expired';

-- The trial cohort of the last days (trial→paid conversion).
CREATE INDEX subscription_grants_trial_idx ON subscription_grants (granted_at)
  WHERE kind = 'trial';

-- The audit log filtered by admin, newest first.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id) WHERE actor_id IS NOT NULL;

-- Single-use confirmations: an action confirmed with a token is recorded once.
CREATE UNIQUE INDEX audit_log_confirmation_key ON audit_log ((details ->> 'confirmation'))
  WHERE details ? 'confirmation';

-- The audit log about one customer, newest first (keyset by id).
CREATE INDEX audit_log_target_id_idx ON audit_log (target_user_id, id)
  WHERE target_user_id IS NOT NULL;
