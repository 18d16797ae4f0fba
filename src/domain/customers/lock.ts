import type { DbClient } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";

/**
 * The customer lock: every transaction that changes one customer's money or subscription takes
 * it first, so they serialise per customer and never deadlock. The lock order, for every flow:
 *
 *   1. the customer (this function) — the payer, before anything else;
 *   2. their purchase row(s);
 *   3. the promo code (its use is reserved under the customer's lock);
 *   4. their subscription row;
 *   5. the referrer (cashback), another customer, always after the payer.
 *
 * `FOR NO KEY UPDATE` is the one strength: it conflicts with itself and with balance updates,
 * but not with the foreign-key checks of rows that reference the customer (ledger, payments),
 * so writing those never waits on it.
 *
 * Returns the customer's balance, or undefined for an unknown customer.
 */
export async function lockCustomer(
  client: DbClient,
  userId: number,
): Promise<{ balanceKopecks: number } | undefined> {
  const { rows } = await client.query<{ balance_kopecks: string }>(
    "SELECT balance_kopecks FROM users WHERE telegram_id = $1 FOR NO KEY UPDATE",
    [userId],
  );
  const row = rows[0];
  return row ? { balanceKopecks: toSafeInt(row.balance_kopecks) } : undefined;
}
