import type { DbAccess } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";

/** Auto-renewal: the customer's switch and the renewal worker's queue. */

export type AutoRenewResult =
  | { outcome: "set"; autoRenew: boolean; version: number }
  | { outcome: "no_subscription" | "no_paid_plan" | "stale" };

/**
 * Turns auto-renewal on or off. On needs a last paid plan (what the renewal will buy). With
 * `expectedVersion`, the change applies only to the state the customer saw (compare-and-set).
 */
export async function setAutoRenew(
  db: DbAccess,
  userId: number,
  enabled: boolean,
  expectedVersion?: number,
): Promise<AutoRenewResult> {
  const { rows } = await db.query<{
    version: string | null;
    has_plan: boolean | null;
    applied: boolean;
  }>(
    "subscription_auto_renew",
    `WITH cur AS (
       SELECT id, version, last_plan IS NOT NULL AS has_plan FROM subscriptions WHERE user_id = $1
     ), upd AS (
       UPDATE subscriptions s SET auto_renew = $2
         FROM cur
        WHERE s.id = cur.id AND ($2 = false OR cur.has_plan)
          AND ($3::bigint IS NULL OR cur.version = $3::bigint)
        RETURNING s.version
     )
     SELECT coalesce((SELECT version FROM upd), (SELECT version FROM cur))::text AS version,
            (SELECT has_plan FROM cur) AS has_plan,
            EXISTS (SELECT 1 FROM upd) AS applied`,
    [userId, enabled, expectedVersion ?? null],
  );
  const r = rows[0];
  if (!r || r.has_plan === null) return { outcome: "no_subscription" };
  if (r.applied) return { outcome: "set", autoRenew: enabled, version: toSafeInt(r.version) };
  if (enabled && !r.has_plan) return { outcome: "no_paid_plan" };
  return { outcome: "stale" };
}

export interface AutoRenewalDue {
  subscriptionId: number;
  userId: number;
  plan: string;
  periodDays: number;
  expiresAt: Date;
}

/**
 * Auto-renewing subscriptions that expire within `withinSeconds` (the auto-renewal queue),
 * soonest first — except those already told "not enough money" this cycle whose balance has
 * not changed since: they go last, so a batch full of them never crowds out a customer who can
 * pay. They are still retried (a balance can change without a ledger row only by a bug).
 */
export async function listAutoRenewalsDue(
  db: DbAccess,
  withinSeconds: number,
  limit: number,
): Promise<AutoRenewalDue[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    last_plan: string;
    last_period_days: number;
    expires_at: Date;
  }>(
    "subscriptions_auto_renew_due",
    `SELECT s.id, s.user_id, s.last_plan, s.last_period_days, s.expires_at
       FROM subscriptions s
      WHERE s.auto_renew AND s.status IN ('pending', 'active')
        AND s.expires_at <= now() + make_interval(secs => $1)
      ORDER BY EXISTS (
                 SELECT 1 FROM notifications n
                  WHERE n.subscription_id = s.id AND n.kind = 'auto_renew_insufficient'
                    AND n.cycle = date_trunc('milliseconds', s.expires_at)
                    AND NOT EXISTS (SELECT 1 FROM balance_ledger l
                                     WHERE l.user_id = s.user_id AND l.created_at > n.created_at)),
               s.expires_at
      LIMIT $2`,
    [withinSeconds, limit],
  );
  return rows.map((r) => ({
    subscriptionId: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    plan: r.last_plan,
    periodDays: r.last_period_days,
    expiresAt: r.expires_at,
  }));
}
