import type { DbClient } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";
import { toKopecks, toSafeInt, toSafeIntOrNull } from "./money.js";
import type { PaymentMethod } from "./purchases.js";
import { type CashbackAward, cashbackForPayment } from "./referrals.js";

/**
 * The parts every payment path shares (the provider finalizer and the balance purchase): the
 * compare-and-set that flips a purchase to paid, the payment row, and the result — which is
 * always *read back from the rows written*, so a replayed event reports exactly what the first
 * one did.
 */

export type PaymentProvider = "balance" | "telegram_stars" | "telegram_card" | "cryptopay";

export const PROVIDER_OF: Record<PaymentMethod, PaymentProvider> = {
  balance: "balance",
  stars: "telegram_stars",
  card: "telegram_card",
  crypto: "cryptopay",
};

const METHOD_OF: Record<PaymentProvider, PaymentMethod> = {
  balance: "balance",
  telegram_stars: "stars",
  telegram_card: "card",
  cryptopay: "crypto",
};

/** Why the admin must look at a payment (money arrived that could not buy what it was for). */
export type AdminAlert =
  | "amount_mismatch"
  | "currency_mismatch"
  | "method_mismatch"
  /** The purchase was already paid by another payment: the second one went to the balance. */
  | "already_paid"
  /**
   * The customer already paid another purchase with this purchase's promo code: honouring this
   * one too would be a second use, so the money went to the balance.
   */
  | "promo_already_used"
  /** Its ruble value is unknown (a foreign currency): recorded, nothing credited. */
  | "unconvertible";

interface PaymentBase {
  paymentId: number;
  userId: number;
  method: PaymentMethod;
  /** Rubles (kopecks) this payment is worth; for Stars the purchase's ruble snapshot. */
  amountKopecks: number;
  cashback: CashbackAward | null;
}

export type PaymentResult =
  | (PaymentBase & {
      outcome: "granted";
      purchaseId: number;
      subscriptionId: number;
      expiresAt: Date;
      plan: string;
      periodDays: number;
      /** Paid after the purchase expired or was cancelled: honoured at its price. */
      late: boolean;
      /** Its promo reservation had been released: a use over the code's limit. */
      promoOverLimit: boolean;
      /** Balance after the debit, for balance purchases; null otherwise. */
      balanceAfter: number | null;
      adminAlert: null;
    })
  | (PaymentBase & {
      outcome: "topped_up";
      purchaseId: number;
      balanceAfter: number;
      late: boolean;
      adminAlert: null;
    })
  | (PaymentBase & {
      outcome: "credited_to_balance";
      /** The purchase the money arrived for (not paid by it). */
      purchaseId: number | null;
      balanceAfter: number;
      adminAlert: Exclude<AdminAlert, "unconvertible">;
    })
  | (PaymentBase & {
      outcome: "manual_review";
      purchaseId: number | null;
      adminAlert: AdminAlert;
    });

/** What the finalizer stores next to the provider's raw payload, to report replays exactly. */
export interface Resolution {
  purchase_id: number | null;
  late: boolean;
  alert: AdminAlert | null;
}

/**
 * Flips the purchase to paid: pending → paid, or expired/cancelled → paid for a late payment.
 * The WHERE is the compare-and-set; false when it was already paid.
 */
export async function markPurchasePaid(client: DbClient, purchaseId: number): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE purchases SET status = 'paid', paid_at = now()
      WHERE id = $1 AND status IN ('pending', 'expired', 'cancelled')`,
    [purchaseId],
  );
  return rowCount === 1;
}

export interface PaymentInsert {
  purchaseId: number | null;
  userId: number;
  provider: PaymentProvider;
  providerPaymentId: string;
  amountKopecks: number;
  starsAmount: number | null;
  currency: string;
  raw: unknown;
  resolution: Resolution;
}

/** Inserts the payment under its unique provider id (23505 payments_provider_payment_id_key on a duplicate). */
export async function insertPayment(client: DbClient, p: PaymentInsert): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO payments (purchase_id, user_id, provider, provider_payment_id, amount_kopecks,
       stars_amount, currency, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id`,
    [
      p.purchaseId,
      p.userId,
      p.provider,
      p.providerPaymentId,
      p.amountKopecks,
      p.starsAmount,
      p.currency,
      JSON.stringify({ event: p.raw ?? null, resolution: p.resolution }),
    ],
  );
  return toSafeInt(rows[0]?.id);
}

export async function findPaymentId(
  client: DbClient,
  provider: PaymentProvider,
  providerPaymentId: string,
): Promise<number | undefined> {
  const { rows } = await client.query<{ id: string }>(
    "SELECT id FROM payments WHERE provider = $1 AND provider_payment_id = $2",
    [provider, providerPaymentId],
  );
  return rows[0] ? toSafeInt(rows[0].id) : undefined;
}

type ResultRow = {
  id: string;
  user_id: string;
  provider: PaymentProvider;
  amount_kopecks: string;
  purchase_id: string | null;
  resolution: Resolution | null;
  kind: "subscription" | "topup" | null;
  plan: string | null;
  period_days: number | null;
  subscription_id: string | null;
  expires_after: Date | null;
  credit_balance_after: string | null;
  debit_balance_after: string | null;
  over_limit: boolean | null;
};

/** The result of a recorded payment, rebuilt from its rows (first delivery and replays alike). */
export async function readPaymentResult(
  client: DbClient,
  paymentId: number,
): Promise<PaymentResult> {
  const { rows } = await client.query<ResultRow>(
    `SELECT p.id, p.user_id, p.provider, p.amount_kopecks, p.purchase_id,
            p.raw -> 'resolution' AS resolution,
            pu.kind, pu.plan, pu.period_days,
            g.subscription_id, g.expires_after,
            credit.balance_after AS credit_balance_after,
            debit.balance_after AS debit_balance_after,
            r.over_limit
       FROM payments p
       LEFT JOIN purchases pu ON pu.id = p.purchase_id
       LEFT JOIN subscription_grants g ON g.purchase_id = p.purchase_id
       LEFT JOIN balance_ledger credit
              ON credit.payment_id = p.id AND credit.reason IN ('topup', 'late_payment_credit')
       LEFT JOIN balance_ledger debit
              ON debit.purchase_id = p.purchase_id AND debit.reason = 'subscription_payment'
       LEFT JOIN promo_reservations r ON r.purchase_id = p.purchase_id
      WHERE p.id = $1`,
    [paymentId],
  );
  const r = rows[0];
  if (!r) throw new Error(`payment ${paymentId} not found`);
  const base: PaymentBase = {
    paymentId: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    method: METHOD_OF[r.provider],
    amountKopecks: toKopecks(r.amount_kopecks),
    cashback: await cashbackForPayment(client, paymentId),
  };
  const resolution: Resolution = r.resolution ?? { purchase_id: null, late: false, alert: null };
  const purchaseId = toSafeIntOrNull(r.purchase_id);
  if (purchaseId !== null && r.kind === "subscription" && r.subscription_id !== null) {
    return {
      ...base,
      outcome: "granted",
      purchaseId,
      subscriptionId: toSafeInt(r.subscription_id),
      expiresAt: r.expires_after as Date,
      plan: r.plan as string,
      periodDays: r.period_days as number,
      late: resolution.late,
      promoOverLimit: r.over_limit ?? false,
      balanceAfter: r.debit_balance_after === null ? null : toKopecks(r.debit_balance_after),
      adminAlert: null,
    };
  }
  if (purchaseId !== null && r.kind === "topup" && r.credit_balance_after !== null) {
    return {
      ...base,
      outcome: "topped_up",
      purchaseId,
      balanceAfter: toKopecks(r.credit_balance_after),
      late: resolution.late,
      adminAlert: null,
    };
  }
  if (purchaseId === null && r.credit_balance_after !== null && resolution.alert !== null) {
    if (resolution.alert !== "unconvertible") {
      return {
        ...base,
        outcome: "credited_to_balance",
        purchaseId: resolution.purchase_id,
        balanceAfter: toKopecks(r.credit_balance_after),
        adminAlert: resolution.alert,
      };
    }
  }
  return {
    ...base,
    outcome: "manual_review",
    purchaseId: resolution.purchase_id ?? purchaseId,
    adminAlert: resolution.alert ?? "unconvertible",
  };
}

/** `payments_total{method,outcome}` and one log line per payment. */
export function reportPayment(
  deps: { metrics: Metrics; logger: Logger },
  fields: {
    method: PaymentMethod;
    outcome: string;
    purchaseId: number | null;
    userId: number | null;
    paymentId?: number;
    amountKopecks?: number;
    adminAlert?: string | null;
  },
): void {
  deps.metrics.payments.inc({ method: fields.method, outcome: fields.outcome });
  const line = {
    purchase_id: fields.purchaseId,
    user_id: fields.userId,
    method: fields.method,
    outcome: fields.outcome,
    payment_id: fields.paymentId,
    amount_kopecks: fields.amountKopecks,
    admin_alert: fields.adminAlert ?? undefined,
  };
  if (fields.adminAlert) deps.logger.warn(line, "payment needs the admin");
  else deps.logger.info(line, "payment");
}
