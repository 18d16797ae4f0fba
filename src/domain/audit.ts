import type { DbAccess, DbClient } from "../db/pool.js";
import { toSafeInt, toSafeIntOrNull } from "./billing/money.js";

/**
 * The admin audit trail. Written with the caller's client, inside the same transaction as the
 * action it records, so an action and its audit row commit (or roll back) together.
 */
export interface AuditEntry {
  /** Admin telegram id; null for the system. */
  actorId: number | null;
  /** e.g. "balance.credit", "subscription.grant", "withdrawal.reject". */
  action: string;
  targetUserId?: number | null;
  details?: Record<string, unknown>;
}

export async function writeAudit(client: DbClient, entry: AuditEntry): Promise<void> {
  await client.query(
    `INSERT INTO audit_log (actor_id, action, target_user_id, details)
     VALUES ($1, $2, $3, $4::jsonb)`,
    [entry.actorId, entry.action, entry.targetUserId ?? null, JSON.stringify(entry.details ?? {})],
  );
}

/**
 * Records `entry` once per confirmation token (the token of a single-use confirm button):
 * true when this call wrote it, false when that confirmation was already recorded — the
 * action it confirms was done then, and must not be done again.
 */
export async function writeAuditOnce(
  client: DbClient,
  entry: AuditEntry,
  confirmation: string,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO audit_log (actor_id, action, target_user_id, details)
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT ((details ->> 'confirmation')) WHERE details ? 'confirmation' DO NOTHING`,
    [
      entry.actorId,
      entry.action,
      entry.targetUserId ?? null,
      JSON.stringify({ ...entry.details, confirmation }),
    ],
  );
  return rowCount === 1;
}

/** Whose entries a page of the audit log shows. */
export type AuditFilter =
  | { kind: "all" }
  | { kind: "admin"; id: number }
  | { kind: "customer"; id: number };

export interface AuditRow {
  id: number;
  actorId: number | null;
  action: string;
  targetUserId: number | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditPage {
  rows: AuditRow[];
  /** The id to pass as `beforeId` for the next (older) page; undefined on the last page. */
  olderThan: number | undefined;
}

/**
 * A page of the audit log, newest first, older than `beforeId` (keyset: by primary key for all
 * entries, `audit_log_actor_idx` by admin, `audit_log_target_id_idx` about a customer).
 */
export async function listAudit(
  db: DbAccess,
  filter: AuditFilter,
  beforeId: number | undefined,
  limit: number,
): Promise<AuditPage> {
  const where =
    filter.kind === "admin"
      ? "actor_id = $3"
      : filter.kind === "customer"
        ? "target_user_id = $3"
        : "$3::bigint IS NULL";
  const { rows } = await db.query<{
    id: string;
    actor_id: string | null;
    action: string;
    target_user_id: string | null;
    details: Record<string, unknown>;
    created_at: Date;
  }>(
    "audit_page",
    `SELECT id, actor_id, action, target_user_id, details, created_at
       FROM audit_log
      WHERE ${where} AND id < $1
      ORDER BY ${filter.kind === "admin" ? "actor_id DESC, " : filter.kind === "customer" ? "target_user_id DESC, " : ""}id DESC
      LIMIT $2`,
    [beforeId ?? Number.MAX_SAFE_INTEGER, limit + 1, filter.kind === "all" ? null : filter.id],
  );
  const page = rows.slice(0, limit).map(
    (r): AuditRow => ({
      id: toSafeInt(r.id),
      actorId: toSafeIntOrNull(r.actor_id),
      action: r.action,
      targetUserId: toSafeIntOrNull(r.target_user_id),
      details: r.details,
      createdAt: r.created_at,
    }),
  );
  return { rows: page, olderThan: rows.length > limit ? page.at(-1)?.id : undefined };
}
