-- 005_update_inbox.sql — Telegram updates are stored before they are acknowledged.
-- No BEGIN/COMMIT: the migration runner applies the file inside one transaction.

-- update_inbox replaces processed_updates. An update is written here before Telegram is told it
-- arrived (the polling offset is advanced, or the webhook request answered 200), so a process
-- that dies while handling it leaves a row behind: `processing` with a lease that is no longer
-- renewed. Any replica then claims the row and runs the stored update again (src/bot/inbox.ts).
-- Exactly-once effects come from the keys the handlers already use (payment charge ids, purchase
-- ids); the inbox makes sure nothing is forgotten. A row run `max attempts` times without
-- finishing (it crashes the process each time) is `failed` and reported to the admins.
-- `fingerprint` (a hash of the update) tells a redelivery from a new update that reuses the id:
-- Telegram picks ids at random after a week of silence, and the sandbox starts again at 1.
-- Finished rows are pruned after a retention of hours, in small batches.

DROP TABLE processed_updates;

CREATE TABLE update_inbox (
  update_id bigint PRIMARY KEY,
  fingerprint text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'processing',
  received_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz NOT NULL DEFAULT now(),
  claimed_by text NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  finished_at timestamptz,
  CONSTRAINT update_inbox_status_valid CHECK (status IN ('processing', 'done', 'failed')),
  CONSTRAINT update_inbox_finished_shape
    CHECK ((status = 'processing') = (finished_at IS NULL)),
  CONSTRAINT update_inbox_attempts_positive CHECK (attempts > 0)
);

-- The recovery sweep reads only unfinished rows whose lease lapsed.
CREATE INDEX update_inbox_processing_idx ON update_inbox (claimed_at) WHERE status = 'processing';
CREATE INDEX update_inbox_finished_at_idx ON update_inbox (finished_at) WHERE status <> 'processing';

-- Worker leases cover a whole grid slot (src/workers/lease.ts): a replica whose clock reaches the
-- same slot a moment later finds it taken, even after the first replica released the lease.
ALTER TABLE worker_leases ADD COLUMN slot bigint;

-- Where a worker that reads an append-only list from a provider stopped (the Stars backstop reads
-- the bot's Star transactions, which Telegram lists in chronological order).
CREATE TABLE worker_cursors (
  name text PRIMARY KEY,
  position bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT worker_cursors_name_format CHECK (name ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  CONSTRAINT worker_cursors_position_nonnegative CHECK (position >= 0)
);

-- Notices are retried until delivered (src/notifications/send-once.ts): a send that provably did
-- not arrive (Telegram answered 429 or 5xx, or the connection was refused or reset) is `failed`
-- with a `next_attempt_at`, and the notice itself is kept so any replica can send it again.
-- `claimed_at` dates the current attempt: a `sending` row whose attempt is older than any send
-- can last was cut off by a crash and becomes `unknown` (at most once: never sent again).
ALTER TABLE notifications
  ADD COLUMN notice jsonb,
  ADD COLUMN attempts integer NOT NULL DEFAULT 1,
  ADD COLUMN claimed_at timestamptz,
  ADD COLUMN next_attempt_at timestamptz;
UPDATE notifications SET claimed_at = created_at;
ALTER TABLE notifications
  ALTER COLUMN claimed_at SET DEFAULT now(),
  ALTER COLUMN claimed_at SET NOT NULL,
  ADD CONSTRAINT notifications_attempts_positive CHECK (attempts > 0),
  ADD CONSTRAINT notifications_retry_shape CHECK (next_attempt_at IS NULL OR status = 'failed');
DROP INDEX notifications_sending_idx;
CREATE INDEX notifications_sending_idx ON notifications (claimed_at) WHERE status = 'sending';
CREATE INDEX notifications_retry_idx ON notifications (next_attempt_at)
  WHERE status = 'failed' AND next_attempt_at IS NOT NULL;
