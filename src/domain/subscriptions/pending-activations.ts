import type { DbAccess, DbClient } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";
import { lockCustomer } from "../customers/lock.js";

/** A subscription waiting for its key, as the console lists it. */
export interface PendingActivation {
  subscriptionId: number;
  userId: number;
  attempts: number;
  /** When the activation worker tries it next; null: at its next iteration. */
  nextAttemptAt: Date | null;
  lastError: string | null;
}

/** How many subscriptions wait for their key (`subscriptions_pending_activation_idx`). */
export async function countPendingActivations(db: DbAccess): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "pending_activations_count",
    "SELECT count(*) AS n FROM subscriptions WHERE status = 'pending'",
  );
  return toSafeInt(rows[0]?.n ?? 0);
}

/** The first `limit` waiting subscriptions in the activation worker's order (next try first). */
export async function listPendingActivations(
  db: DbAccess,
  limit: number,
): Promise<PendingActivation[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    activation_attempts: number;
    next_activation_at: Date | null;
    last_activation_error: string | null;
  }>(
    "pending_activations_list",
    `SELECT id, user_id, activation_attempts, next_activation_at, last_activation_error
       FROM subscriptions
      WHERE status = 'pending'
      ORDER BY next_activation_at NULLS FIRST
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    subscriptionId: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    attempts: r.activation_attempts,
    nextAttemptAt: r.next_activation_at,
    lastError: r.last_activation_error,
  }));
}

/** A waiting subscription and its owner, or undefined when it no longer waits. */
export async function findPendingActivation(
  db: DbAccess,
  subscriptionId: number,
): Promise<{ subscriptionId: number; userId: number } | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    "pending_activation_get",
    "SELECT user_id FROM subscriptions WHERE id = $1 AND status = 'pending'",
    [subscriptionId],
  );
  return rows[0] ? { subscriptionId, userId: toSafeInt(rows[0].user_id) } : undefined;
}

/**
 * Makes a waiting subscription due now (its backoff is skipped; the attempt count stays): the
 * activation worker claims it at its next iteration and makes the VPN call — nothing here does.
 * Takes the customer lock first (the lock order). Returns the owner, or undefined when the
 * subscription no longer waits for its key.
 */
export async function makeActivationDueNow(
  client: DbClient,
  subscriptionId: number,
): Promise<{ userId: number } | undefined> {
  const owner = await client.query<{ user_id: string }>(
    "SELECT user_id FROM subscriptions WHERE id = $1",
    [subscriptionId],
  );
  const userId = owner.rows[0] ? toSafeInt(owner.rows[0].user_id) : undefined;
  if (userId === undefined) return undefined;
  await lockCustomer(client, userId);
  const { rowCount } = await client.query(
    `UPDATE subscriptions SET next_activation_at = now()
      WHERE id = $1 AND status = 'pending'`,
    [subscriptionId],
  );
  return rowCount === 1 ? { userId } : undefined;
}
