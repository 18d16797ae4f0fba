import type { DbClient } from "../../db/pool.js";
import type { PaymentProvider } from "./payments.js";

export interface UnmatchedPayment {
  provider: Exclude<PaymentProvider, "balance">;
  /** Telegram charge id, Crypto Pay invoice id. */
  providerPaymentId: string;
  purchaseId: number | null;
  /** In the provider's units (kopecks, Stars), as reported. */
  amount: number;
  currency: string;
  raw: unknown;
}

/**
 * Records money that matches no purchase of ours, once per provider id (the table
 * `unmatched_payments`). Returns true for the first delivery; a retry of the same event only
 * counts itself and returns false, so the caller alerts the admins once.
 */
export async function recordUnmatchedPayment(
  client: DbClient,
  p: UnmatchedPayment,
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO unmatched_payments
       (provider, provider_payment_id, purchase_id, amount, currency, raw)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (provider, provider_payment_id) DO NOTHING`,
    [
      p.provider,
      p.providerPaymentId,
      p.purchaseId,
      p.amount,
      p.currency,
      p.raw === undefined ? null : JSON.stringify(p.raw),
    ],
  );
  if (inserted.rowCount === 1) return true;
  await client.query(
    `UPDATE unmatched_payments
        SET deliveries = deliveries + 1, last_seen_at = now()
      WHERE provider = $1 AND provider_payment_id = $2`,
    [p.provider, p.providerPaymentId],
  );
  return false;
}
