import type { DbAccess } from "../../db/pool.js";
import { writeAudit } from "../audit.js";

/**
 * Support conversations inside the bot: a customer's messages reach the admins, their replies
 * reach the customer, and both are kept. One open conversation per customer; an admin closes it.
 */

const MAX_SUPPORT_MESSAGE = 4096;

export interface SupportMessage {
  adminId: number | null;
  body: string;
  createdAt: Date;
}

export interface ConversationView {
  id: number;
  userId: number;
  username: string | null;
  status: "open" | "closed";
  closedBy: number | null;
  lastMessageAt: Date;
  /** The latest messages, oldest first. */
  messages: SupportMessage[];
}

/**
 * Stores a customer's message in their open conversation (opened on the first one); returns
 * the conversation's id. Undefined for an empty or too long message, or an unknown customer.
 */
export async function recordCustomerMessage(
  db: DbAccess,
  userId: number,
  body: string,
): Promise<number | undefined> {
  const text = body.trim();
  if (text.length === 0 || text.length > MAX_SUPPORT_MESSAGE) return undefined;
  return db.tx("support_customer_message", async (c) => {
    const { rows: known } = await c.query("SELECT 1 FROM users WHERE telegram_id = $1", [userId]);
    if (known.length === 0) return undefined;
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO support_conversations (user_id) VALUES ($1)
       ON CONFLICT (user_id) WHERE status = 'open'
       DO UPDATE SET last_message_at = now()
       RETURNING id`,
      [userId],
    );
    const id = Number(rows[0]?.id);
    await c.query("INSERT INTO support_messages (conversation_id, body) VALUES ($1, $2)", [
      id,
      text,
    ]);
    return id;
  });
}

export type ReplyResult =
  | { outcome: "recorded"; userId: number }
  | { outcome: "closed" | "not_found" | "invalid" };

/** An admin's reply, kept and audited; refused once the conversation is closed. */
export async function recordAdminReply(
  db: DbAccess,
  adminId: number,
  conversationId: number,
  body: string,
): Promise<ReplyResult> {
  const text = body.trim();
  if (text.length === 0 || text.length > MAX_SUPPORT_MESSAGE) return { outcome: "invalid" };
  return db.tx("support_admin_reply", async (c) => {
    const { rows } = await c.query<{ user_id: string; status: string }>(
      `UPDATE support_conversations SET last_message_at = now()
        WHERE id = $1 RETURNING user_id, status`,
      [conversationId],
    );
    const row = rows[0];
    if (!row) return { outcome: "not_found" } as const;
    if (row.status !== "open") return { outcome: "closed" } as const;
    await c.query(
      "INSERT INTO support_messages (conversation_id, admin_id, body) VALUES ($1, $2, $3)",
      [conversationId, adminId, text],
    );
    const userId = Number(row.user_id);
    await writeAudit(c, {
      actorId: adminId,
      action: "support.reply",
      targetUserId: userId,
      details: { conversation_id: conversationId },
    });
    return { outcome: "recorded", userId } as const;
  });
}

/** Closes an open conversation (once); returns its customer, undefined when it was not open. */
export async function closeConversation(
  db: DbAccess,
  adminId: number,
  conversationId: number,
): Promise<number | undefined> {
  return db.tx("support_close", async (c) => {
    const { rows } = await c.query<{ user_id: string }>(
      `UPDATE support_conversations SET status = 'closed', closed_at = now(), closed_by = $2
        WHERE id = $1 AND status = 'open' RETURNING user_id`,
      [conversationId, adminId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const userId = Number(row.user_id);
    await writeAudit(c, {
      actorId: adminId,
      action: "support.close",
      targetUserId: userId,
      details: { conversation_id: conversationId },
    });
    return userId;
  });
}

export async function getConversation(
  db: DbAccess,
  conversationId: number,
  lastMessages = 10,
): Promise<ConversationView | undefined> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    username: string | null;
    status: "open" | "closed";
    closed_by: string | null;
    last_message_at: Date;
  }>(
    "support_conversation",
    `SELECT c.id, c.user_id, u.username, c.status, c.closed_by, c.last_message_at
       FROM support_conversations c JOIN users u ON u.telegram_id = c.user_id WHERE c.id = $1`,
    [conversationId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const { rows: messages } = await db.query<{
    admin_id: string | null;
    body: string;
    created_at: Date;
  }>(
    "support_conversation_messages",
    `SELECT admin_id, body, created_at FROM (
       SELECT id, admin_id, body, created_at FROM support_messages
        WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2) m ORDER BY id`,
    [conversationId, lastMessages],
  );
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    username: r.username,
    status: r.status,
    closedBy: r.closed_by === null ? null : Number(r.closed_by),
    lastMessageAt: r.last_message_at,
    messages: messages.map((m) => ({
      adminId: m.admin_id === null ? null : Number(m.admin_id),
      body: m.body,
      createdAt: m.created_at,
    })),
  };
}

export interface OpenConversation {
  id: number;
  userId: number;
  lastMessageAt: Date;
}

/** Open conversations, the most recently active first, a page at a time. */
export async function listOpenConversations(
  db: DbAccess,
  limit: number,
  offset: number,
): Promise<{ items: OpenConversation[]; total: number }> {
  const [{ rows }, { rows: count }] = await Promise.all([
    db.query<{ id: string; user_id: string; last_message_at: Date }>(
      "support_open",
      `SELECT id, user_id, last_message_at FROM support_conversations
        WHERE status = 'open' ORDER BY last_message_at DESC, id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    ),
    db.query<{ n: number }>(
      "support_open_count",
      "SELECT count(*)::int AS n FROM support_conversations WHERE status = 'open'",
    ),
  ]);
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      lastMessageAt: r.last_message_at,
    })),
    total: count[0]?.n ?? 0,
  };
}
