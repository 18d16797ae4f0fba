import type { DbAccess } from "../../src/db/pool.js";
import { toSafeInt, toSafeIntOrNull } from "../../src/domain/billing/money.js";
import type { GrantKind } from "../../src/domain/subscriptions/grants.js";
import { getSubscription } from "../../src/domain/subscriptions/view.js";

/** Test reads of subscription state: the grant history, the expiry queue, what to provision. */

export interface GrantHistoryRow {
  id: number;
  kind: GrantKind | "revoke";
  seconds: number | null;
  grantedAt: Date;
  expiresBefore: Date | null;
  expiresAfter: Date;
  purchaseId: number | null;
  adminId: number | null;
  note: string | null;
}

/** Every grant of the customer's subscription, oldest first. */
export async function listGrants(db: DbAccess, userId: number): Promise<GrantHistoryRow[]> {
  const { rows } = await db.query<{
    id: string;
    kind: GrantHistoryRow["kind"];
    seconds: string | null;
    granted_at: Date;
    expires_before: Date | null;
    expires_after: Date;
    purchase_id: string | null;
    admin_id: string | null;
    note: string | null;
  }>(
    "test_subscription_grants_list",
    `SELECT id, kind, seconds, granted_at, expires_before, expires_after, purchase_id, admin_id,
            note
       FROM subscription_grants WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id),
    kind: r.kind,
    seconds: toSafeIntOrNull(r.seconds),
    grantedAt: r.granted_at,
    expiresBefore: r.expires_before,
    expiresAfter: r.expires_after,
    purchaseId: toSafeIntOrNull(r.purchase_id),
    adminId: toSafeIntOrNull(r.admin_id),
    note: r.note,
  }));
}

/** Live subscriptions past their expiry, oldest first (what the fast-expiry worker claims). */
export async function listOverdueSubscriptionIds(db: DbAccess, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    "test_subscriptions_overdue",
    `SELECT id FROM subscriptions
      WHERE status IN ('pending', 'active') AND expires_at <= now()
      ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => toSafeInt(r.id));
}

/**
 * The customer's subscription id if it is live and needs provisioning (the service's view of
 * it, the same predicate as the worker indexes), else undefined.
 */
export async function subscriptionIdToProvision(
  db: DbAccess,
  userId: number,
): Promise<number | undefined> {
  const sub = await getSubscription(db, userId);
  return sub?.live && sub.needsProvisioning ? sub.id : undefined;
}
