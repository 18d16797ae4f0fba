import type { DbAccess } from "../../db/pool.js";
import { toKopecks, toSafeInt } from "./money.js";

/** Real money received through one provider (balance spending is not revenue). */
export interface RevenueLine {
  provider: "telegram_stars" | "telegram_card" | "cryptopay";
  todayKopecks: number;
  week: number;
  month: number;
  /** Stars received (telegram_stars only; 0 otherwise), over the 30 days. */
  monthStars: number;
}

export interface RevenueByMethod {
  lines: RevenueLine[];
  todayKopecks: number;
  weekKopecks: number;
  monthKopecks: number;
}

const PROVIDERS = ["telegram_stars", "telegram_card", "cryptopay"] as const;

/**
 * Payments of the last 30 days by provider (a range over `payments_created_at_idx`), summed
 * since local midnight in `timeZone`, over 7 and over 30 days. Stars payments count at the
 * ruble price they paid for.
 */
export async function revenueByMethod(db: DbAccess, timeZone: string): Promise<RevenueByMethod> {
  const { rows } = await db.query<{
    provider: string;
    today: string;
    week: string;
    month: string;
    stars: string;
  }>(
    "dashboard_revenue",
    `SELECT provider,
            coalesce(sum(amount_kopecks) FILTER (WHERE created_at >= date_trunc('day', now(), $1)), 0) AS today,
            coalesce(sum(amount_kopecks) FILTER (WHERE created_at >= now() - interval '7 days'), 0) AS week,
            coalesce(sum(amount_kopecks), 0) AS month,
            coalesce(sum(stars_amount), 0) AS stars
       FROM payments
      WHERE created_at >= least(now() - interval '30 days', date_trunc('day', now(), $1))
        AND provider <> 'balance'
      GROUP BY provider`,
    [timeZone],
  );
  const byProvider = new Map(rows.map((r) => [r.provider, r]));
  const lines = PROVIDERS.map((provider): RevenueLine => {
    const r = byProvider.get(provider);
    return {
      provider,
      todayKopecks: toKopecks(r?.today ?? 0),
      week: toKopecks(r?.week ?? 0),
      month: toKopecks(r?.month ?? 0),
      monthStars: toSafeInt(r?.stars ?? 0),
    };
  });
  return {
    lines,
    todayKopecks: lines.reduce((s, l) => s + l.todayKopecks, 0),
    weekKopecks: lines.reduce((s, l) => s + l.week, 0),
    monthKopecks: lines.reduce((s, l) => s + l.month, 0),
  };
}

/** Of the customers whose trial started in the last `days` days, how many have paid since. */
export interface TrialConversion {
  days: number;
  trials: number;
  converted: number;
}

/**
 * The trial cohort of the last `days` days (a range over the trial grants' `granted_at`) and
 * how many of them have a paid subscription purchase (looked up per customer through
 * `purchases_user_idx`).
 */
export async function trialConversion(db: DbAccess, days: number): Promise<TrialConversion> {
  const { rows } = await db.query<{ trials: string; converted: string }>(
    "dashboard_trial_conversion",
    `SELECT count(*) AS trials,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM purchases p
               WHERE p.user_id = g.user_id AND p.kind = 'subscription' AND p.status = 'paid')) AS converted
       FROM subscription_grants g
      WHERE g.kind = 'trial' AND g.granted_at >= now() - make_interval(days => $1)`,
    [days],
  );
  return {
    days,
    trials: toSafeInt(rows[0]?.trials ?? 0),
    converted: toSafeInt(rows[0]?.converted ?? 0),
  };
}

export interface PendingWithdrawalsTotal {
  count: number;
  kopecks: number;
}

/** Withdrawal requests waiting for a decision (`withdrawals_pending_idx`). */
export async function pendingWithdrawalsTotal(db: DbAccess): Promise<PendingWithdrawalsTotal> {
  const { rows } = await db.query<{ n: string; total: string }>(
    "dashboard_pending_withdrawals",
    `SELECT count(*) AS n, coalesce(sum(amount_kopecks), 0) AS total
       FROM withdrawals WHERE status = 'pending'`,
  );
  return { count: toSafeInt(rows[0]?.n ?? 0), kopecks: toKopecks(rows[0]?.total ?? 0) };
}
