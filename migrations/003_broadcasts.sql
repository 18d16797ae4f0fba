-- 003_broadcasts.sql — admin broadcasts, sent at most once per recipient.
--
-- Recipients are snapshotted when the broadcast starts. Each row is claimed as 'sending' right
-- before the Telegram call; a row still 'sending' after a crash becomes 'unknown' and is never
-- sent again. Telegram's retry_after pauses the whole broadcast (paused_until).

CREATE TABLE broadcasts (
  id bigserial PRIMARY KEY,
  created_by bigint NOT NULL,
  segment text NOT NULL,
  text_a text NOT NULL,
  -- Optional A/B variant: recipients alternate between the two texts.
  text_b text,
  status text NOT NULL DEFAULT 'running',
  paused_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT broadcasts_segment_valid CHECK (segment IN ('all', 'active', 'none', 'trial')),
  CONSTRAINT broadcasts_status_valid CHECK (status IN ('running', 'done', 'cancelled')),
  CONSTRAINT broadcasts_text_length CHECK (length(text_a) BETWEEN 1 AND 4096
                                           AND (text_b IS NULL OR length(text_b) BETWEEN 1 AND 4096)),
  CONSTRAINT broadcasts_finished_shape CHECK ((status = 'running') = (finished_at IS NULL))
);

CREATE TABLE broadcast_recipients (
  broadcast_id bigint NOT NULL REFERENCES broadcasts (id),
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  variant text NOT NULL DEFAULT 'a',
  status text NOT NULL DEFAULT 'pending',
  claimed_at timestamptz,
  sent_at timestamptz,
  error text,
  PRIMARY KEY (broadcast_id, user_id),
  CONSTRAINT broadcast_recipients_variant_valid CHECK (variant IN ('a', 'b')),
  CONSTRAINT broadcast_recipients_status_valid
    CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'unknown')),
  CONSTRAINT broadcast_recipients_sent_shape CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);

CREATE INDEX broadcast_recipients_pending_idx ON broadcast_recipients (broadcast_id, user_id)
  WHERE status = 'pending';
CREATE INDEX broadcast_recipients_sending_idx ON broadcast_recipients (claimed_at)
  WHERE status = 'sending';

-- At most once: a recipient row never goes back to 'pending' once it left it, except when the
-- sender gives back a claim it did not use (Telegram asked to wait before the call was made).
CREATE FUNCTION broadcast_recipients_at_most_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status NOT IN ('pending', 'sending') AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'broadcast recipient %/%: % is final', OLD.broadcast_id, OLD.user_id, OLD.status
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'broadcast_recipients_final',
            TABLE = 'broadcast_recipients';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER broadcast_recipients_at_most_once
  BEFORE UPDATE OF status ON broadcast_recipients
  FOR EACH ROW EXECUTE FUNCTION broadcast_recipients_at_most_once();
