import type { DbAccess } from "../db/pool.js";

/**
 * A balance purchase is instant, so a double tap on "pay from balance" (or two replicas each
 * handling one of two quick presses) would buy the same thing twice. The bot asks this before
 * charging: the same plan and period bought from the balance by this customer within the last
 * `withinSeconds` is taken as the same intent. One indexed read (purchases_user_idx).
 */
export async function recentBalancePurchase(
  db: DbAccess,
  input: { userId: number; plan: string; periodDays: number; withinSeconds: number },
): Promise<boolean> {
  const { rows } = await db.query(
    "recent_balance_purchase",
    `SELECT 1 FROM purchases
      WHERE user_id = $1 AND method = 'balance' AND status = 'paid'
        AND plan = $2 AND period_days = $3
        AND created_at > now() - make_interval(secs => $4)
      LIMIT 1`,
    [input.userId, input.plan, input.periodDays, input.withinSeconds],
  );
  return rows.length > 0;
}
