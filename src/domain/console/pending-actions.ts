import { randomBytes } from "node:crypto";
import type { DbAccess } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { toSafeInt } from "../billing/money.js";

/**
 * Console actions waiting for the admin's confirmation. The confirmation button carries the
 * row's token; pressing it consumes the row with a guarded UPDATE (`used_at IS NULL`), so a
 * confirmation works once: pressed again, pressed by another admin after the first, or pressed
 * after `ttlSeconds`, it changes nothing and says so.
 */

export type PendingArgs = Record<string, string | number | boolean | null>;

export interface PendingAction {
  id: number;
  adminId: number;
  userId: number;
  action: string;
  args: PendingArgs;
  notify: boolean;
}

export type ConsumeResult =
  | { outcome: "consumed"; action: PendingAction }
  /** Used already (by this admin or another), never created, or too old: nothing happens. */
  | { outcome: "used" | "expired" | "unknown" };

/** A token for callback data: 16 url-safe characters (96 random bits). */
function newActionToken(): string {
  return randomBytes(12).toString("base64url");
}

const TOKEN = /^[A-Za-z0-9_-]{16,32}$/;

/** Stores an action to be confirmed; returns its token. */
export async function createPendingAction(
  db: DbAccess,
  input: { adminId: number; userId: number; action: string; args: PendingArgs },
): Promise<string> {
  const token = newActionToken();
  await db.query(
    "console_action_create",
    `INSERT INTO admin_pending_actions (token, admin_id, user_id, action, args)
     VALUES ($1, $2, $3, $4, $5::jsonb)`,
    [token, input.adminId, input.userId, input.action, JSON.stringify(input.args)],
  );
  return token;
}

/**
 * The confirmation: takes the action once, with the admin's notify choice. Only the admin who
 * asked for it may confirm it.
 */
export async function consumePendingAction(
  db: DbAccess,
  input: { adminId: number; token: string; notify: boolean; ttlSeconds: number },
): Promise<ConsumeResult> {
  if (!TOKEN.test(input.token)) return { outcome: "unknown" };
  const { rows } = await db.query<{
    id: string;
    admin_id: string;
    user_id: string;
    action: string;
    args: PendingArgs;
  }>(
    "console_action_consume",
    `UPDATE admin_pending_actions SET used_at = now(), notify = $3
      WHERE token = $1 AND admin_id = $2 AND used_at IS NULL
        AND created_at > now() - make_interval(secs => $4)
      RETURNING id, admin_id, user_id, action, args`,
    [input.token, input.adminId, input.notify, input.ttlSeconds],
  );
  const row = rows[0];
  if (row) {
    return {
      outcome: "consumed",
      action: {
        id: toSafeInt(row.id),
        adminId: toSafeInt(row.admin_id),
        userId: toSafeInt(row.user_id),
        action: row.action,
        args: row.args,
        notify: input.notify,
      },
    };
  }
  const { rows: seen } = await db.query<{ used: boolean }>(
    "console_action_lookup",
    `SELECT used_at IS NOT NULL AS used FROM admin_pending_actions
      WHERE token = $1 AND admin_id = $2`,
    [input.token, input.adminId],
  );
  const found = seen[0];
  if (!found) return { outcome: "unknown" };
  return { outcome: found.used ? "used" : "expired" };
}

/**
 * Records what came of a consumed action; with `audit`, also writes the audit row (for actions
 * whose effect is a network call, such as a message, and is known only afterwards).
 */
export async function recordActionOutcome(
  db: DbAccess,
  action: PendingAction,
  outcome: string,
  audit?: { action: string; details: Record<string, unknown> },
): Promise<void> {
  await db.tx("console_action_outcome", async (client) => {
    await client.query("UPDATE admin_pending_actions SET outcome = $2 WHERE id = $1", [
      action.id,
      outcome,
    ]);
    if (audit) {
      await writeAudit(client, {
        actorId: action.adminId,
        action: audit.action,
        targetUserId: action.userId,
        details: { ...audit.details, outcome, notify: action.notify },
      });
    }
  });
}
