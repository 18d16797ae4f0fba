-- 018_broadcast_console.sql — broadcasts composed in the console.
--
-- A broadcast starts as a 'draft' (its creator edits text, photo, button, segment, variant B);
-- confirming flips draft → running once (the recipients are snapshotted in the same
-- transaction). It may carry a photo (the text is then its caption) and one URL button. The
-- console's progress message is edited while it runs. Segments: everyone, active paid, trial,
-- expired, never paid, no current subscription, or one language ('lang:<code>').

ALTER TABLE broadcasts
  ADD COLUMN photo_file_id text,
  ADD COLUMN button_text text,
  ADD COLUMN button_url text,
  ADD COLUMN progress_chat_id bigint,
  ADD COLUMN progress_message_id bigint,
  ADD COLUMN started_at timestamptz,
  ADD COLUMN cancelled_by bigint;

ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_segment_valid;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_segment_valid CHECK (
  segment IN ('all', 'active', 'none', 'trial', 'expired', 'never_paid')
  OR segment ~ '^lang:[a-z]{2,3}(-[a-z0-9]{2,8})?$');

ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_status_valid;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_status_valid
  CHECK (status IN ('draft', 'running', 'done', 'cancelled'));

ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_finished_shape;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_finished_shape
  CHECK ((status IN ('draft', 'running')) = (finished_at IS NULL));

ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_button_shape CHECK (
  (button_text IS NULL) = (button_url IS NULL)
  AND (button_text IS NULL OR length(button_text) BETWEEN 1 AND 64)
  AND (button_url IS NULL OR button_url ~ '^https?://'));

ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_caption_length CHECK (
  photo_file_id IS NULL OR (length(text_a) <= 1024 AND (text_b IS NULL OR length(text_b) <= 1024)));

-- A running broadcast is claimed from often: find them without scanning finished ones.
CREATE INDEX broadcasts_running_idx ON broadcasts (id) WHERE status = 'running';
