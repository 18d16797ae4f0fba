import type { DbAccess, DbClient } from "../../db/pool.js";
import { lockCustomer } from "../customers/lock.js";
import { loadCatalog } from "./catalog.js";
import { toKopecks } from "./money.js";
import { type Catalog, type DiscountInput, type PlanLimits, type Quote, quote } from "./pricing.js";
import { lookupPromoForCustomer, type PromoLookup } from "./promo.js";

/**
 * What a customer's price depends on, read in one place: the catalog in force, their VIP and
 * personal discount, a promo code they entered, and the database clock (one clock per
 * operation, so a personal discount's expiry is judged by the same now() the purchase records).
 */
export interface CustomerPricing {
  catalog: Catalog;
  now: Date;
  isVip: boolean;
  personalPercent: number;
  personalUntil: Date | null;
  balanceKopecks: number;
}

/**
 * `lock` takes the customer lock first (src/domain/customers/lock.ts), which serialises this
 * customer's balance purchases and subscription changes.
 */
export async function loadCustomerPricing(
  client: DbClient,
  userId: number,
  lock: boolean,
): Promise<CustomerPricing | undefined> {
  if (lock && !(await lockCustomer(client, userId))) return undefined;
  const { rows } = await client.query<{
    is_vip: boolean;
    personal_discount_percent: number;
    personal_discount_until: Date | null;
    balance_kopecks: string;
    now: Date;
  }>(
    `SELECT is_vip, personal_discount_percent, personal_discount_until, balance_kopecks,
            now() AS now
       FROM users WHERE telegram_id = $1`,
    [userId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    catalog: await loadCatalog(client),
    now: r.now,
    isVip: r.is_vip,
    personalPercent: r.personal_discount_percent,
    personalUntil: r.personal_discount_until,
    balanceKopecks: toKopecks(r.balance_kopecks),
  };
}

export type PriceResult =
  | { outcome: "ok"; quote: Quote }
  | { outcome: "unknown_plan" | "unknown_period" }
  | PromoRejection;

type PromoRejection = { outcome: "promo_rejected"; reason: Exclude<PromoLookup["outcome"], "ok"> };

/** The entered promo code as a discount, or why it cannot be used. */
async function resolvePromo(
  client: DbClient,
  userId: number,
  promoCode: string | null | undefined,
): Promise<{ outcome: "ok"; promo: DiscountInput["promo"] } | PromoRejection> {
  if (!promoCode) return { outcome: "ok", promo: null };
  const found = await lookupPromoForCustomer(client, promoCode, userId);
  if (found.outcome !== "ok") return { outcome: "promo_rejected", reason: found.outcome };
  const { id, percent, amountOffKopecks, plan } = found.promo;
  return { outcome: "ok", promo: { id, percent, amountOffKopecks, plan } };
}

function priceWith(
  ctx: CustomerPricing,
  plan: string,
  periodDays: number,
  promo: DiscountInput["promo"],
): PriceResult {
  const q = quote(
    ctx.catalog,
    plan,
    periodDays,
    {
      promo,
      isVip: ctx.isVip,
      personalPercent: ctx.personalPercent,
      personalUntil: ctx.personalUntil,
    },
    ctx.now,
  );
  return q.ok ? { outcome: "ok", quote: q.quote } : { outcome: q.reason };
}

/** Prices one plan and period for the customer, checking the promo code if one is given. */
export async function priceForCustomer(
  client: DbClient,
  ctx: CustomerPricing,
  userId: number,
  plan: string,
  periodDays: number,
  promoCode: string | null | undefined,
): Promise<PriceResult> {
  const promo = await resolvePromo(client, userId, promoCode);
  if (promo.outcome !== "ok") return promo;
  return priceWith(ctx, plan, periodDays, promo.promo);
}

export type PriceListResult =
  | { outcome: "ok"; plans: Array<{ plan: string; quotes: Quote[]; limits?: PlanLimits }> }
  | { outcome: "unknown_user" }
  | PromoRejection;

/** Every plan and period with the customer's discount applied: the buy screen. */
export async function priceListForCustomer(
  db: DbAccess,
  userId: number,
  promoCode?: string | null,
): Promise<PriceListResult> {
  return db.withClient("price_list", async (client) => {
    const ctx = await loadCustomerPricing(client, userId, false);
    if (!ctx) return { outcome: "unknown_user" } as const;
    const promo = await resolvePromo(client, userId, promoCode);
    if (promo.outcome !== "ok") return promo;
    const plans = ctx.catalog.plans.map((p) => ({
      plan: p.id,
      ...(p.limits ? { limits: p.limits } : {}),
      quotes: p.periods.flatMap((period) => {
        const r = priceWith(ctx, p.id, period.days, promo.promo);
        return r.outcome === "ok" ? [r.quote] : [];
      }),
    }));
    return { outcome: "ok", plans } as const;
  });
}

/** One price for the customer, e.g. to show before choosing the payment method. */
export async function quoteForCustomer(
  db: DbAccess,
  input: { userId: number; plan: string; periodDays: number; promoCode?: string | null },
): Promise<PriceResult | { outcome: "unknown_user" }> {
  return db.withClient("price_quote", async (client) => {
    const ctx = await loadCustomerPricing(client, input.userId, false);
    if (!ctx) return { outcome: "unknown_user" } as const;
    return priceForCustomer(
      client,
      ctx,
      input.userId,
      input.plan,
      input.periodDays,
      input.promoCode,
    );
  });
}
