-- 017_withdrawal_decisions.sql — the console's withdrawal decisions.
--
-- A rejection carries the reason the customer is told. Every copy of a request sent to an admin
-- is remembered, so a decision shows on all of them. A typed reason waits in a draft until the
-- admin confirms; the confirm button consumes the draft once (used_at).

ALTER TABLE withdrawals ADD COLUMN reject_reason text;
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_reject_reason_length
  CHECK (reject_reason IS NULL OR length(reject_reason) BETWEEN 1 AND 1000);

CREATE TABLE withdrawal_copies (
  withdrawal_id bigint NOT NULL REFERENCES withdrawals (id),
  admin_id bigint NOT NULL,
  message_id bigint NOT NULL,
  PRIMARY KEY (withdrawal_id, admin_id, message_id)
);

CREATE TABLE withdrawal_reject_drafts (
  id bigserial PRIMARY KEY,
  withdrawal_id bigint NOT NULL REFERENCES withdrawals (id),
  admin_id bigint NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  CONSTRAINT withdrawal_reject_drafts_reason_length CHECK (length(reason) BETWEEN 1 AND 1000)
);
