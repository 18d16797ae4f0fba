-- 002_bot.sql — the bot's own bookkeeping.
-- No BEGIN/COMMIT: the migration runner applies the file inside one transaction.

-- ---------------------------------------------------------------------------------------------
-- processed_updates — a Telegram update is handled once across replicas (ARCHITECTURE R5)
-- ---------------------------------------------------------------------------------------------
-- Telegram redelivers a webhook update when a handler runs past its timeout, and a new polling
-- leader sees updates the old one fetched but had not confirmed. The handler claims the
-- update_id first; a second delivery finds the claim and is skipped. A claim whose handler never
-- finished (the process died) may be taken again after a lease. `fingerprint` (a hash of the
-- update) tells a redelivery from a new update that reuses the id: Telegram picks ids at random
-- after a week of silence, and the sandbox starts again at 1 after a restart.
-- Rows are pruned after a retention of hours (the bot does it, in small batches), so the table
-- stays small.

CREATE TABLE processed_updates (
  update_id bigint PRIMARY KEY,
  fingerprint text NOT NULL,
  status text NOT NULL DEFAULT 'processing',
  claimed_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT processed_updates_status_valid CHECK (status IN ('processing', 'done')),
  CONSTRAINT processed_updates_finished_shape CHECK ((status = 'done') = (finished_at IS NOT NULL))
);

CREATE INDEX processed_updates_claimed_at_idx ON processed_updates (claimed_at);
