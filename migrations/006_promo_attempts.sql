-- 006_promo_attempts.sql — refused promo code attempts, for the per-customer rate limit.
-- No BEGIN/COMMIT: the migration runner applies the file inside one transaction.

-- Each refused code a customer typed is one row. The limit (so many refusals within a window) is
-- checked and written under the customer's row lock, so it holds across replicas; the rows of a
-- customer older than the window are deleted at their next attempt, so the table stays small.
CREATE TABLE promo_attempts (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  attempted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX promo_attempts_user_idx ON promo_attempts (user_id, attempted_at);
