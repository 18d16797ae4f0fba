import type { DbAccess, DbClient } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";
import { lockCustomer } from "../customers/lock.js";
import { isPgError, SqlState } from "../pg-errors.js";
import { type Provisioner, provisionAfterCommit } from "../subscriptions/after-commit.js";
import { grantSubscriptionTime } from "../subscriptions/grants.js";
import { creditLatePayment, creditTopup } from "./ledger.js";
import {
  type AdminAlert,
  findPaymentId,
  insertPayment,
  markPurchasePaid,
  type PaymentProvider,
  type PaymentResult,
  PROVIDER_OF,
  readPaymentResult,
  reportPayment,
} from "./payments.js";
import { PURCHASE_COLUMNS, type Purchase, type PurchaseRow, toPurchase } from "./purchases.js";
import { awardReferralCashback } from "./referrals.js";
import { recordUnmatchedPayment } from "./unmatched-payments.js";

/**
 * The one finalizer for money arriving from a provider (R8): a Telegram Stars or card
 * `successful_payment`, or a paid Crypto Pay invoice (webhook or watcher). In ONE transaction it
 * flips the purchase to paid (compare-and-set; expired/cancelled → paid for a late payment),
 * records the payment under the provider's unique id, applies the grant or the top-up credit,
 * writes the referral cashback, and leaves the subscription needing provisioning. After commit,
 * with no connection held, it asks the provisioner to put the key on the VPN server.
 *
 * Replays change nothing: the payment's provider id is unique, the event is looked up first
 * (under the purchase's row lock, so concurrent duplicates queue), and a duplicate that still
 * races to the insert hits 23505 and reports the stored result.
 *
 * Money that cannot buy what it was for (amount or currency differ from the snapshot, or the
 * purchase was already paid by another payment) is never dropped: it is recorded as a payment
 * without a purchase and credited to the balance (`late_payment_credit`), and the result
 * carries `adminAlert` for the caller to tell the admin.
 */

export interface FinalizerDeps {
  db: DbAccess;
  provisioner: Provisioner;
  metrics: Metrics;
  logger: Logger;
}

/** A provider's confirmation that money arrived. */
export type PaymentEvent =
  | {
      /** Telegram `successful_payment` with currency XTR. */
      method: "stars";
      /** From `invoice_payload` (see `parseInvoicePayload`); null if it is not ours. */
      purchaseId: number | null;
      telegramChargeId: string;
      /** Stars. */
      totalAmount: number;
      currency: string;
      raw?: unknown;
    }
  | {
      /** Telegram `successful_payment` through a payment provider token. */
      method: "card";
      purchaseId: number | null;
      telegramChargeId: string;
      /** Kopecks (the currency's smallest unit). */
      totalAmount: number;
      currency: string;
      raw?: unknown;
    }
  | {
      /** A Crypto Pay invoice with status 'paid'. */
      method: "crypto";
      invoiceId: number;
      /** From the invoice's `payload`, if it parses. */
      purchaseId: number | null;
      /** The invoice's fiat `amount`, in kopecks. */
      amountKopecks: number;
      /** The invoice's `fiat` currency. */
      fiat: string;
      raw?: unknown;
    };

export type FinalizeResult =
  | PaymentResult
  /**
   * No purchase of ours matches: no payment is recorded, only the event in `unmatched_payments`
   * (once per provider id; a retry is `replayed`); the admin should look (money may be held).
   */
  | {
      outcome: "unmatched";
      purchaseId: number | null;
      userId: null;
      adminAlert: "unknown_purchase";
    };

export interface FinalizeOutcome {
  result: FinalizeResult;
  /** The event was already processed: the stored result of the first delivery is returned. */
  replayed: boolean;
}

function providerPaymentIdOf(event: PaymentEvent): string {
  return event.method === "crypto" ? String(event.invoiceId) : event.telegramChargeId;
}

/**
 * The purchase this event pays. `lock`: row-locked, so concurrent events for it queue here;
 * without, a plain read (to learn whose it is: a purchase never changes hands).
 */
async function purchaseForEvent(
  client: DbClient,
  event: PaymentEvent,
  lock: boolean,
): Promise<(Purchase & { pastDue: boolean }) | undefined> {
  const byInvoice = event.method === "crypto";
  const forUpdate = lock ? "FOR UPDATE" : "";
  const { rows } = await client.query<PurchaseRow & { past_due: boolean }>(
    byInvoice
      ? `SELECT ${PURCHASE_COLUMNS}, expires_at <= now() AS past_due FROM purchases
          WHERE crypto_invoice_id = $1
             OR (id = $2 AND method = 'crypto'
                 AND NOT EXISTS (SELECT 1 FROM purchases WHERE crypto_invoice_id = $1))
          ORDER BY (crypto_invoice_id = $1) DESC NULLS LAST LIMIT 1
          ${forUpdate}`
      : `SELECT ${PURCHASE_COLUMNS}, expires_at <= now() AS past_due FROM purchases
          WHERE id = $1 ${forUpdate}`,
    byInvoice ? [event.invoiceId, event.purchaseId] : [event.purchaseId],
  );
  const r = rows[0];
  return r ? { ...toPurchase(r), pastDue: r.past_due === true } : undefined;
}

type Verdict =
  | { match: true }
  | { match: false; alert: Exclude<AdminAlert, "already_paid">; rubles: number | null };

/**
 * Does the money match the snapshot? If not, what is it worth in rubles: the paid amount for
 * RUB; for Stars, the purchase's own ruble/Stars ratio; unknown for anything else.
 */
function judge(p: Purchase, event: PaymentEvent): Verdict {
  const paidCurrency = currencyOf(event);
  const paid = event.method === "crypto" ? event.amountKopecks : event.totalAmount;
  const rublesOf = (): number | null => {
    if (paidCurrency === "RUB") return paid;
    if (paidCurrency === "XTR" && p.starsAmount !== null && p.starsAmount > 0) {
      return Math.floor((paid * p.amountKopecks) / p.starsAmount);
    }
    return null;
  };
  if (event.method !== p.method) {
    return { match: false, alert: "method_mismatch", rubles: rublesOf() };
  }
  if (paidCurrency !== p.currency) {
    return { match: false, alert: "currency_mismatch", rubles: rublesOf() };
  }
  const expected = p.method === "stars" ? p.starsAmount : p.amountKopecks;
  if (paid !== expected) return { match: false, alert: "amount_mismatch", rubles: rublesOf() };
  return { match: true };
}

function starsOf(event: PaymentEvent): number | null {
  return event.method === "stars" ? event.totalAmount : null;
}

/** Providers send ISO codes; upper-cased so "rub" is RUB (and fits payments_currency_format). */
function currencyOf(event: PaymentEvent): string {
  return (event.method === "crypto" ? event.fiat : event.currency).trim().toUpperCase();
}

/** The watcher stops polling an invoice once it is paid, whatever became of the money. */
async function markInvoicePaid(client: DbClient, event: PaymentEvent, p: Purchase): Promise<void> {
  if (event.method !== "crypto") return;
  await client.query(
    `UPDATE purchases
        SET crypto_invoice_id = coalesce(crypto_invoice_id, $2), crypto_invoice_status = 'paid'
      WHERE id = $1 AND (crypto_invoice_id IS NULL OR crypto_invoice_id = $2)`,
    [p.id, event.invoiceId],
  );
}

/** The money buys its purchase: flip to paid, record, grant or credit, cashback. */
async function payPurchase(
  client: DbClient,
  event: PaymentEvent,
  provider: PaymentProvider,
  p: Purchase & { pastDue: boolean },
): Promise<number> {
  const late = p.status !== "pending" || p.pastDue;
  if (!(await markPurchasePaid(client, p.id))) {
    throw new Error(`purchase ${p.id}: compare-and-set to paid failed under its row lock`);
  }
  await markInvoicePaid(client, event, p);
  const paymentId = await insertPayment(client, {
    purchaseId: p.id,
    userId: p.userId,
    provider,
    providerPaymentId: providerPaymentIdOf(event),
    amountKopecks: p.amountKopecks,
    starsAmount: starsOf(event),
    currency: currencyOf(event),
    raw: event.raw,
    resolution: { purchase_id: p.id, late, alert: null },
  });
  if (p.kind === "subscription") {
    if (p.plan === null || p.periodDays === null) {
      throw new Error(`subscription purchase ${p.id} has no plan`);
    }
    await grantSubscriptionTime(client, {
      userId: p.userId,
      kind: "purchase",
      seconds: p.periodDays * 86_400,
      purchaseId: p.id,
      plan: { plan: p.plan, periodDays: p.periodDays },
    });
  } else {
    await creditTopup(client, p.userId, paymentId, p.amountKopecks);
  }
  await awardReferralCashback(client, {
    id: paymentId,
    userId: p.userId,
    provider,
    amountKopecks: p.amountKopecks,
  });
  return paymentId;
}

/**
 * The money cannot buy its purchase: record it without one and credit its ruble value to the
 * balance (or, with no known ruble value, record it for the admin and credit nothing).
 */
async function creditInstead(
  client: DbClient,
  event: PaymentEvent,
  provider: PaymentProvider,
  p: Purchase,
  alert: AdminAlert,
  rubles: number | null,
): Promise<number> {
  const value = rubles !== null && rubles > 0 ? rubles : 0;
  await markInvoicePaid(client, event, p);
  const paymentId = await insertPayment(client, {
    purchaseId: null,
    userId: p.userId,
    provider,
    providerPaymentId: providerPaymentIdOf(event),
    amountKopecks: value,
    starsAmount: starsOf(event),
    currency: currencyOf(event),
    raw: event.raw,
    resolution: { purchase_id: p.id, late: false, alert: value > 0 ? alert : "unconvertible" },
  });
  if (value > 0) {
    await creditLatePayment(client, p.userId, paymentId, value, p.id, alert);
    await awardReferralCashback(client, {
      id: paymentId,
      userId: p.userId,
      provider,
      amountKopecks: value,
    });
  }
  return paymentId;
}

async function finalizeInTx(client: DbClient, event: PaymentEvent): Promise<FinalizeOutcome> {
  const provider = PROVIDER_OF[event.method];
  // The lock order (src/domain/customers/lock.ts): the customer, then their purchase.
  const owner = (await purchaseForEvent(client, event, false))?.userId;
  if (owner !== undefined) await lockCustomer(client, owner);
  const purchase = await purchaseForEvent(client, event, true);
  const existing = await findPaymentId(client, provider, providerPaymentIdOf(event));
  if (existing !== undefined) {
    return { result: await readPaymentResult(client, existing), replayed: true };
  }
  if (!purchase) {
    // Recorded once: a provider's retry of this event is a replay (no second alert or warning).
    const first = await recordUnmatchedPayment(client, {
      provider: provider as Exclude<PaymentProvider, "balance">,
      providerPaymentId: providerPaymentIdOf(event),
      purchaseId: event.purchaseId,
      amount: event.method === "crypto" ? event.amountKopecks : event.totalAmount,
      currency: event.method === "crypto" ? event.fiat : event.currency,
      raw: event.raw,
    });
    return {
      result: {
        outcome: "unmatched",
        purchaseId: event.purchaseId,
        userId: null,
        adminAlert: "unknown_purchase",
      },
      replayed: !first,
    };
  }
  const verdict = judge(purchase, event);
  let paymentId: number;
  if (verdict.match && purchase.status !== "paid" && (await promoUsedElsewhere(client, purchase))) {
    paymentId = await creditInstead(
      client,
      event,
      provider,
      purchase,
      "promo_already_used",
      paidRubles(event, purchase),
    );
  } else if (verdict.match && purchase.status !== "paid") {
    paymentId = await payPurchase(client, event, provider, purchase);
  } else if (verdict.match) {
    paymentId = await creditInstead(
      client,
      event,
      provider,
      purchase,
      "already_paid",
      paidRubles(event, purchase),
    );
  } else {
    paymentId = await creditInstead(
      client,
      event,
      provider,
      purchase,
      verdict.alert,
      verdict.rubles,
    );
  }
  return { result: await readPaymentResult(client, paymentId), replayed: false };
}

/**
 * Another purchase of this customer with the same promo code is paid already. A customer uses a
 * code once; paying this one too (an older invoice left open, paid late) would be a second use,
 * repeatable with every invoice opened. A single late payment is still honoured.
 */
async function promoUsedElsewhere(client: DbClient, p: Purchase): Promise<boolean> {
  if (p.promoCodeId === null) return false;
  // Two late payments of one customer race under the customer lock (taken first): this check
  // (a new statement, so a new snapshot) sees whichever committed first.
  const { rowCount } = await client.query(
    `SELECT 1 FROM purchases
      WHERE user_id = $1 AND promo_code_id = $2 AND status = 'paid' AND id <> $3
      LIMIT 1`,
    [p.userId, p.promoCodeId, p.id],
  );
  return rowCount === 1;
}

/** A second, matching payment for an already-paid purchase is worth what the purchase cost. */
function paidRubles(event: PaymentEvent, p: Purchase): number {
  return event.method === "stars"
    ? p.amountKopecks
    : event.method === "crypto"
      ? event.amountKopecks
      : event.totalAmount;
}

/** The stored result of an event, read on its own checkout (after a lost insert race). */
async function readStoredOutcome(db: DbAccess, event: PaymentEvent): Promise<FinalizeOutcome> {
  return db.withClient("payment_finalize_replay", async (client) => {
    const id = await findPaymentId(client, PROVIDER_OF[event.method], providerPaymentIdOf(event));
    if (id === undefined) throw new Error("payment vanished after a unique violation");
    return { result: await readPaymentResult(client, id), replayed: true };
  });
}

/**
 * Finalizes one provider event. Returns the result of the first delivery of this event
 * (`replayed` tells a duplicate apart, so the caller notifies the customer only once). A
 * `result.adminAlert` asks the caller to alert the admin.
 */
export async function finalizePayment(
  deps: FinalizerDeps,
  event: PaymentEvent,
): Promise<FinalizeOutcome> {
  let outcome: FinalizeOutcome;
  try {
    outcome = await deps.db.tx("payment_finalize", (client) => finalizeInTx(client, event));
  } catch (err) {
    // A concurrent delivery of the same event won the insert: report what it stored.
    if (!isPgError(err, SqlState.uniqueViolation, "payments_provider_payment_id_key")) throw err;
    outcome = await readStoredOutcome(deps.db, event);
  }
  const { result, replayed } = outcome;
  reportPayment(deps, {
    method: event.method,
    outcome: replayed ? "duplicate" : result.outcome,
    purchaseId: result.purchaseId ?? event.purchaseId,
    userId: result.userId,
    paymentId: "paymentId" in result ? result.paymentId : undefined,
    amountKopecks: "amountKopecks" in result ? result.amountKopecks : undefined,
    adminAlert: replayed ? null : result.adminAlert,
  });
  if (!replayed && result.outcome === "granted") {
    await provisionAfterCommit(deps.provisioner, deps.logger, result.subscriptionId);
  }
  return outcome;
}

/** Of these Telegram Stars charge ids, the ones a payment row already records. */
export async function recordedStarsCharges(
  db: DbAccess,
  chargeIds: readonly string[],
): Promise<Set<string>> {
  if (chargeIds.length === 0) return new Set();
  const { rows } = await db.query<{ provider_payment_id: string }>(
    "payments.recorded_stars_charges",
    `SELECT provider_payment_id FROM payments
      WHERE provider = 'telegram_stars' AND provider_payment_id = ANY($1::text[])`,
    [chargeIds],
  );
  return new Set(rows.map((r) => r.provider_payment_id));
}
