-- 019_support_conversations.sql — customers write to support inside the bot.
--
-- A customer has at most one open conversation; their messages and the admins' replies are
-- kept in order. Closing is done once (closed_at), by an admin.

CREATE TABLE support_conversations (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  status text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  closed_by bigint,
  closed_at timestamptz,
  CONSTRAINT support_conversations_status_valid CHECK (status IN ('open', 'closed')),
  CONSTRAINT support_conversations_closed_shape CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

CREATE UNIQUE INDEX support_conversations_one_open ON support_conversations (user_id)
  WHERE status = 'open';
CREATE INDEX support_conversations_open_idx ON support_conversations (last_message_at)
  WHERE status = 'open';

CREATE TABLE support_messages (
  id bigserial PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES support_conversations (id),
  -- NULL: the customer wrote it; otherwise the admin who replied.
  admin_id bigint,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT support_messages_body_length CHECK (length(body) BETWEEN 1 AND 4096)
);

CREATE INDEX support_messages_conversation_idx ON support_messages (conversation_id, id);
