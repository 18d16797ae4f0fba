-- Console actions waiting for their confirmation button (src/domain/console/pending-actions.ts).
-- A confirmation is single-use: pressing it consumes the row (used_at set with a guarded UPDATE),
-- so an old "confirm" pressed again, or by a second admin, repeats nothing.
CREATE TABLE admin_pending_actions (
  id bigserial PRIMARY KEY,
  -- Unguessable, carried in the confirmation button's callback data.
  token text NOT NULL,
  admin_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  action text NOT NULL,
  args jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  -- Whether the customer was told (the admin's choice on the button), once used.
  notify boolean,
  -- What came of it, once done ("granted", "insufficient_balance", "sent", …).
  outcome text,
  CONSTRAINT admin_pending_actions_token_key UNIQUE (token),
  CONSTRAINT admin_pending_actions_token_format CHECK (token ~ '^[A-Za-z0-9_-]{16,32}$'),
  CONSTRAINT admin_pending_actions_action_format CHECK (action ~ '^[a-z][a-z0-9_.]{0,31}$'),
  CONSTRAINT admin_pending_actions_used_shape CHECK ((used_at IS NULL) = (notify IS NULL))
);

CREATE INDEX admin_pending_actions_user_idx ON admin_pending_actions (user_id, created_at);
