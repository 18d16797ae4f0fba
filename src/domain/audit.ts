import type { DbClient } from "../db/pool.js";

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
