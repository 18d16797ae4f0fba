import type { DbAccess, DbClient } from "../../db/pool.js";
import { isPgError, SqlState } from "../pg-errors.js";
import { loadCustomerPricing, priceForCustomer } from "./customer-pricing.js";
import { toKopecks, toSafeInt, toSafeIntOrNull } from "./money.js";
import { checkTopupAmount, type DiscountSource, type Quote } from "./pricing.js";
import { type PromoLookup, reservePromoUse } from "./promo.js";

/**
 * Purchases: the price snapshot a customer saw, created before they pay and payable until
 * `expires_at`. Paying one is the finalizer's job (finalizer.ts; balance-purchase.ts for the
 * instant balance path). A promo code's use is reserved here, in the creating transaction.
 */

export type PaymentMethod = "balance" | "stars" | "card" | "crypto";
export type PurchaseKind = "subscription" | "topup";
export type PurchaseStatus = "pending" | "paid" | "expired" | "cancelled";

export interface Purchase {
  id: number;
  userId: number;
  kind: PurchaseKind;
  plan: string | null;
  periodDays: number | null;
  method: PaymentMethod;
  baseKopecks: number;
  discountSource: DiscountSource;
  discountPercent: number;
  /** A fixed amount off the ruble price (fixed-amount promo codes); 0 otherwise. */
  discountKopecks: number;
  amountKopecks: number;
  baseStars: number | null;
  starsAmount: number | null;
  currency: "RUB" | "XTR";
  promoCodeId: number | null;
  status: PurchaseStatus;
  paidAt: Date | null;
  expiresAt: Date | null;
  cryptoInvoiceId: number | null;
  cryptoInvoiceStatus: "active" | "paid" | "expired" | null;
  cryptoInvoiceUrl: string | null;
  createdAt: Date;
}

export const PURCHASE_COLUMNS = `id, user_id, kind, plan, period_days, method, base_kopecks,
  discount_source, discount_percent, discount_kopecks, amount_kopecks, base_stars, stars_amount,
  currency, promo_code_id, status, paid_at, expires_at, crypto_invoice_id, crypto_invoice_status,
  crypto_invoice_url, created_at`;

export type PurchaseRow = {
  id: string;
  user_id: string;
  kind: PurchaseKind;
  plan: string | null;
  period_days: number | null;
  method: PaymentMethod;
  base_kopecks: string;
  discount_source: DiscountSource;
  discount_percent: number;
  discount_kopecks: string;
  amount_kopecks: string;
  base_stars: number | null;
  stars_amount: number | null;
  currency: "RUB" | "XTR";
  promo_code_id: string | null;
  status: PurchaseStatus;
  paid_at: Date | null;
  expires_at: Date | null;
  crypto_invoice_id: string | null;
  crypto_invoice_status: Purchase["cryptoInvoiceStatus"];
  crypto_invoice_url: string | null;
  created_at: Date;
};

export function toPurchase(r: PurchaseRow): Purchase {
  return {
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    kind: r.kind,
    plan: r.plan,
    periodDays: r.period_days,
    method: r.method,
    baseKopecks: toKopecks(r.base_kopecks),
    discountSource: r.discount_source,
    discountPercent: r.discount_percent,
    discountKopecks: toKopecks(r.discount_kopecks),
    amountKopecks: toKopecks(r.amount_kopecks),
    baseStars: r.base_stars,
    starsAmount: r.stars_amount,
    currency: r.currency,
    promoCodeId: toSafeIntOrNull(r.promo_code_id),
    status: r.status,
    paidAt: r.paid_at,
    expiresAt: r.expires_at,
    cryptoInvoiceId: toSafeIntOrNull(r.crypto_invoice_id),
    cryptoInvoiceStatus: r.crypto_invoice_status,
    cryptoInvoiceUrl: r.crypto_invoice_url,
    createdAt: r.created_at,
  };
}

// ----------------------------------------------------------------------------------------------
// Telegram invoice payload
// ----------------------------------------------------------------------------------------------

/** The `payload` of a Telegram (Stars/card) invoice or a Crypto Pay invoice: nothing secret. */
export function invoicePayload(purchaseId: number): string {
  return `purchase:${purchaseId}`;
}

/** The purchase id in an invoice payload, or null if it is not one of ours. */
export function parseInvoicePayload(payload: string | null | undefined): number | null {
  const m = /^purchase:([1-9]\d{0,15})$/.exec(payload ?? "");
  if (!m?.[1]) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : null;
}

// ----------------------------------------------------------------------------------------------
// Creating a purchase
// ----------------------------------------------------------------------------------------------

/** The snapshot columns of a purchase about to be inserted. */
export interface PurchaseSnapshot {
  userId: number;
  kind: PurchaseKind;
  method: PaymentMethod;
  quote: Quote | null;
  /** Top-up amount (kind 'topup' only). */
  topupKopecks?: number;
  /** Payable for this long; null for an instant balance purchase. */
  payableForSeconds: number | null;
}

export async function insertPurchase(client: DbClient, s: PurchaseSnapshot): Promise<Purchase> {
  const q = s.quote;
  const stars = s.method === "stars";
  const base = q ? q.baseKopecks : (s.topupKopecks ?? 0);
  const { rows } = await client.query<PurchaseRow>(
    `INSERT INTO purchases (user_id, kind, plan, period_days, method, base_kopecks,
       discount_source, discount_percent, discount_kopecks, amount_kopecks, base_stars,
       stars_amount, currency, promo_code_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             now() + make_interval(secs => $15::float8))
     RETURNING ${PURCHASE_COLUMNS}`,
    [
      s.userId,
      s.kind,
      q?.plan ?? null,
      q?.periodDays ?? null,
      s.method,
      base,
      q?.discountSource ?? "none",
      q?.discountPercent ?? 0,
      q?.discountKopecks ?? 0,
      q ? q.amountKopecks : base,
      stars ? (q?.baseStars ?? null) : null,
      stars ? (q?.starsAmount ?? null) : null,
      stars ? "XTR" : "RUB",
      q?.promoCodeId ?? null,
      s.payableForSeconds,
    ],
  );
  if (!rows[0]) throw new Error("purchase insert returned no row");
  return toPurchase(rows[0]);
}

/**
 * A customer starts a new checkout with a promo code they already hold a reservation for:
 * the older unpaid purchase is cancelled (its reservation released), so one customer cannot
 * sit on several uses of a limited code. If the old invoice is paid anyway, it is still
 * honoured at its price (a late payment, marked over the limit).
 */
export async function cancelOtherPendingWithPromo(
  client: DbClient,
  userId: number,
  promoCodeId: number,
  keepPurchaseId: number,
): Promise<void> {
  await client.query(
    `UPDATE purchases SET status = 'cancelled'
      WHERE user_id = $1 AND promo_code_id = $2 AND status = 'pending' AND id <> $3`,
    [userId, promoCodeId, keepPurchaseId],
  );
}

export type CreatePurchaseInput =
  | {
      kind: "subscription";
      userId: number;
      plan: string;
      periodDays: number;
      method: "stars" | "card" | "crypto";
      promoCode?: string | null;
      /**
       * The price on the button pressed (Stars for a Stars purchase, else kopecks): another
       * price is refused (`price_changed`) before anything is written.
       */
      expectedAmount?: number;
      /**
       * Greater than 0: an invoice still open for the same plan, period, method and price is
       * handed back (`open`) instead of a second one (a double tap must not make two payable
       * invoices); a crypto purchase whose invoice is still being created within this many
       * seconds is `in_flight`. Decided under the customer lock, so it holds across replicas.
       */
      repeatWindowSeconds?: number;
    }
  | { kind: "topup"; userId: number; amountKopecks: number; method: "card" | "crypto" };

export type CreatePurchaseResult =
  | { outcome: "created"; purchase: Purchase }
  /** The same checkout is already open (see `repeatWindowSeconds`): pay this one. */
  | { outcome: "open"; purchase: Purchase }
  /** The same crypto checkout's invoice is being created right now (another tap). */
  | { outcome: "in_flight" }
  | { outcome: "unknown_user" | "unknown_plan" | "unknown_period" }
  /** The price is 0 (a 100 % discount): only the balance path can take it. */
  | { outcome: "zero_amount" }
  /** The price is no longer the one the customer was shown; nothing written. */
  | { outcome: "price_changed" }
  | { outcome: "invalid_amount"; reason: "not_whole_kopecks" | "below_minimum" | "above_maximum" }
  | { outcome: "promo_rejected"; reason: Exclude<PromoLookup["outcome"], "ok"> };

/**
 * Creates a pending purchase for a Stars, card or crypto payment, with the price snapshot the
 * customer is shown and payable for `payableForSeconds`. A promo use is reserved in the same
 * transaction; the database refuses a reservation beyond max_uses even under concurrency.
 */
export async function createPurchase(
  db: DbAccess,
  input: CreatePurchaseInput,
  payableForSeconds: number,
): Promise<CreatePurchaseResult> {
  try {
    return await db.tx("purchase_create", async (client): Promise<CreatePurchaseResult> => {
      const guarded = input.kind === "subscription" && (input.repeatWindowSeconds ?? 0) > 0;
      // The repeat guard decides under the customer lock: two taps on two replicas serialise.
      const ctx = await loadCustomerPricing(client, input.userId, guarded);
      if (!ctx) return { outcome: "unknown_user" };
      if (input.kind === "topup") {
        const amount = checkTopupAmount(ctx.catalog, input.amountKopecks);
        if (!amount.ok) return { outcome: "invalid_amount", reason: amount.reason };
        const purchase = await insertPurchase(client, {
          userId: input.userId,
          kind: "topup",
          method: input.method,
          quote: null,
          topupKopecks: amount.amountKopecks,
          payableForSeconds,
        });
        return { outcome: "created", purchase };
      }
      const priced = await priceForCustomer(
        client,
        ctx,
        input.userId,
        input.plan,
        input.periodDays,
        input.promoCode,
      );
      if (priced.outcome !== "ok") return priced;
      const q = priced.quote;
      if (q.amountKopecks === 0 || (input.method === "stars" && q.starsAmount === 0)) {
        return { outcome: "zero_amount" };
      }
      const price = input.method === "stars" ? q.starsAmount : q.amountKopecks;
      if (input.expectedAmount !== undefined && input.expectedAmount !== price) {
        return { outcome: "price_changed" };
      }
      if (guarded) {
        const open = await findOpenCheckout(client, {
          userId: input.userId,
          plan: q.plan,
          periodDays: q.periodDays,
          method: input.method,
          price,
          promoCodeId: q.promoCodeId,
          inFlightSeconds: input.repeatWindowSeconds ?? 0,
        });
        if (open) return open;
      }
      const purchase = await insertPurchase(client, {
        userId: input.userId,
        kind: "subscription",
        method: input.method,
        quote: q,
        payableForSeconds,
      });
      if (q.promoCodeId !== null) {
        await cancelOtherPendingWithPromo(client, input.userId, q.promoCodeId, purchase.id);
        await reservePromoUse(client, q.promoCodeId, input.userId, purchase.id);
      }
      return { outcome: "created", purchase };
    });
  } catch (err) {
    const promoRefusal = promoRefusalOf(err);
    if (promoRefusal) return { outcome: "promo_rejected", reason: promoRefusal };
    throw err;
  }
}

/**
 * The customer's newest purchase still payable for the same plan, period, method, price and
 * promo code. A crypto purchase counts once its invoice is attached; before that (created
 * within `inFlightSeconds`) it is being created by another tap; older without an invoice, its
 * creation failed midway and it is ignored (it can never be paid).
 */
async function findOpenCheckout(
  client: DbClient,
  c: {
    userId: number;
    plan: string;
    periodDays: number;
    method: "stars" | "card" | "crypto";
    price: number;
    promoCodeId: number | null;
    inFlightSeconds: number;
  },
): Promise<Extract<CreatePurchaseResult, { outcome: "open" | "in_flight" }> | undefined> {
  const { rows } = await client.query<PurchaseRow & { in_flight: boolean }>(
    `SELECT ${PURCHASE_COLUMNS},
            crypto_invoice_url IS NULL AND created_at > now() - make_interval(secs => $7)
              AS in_flight
       FROM purchases
      WHERE user_id = $1 AND kind = 'subscription' AND plan = $2 AND period_days = $3
        AND method = $4 AND status = 'pending' AND expires_at > now()
        AND (CASE WHEN method = 'stars' THEN stars_amount ELSE amount_kopecks END) = $5
        AND promo_code_id IS NOT DISTINCT FROM $6
        AND (method <> 'crypto' OR crypto_invoice_url IS NOT NULL
             OR created_at > now() - make_interval(secs => $7))
      ORDER BY id DESC LIMIT 1`,
    [c.userId, c.plan, c.periodDays, c.method, c.price, c.promoCodeId, c.inFlightSeconds],
  );
  const r = rows[0];
  if (!r) return undefined;
  if (r.method === "crypto" && r.in_flight) return { outcome: "in_flight" };
  return { outcome: "open", purchase: toPurchase(r) };
}

/** The database's refusal of a promo reservation (raced past the lookup), as a result. */
export function promoRefusalOf(err: unknown): "exhausted" | "inactive" | undefined {
  if (isPgError(err, SqlState.checkViolation, "promo_codes_within_limit")) return "exhausted";
  if (isPgError(err, SqlState.checkViolation, "promo_codes_available")) return "inactive";
  return undefined;
}

export type CancelPurchaseResult = { outcome: "cancelled" | "not_found" | "not_pending" };

/** The customer abandons a checkout: releases its promo reservation. */
export async function cancelPurchase(
  db: DbAccess,
  userId: number,
  purchaseId: number,
): Promise<CancelPurchaseResult> {
  const { rows } = await db.query<{ status: PurchaseStatus; cancelled: boolean }>(
    "purchase_cancel",
    `WITH upd AS (
       UPDATE purchases SET status = 'cancelled'
        WHERE id = $1 AND user_id = $2 AND status = 'pending' RETURNING id
     )
     SELECT p.status, EXISTS (SELECT 1 FROM upd) AS cancelled
       FROM purchases p WHERE p.id = $1 AND p.user_id = $2`,
    [purchaseId, userId],
  );
  const r = rows[0];
  if (!r) return { outcome: "not_found" };
  return { outcome: r.cancelled ? "cancelled" : "not_pending" };
}

/**
 * Unpaid purchases past their payable time become 'expired' (their promo reservations are
 * released by trigger). A payment arriving later is still honoured by the finalizer.
 */
export async function expireStalePurchases(db: DbAccess, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    "purchases_expire",
    `UPDATE purchases SET status = 'expired'
      WHERE id IN (SELECT id FROM purchases
                    WHERE status = 'pending' AND expires_at <= now()
                    ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [limit],
  );
  return rows.map((r) => toSafeInt(r.id));
}

// ----------------------------------------------------------------------------------------------
// Pre-checkout (Telegram Stars / card)
// ----------------------------------------------------------------------------------------------

export type PreCheckoutResult = (
  | { ok: true; purchaseId: number }
  | {
      ok: false;
      reason:
        | "bad_payload"
        | "not_found"
        | "wrong_user"
        | "wrong_method"
        | "already_paid"
        | "not_payable"
        | "currency_mismatch"
        | "amount_mismatch";
    }
) & {
  /** The language the payer chose in the bot (read in the same query), null if none. */
  language: string | null;
};

/**
 * Answers Telegram's pre-checkout query: one indexed read, no network, so it is answered well
 * within Telegram's 10 s. `totalAmount` is in the currency's smallest unit (Stars for XTR,
 * kopecks for RUB). The same read returns the payer's chosen language, so a refusal is worded
 * in it.
 */
export async function validatePreCheckout(
  db: DbAccess,
  payload: string,
  currency: string,
  totalAmount: number,
  userId: number,
): Promise<PreCheckoutResult> {
  const purchaseId = parseInvoicePayload(payload);
  const { rows } = await db.query<{
    language: string | null;
    user_id: string | null;
    method: PaymentMethod | null;
    status: PurchaseStatus | null;
    currency: string | null;
    amount_kopecks: string | null;
    stars_amount: number | null;
    payable: boolean | null;
  }>(
    "pre_checkout",
    `SELECT u.language_code AS language, p.user_id, p.method, p.status, p.currency,
            p.amount_kopecks, p.stars_amount,
            p.status = 'pending' AND (p.expires_at IS NULL OR p.expires_at > now()) AS payable
       FROM (SELECT 1) AS one
       LEFT JOIN users u ON u.telegram_id = $2
       LEFT JOIN purchases p ON p.id = $1`,
    [purchaseId, userId],
  );
  const p = rows[0];
  const language = p?.language ?? null;
  const refuse = (reason: Extract<PreCheckoutResult, { ok: false }>["reason"]) =>
    ({ ok: false, reason, language }) as const;
  if (purchaseId === null) return refuse("bad_payload");
  if (!p?.user_id) return refuse("not_found");
  if (toSafeInt(p.user_id) !== userId) return refuse("wrong_user");
  if (p.method !== "stars" && p.method !== "card") return refuse("wrong_method");
  if (p.status === "paid") return refuse("already_paid");
  if (!p.payable) return refuse("not_payable");
  if (currency !== p.currency) return refuse("currency_mismatch");
  const expected = p.method === "stars" ? p.stars_amount : toKopecks(p.amount_kopecks ?? "0");
  if (totalAmount !== expected) return refuse("amount_mismatch");
  return { ok: true, purchaseId, language };
}

// ----------------------------------------------------------------------------------------------
// Crypto invoices
// ----------------------------------------------------------------------------------------------

export type AttachInvoiceResult = { outcome: "attached" | "not_found" | "already_attached" };

/** Records the Crypto Pay invoice created (outside any connection) for a crypto purchase. */
export async function attachCryptoInvoice(
  db: DbAccess,
  purchaseId: number,
  invoice: { invoiceId: number; url: string | null },
): Promise<AttachInvoiceResult> {
  const { rows } = await db.query<{ attached: boolean; found: boolean }>(
    "purchase_attach_invoice",
    `WITH upd AS (
       UPDATE purchases
          SET crypto_invoice_id = $2, crypto_invoice_status = 'active', crypto_invoice_url = $3
        WHERE id = $1 AND method = 'crypto' AND crypto_invoice_id IS NULL
        RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM upd) AS attached,
            EXISTS (SELECT 1 FROM purchases WHERE id = $1 AND method = 'crypto') AS found`,
    [purchaseId, invoice.invoiceId, invoice.url],
  );
  const r = rows[0];
  if (r?.attached) return { outcome: "attached" };
  return { outcome: r?.found ? "already_attached" : "not_found" };
}

export interface OpenInvoice {
  purchaseId: number;
  invoiceId: number;
}

/**
 * Every invoice the provider may still report as paid, whatever its purchase's own status: a
 * purchase that expired locally must not stop a paid invoice from being found.
 */
export async function listOpenCryptoInvoices(db: DbAccess, limit: number): Promise<OpenInvoice[]> {
  const { rows } = await db.query<{ id: string; crypto_invoice_id: string }>(
    "crypto_open_invoices",
    `SELECT id, crypto_invoice_id FROM purchases
      WHERE crypto_invoice_status = 'active'
      ORDER BY crypto_invoice_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    purchaseId: toSafeInt(r.id),
    invoiceId: toSafeInt(r.crypto_invoice_id),
  }));
}

/** The provider says these invoices expired unpaid: stop polling them. */
export async function markCryptoInvoicesExpired(
  db: DbAccess,
  invoiceIds: number[],
): Promise<number> {
  if (invoiceIds.length === 0) return 0;
  const { rowCount } = await db.query(
    "crypto_invoices_expired",
    `UPDATE purchases SET crypto_invoice_status = 'expired'
      WHERE crypto_invoice_id = ANY($1::bigint[]) AND crypto_invoice_status = 'active'`,
    [invoiceIds],
  );
  return rowCount ?? 0;
}
