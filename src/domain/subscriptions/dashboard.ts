import type { DbAccess } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";

/** Subscriptions on the dashboard, by state. */
export interface SubscriptionCounts {
  /** Active, paid for, not yet ended. */
  activePaid: number;
  /** Active trials not yet ended. */
  trial: number;
  /** Paid or granted, still waiting for their key. */
  pendingActivation: number;
  /** Ended (the expiry worker moved them to `expired`). */
  expired: number;
}

/**
 * Live subscriptions (a range over `subscriptions_live_expiry_idx`) counted by kind, and the
 * expired ones (an index-only count over `subscriptions_expired_idx`).
 */
export async function countSubscriptionsByState(db: DbAccess): Promise<SubscriptionCounts> {
  const live = await db.query<{ paid: string; trial: string; pending: string }>(
    "dashboard_subscriptions_live",
    `SELECT count(*) FILTER (WHERE status = 'active' AND NOT is_trial) AS paid,
            count(*) FILTER (WHERE status = 'active' AND is_trial) AS trial,
            count(*) FILTER (WHERE status = 'pending') AS pending
       FROM subscriptions
      WHERE status IN ('pending', 'active') AND expires_at > now()`,
  );
  const expired = await db.query<{ n: string }>(
    "dashboard_subscriptions_expired",
    "SELECT count(*) AS n FROM subscriptions WHERE status = 'expired'",
  );
  const row = live.rows[0];
  return {
    activePaid: toSafeInt(row?.paid ?? 0),
    trial: toSafeInt(row?.trial ?? 0),
    pendingActivation: toSafeInt(row?.pending ?? 0),
    expired: toSafeInt(expired.rows[0]?.n ?? 0),
  };
}
