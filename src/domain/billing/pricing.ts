import { z } from "zod";
import { discounted } from "./money.js";

/**
 * Prices and discounts (SPEC "Money"), pure: no database, no clock of its own. The catalog has
 * SPEC defaults and may be overridden by the operator through the `settings` row 'pricing'
 * (see catalog.ts); everything here validates what it is given.
 */

const PLAN_ID = /^[a-z][a-z0-9_]{0,31}$/;

const periodSchema = z.object({
  days: z.number().int().positive().max(3650),
  /** Ruble price in kopecks. */
  kopecks: z.number().int().nonnegative().max(100_000_000),
  /** Telegram Stars price, set per plan and period (not derived from rubles). */
  stars: z.number().int().positive().max(1_000_000),
});

/**
 * What a plan allows on a panel, enforced by the panel: devices at once (Remnawave's
 * `hwidDeviceLimit`, 3x-ui's `limitIp`) and traffic per reset period. Absent = unlimited.
 */
const limitsSchema = z
  .object({
    devices: z.number().int().min(1).max(100).optional(),
    /** Traffic in GiB (2^30 bytes) per reset period. */
    trafficGb: z.number().int().min(1).max(1_000_000).optional(),
    trafficReset: z.enum(["no_reset", "day", "week", "month"]).default("no_reset"),
  })
  .strict();

const planSchema = z
  .object({
    id: z.string().regex(PLAN_ID, "plan id: lowercase latin letters, digits, underscore"),
    periods: z.array(periodSchema).min(1),
    limits: limitsSchema.optional(),
  })
  .refine((p) => new Set(p.periods.map((x) => x.days)).size === p.periods.length, {
    message: "a plan lists each period once",
  });

const topupSchema = z
  .object({
    presetsKopecks: z.array(z.number().int().positive()).max(8),
    minKopecks: z.number().int().positive(),
    maxKopecks: z.number().int().positive().max(100_000_000),
  })
  .refine((t) => t.minKopecks <= t.maxKopecks, { message: "top-up min must not exceed max" });

const catalogSchema = z.object({
  plans: z
    .array(planSchema)
    .min(1)
    .refine((ps) => new Set(ps.map((p) => p.id)).size === ps.length, {
      message: "plan ids are unique",
    }),
  vipPercent: z.number().int().min(0).max(100),
  topup: topupSchema,
});

/** What the operator may store under settings 'pricing': any top-level part of the catalog. */
export const catalogOverrideSchema = catalogSchema.partial().strict();

export type Catalog = z.infer<typeof catalogSchema>;
export type PlanPeriod = z.infer<typeof periodSchema>;
export type Plan = z.infer<typeof planSchema>;
export type PlanLimits = z.infer<typeof limitsSchema>;

/** Stars defaults: about 1.8 ₽ per Star, rounded to a whole Star. */
const DEFAULT_CATALOG: Catalog = {
  plans: [
    {
      id: "basic",
      periods: [
        { days: 30, kopecks: 14_900, stars: 83 },
        { days: 90, kopecks: 39_900, stars: 222 },
        { days: 180, kopecks: 74_900, stars: 416 },
        { days: 365, kopecks: 139_900, stars: 777 },
      ],
    },
    {
      id: "plus",
      periods: [
        { days: 30, kopecks: 29_900, stars: 166 },
        { days: 90, kopecks: 69_900, stars: 388 },
        { days: 180, kopecks: 119_900, stars: 666 },
        { days: 365, kopecks: 229_900, stars: 1_277 },
      ],
    },
  ],
  vipPercent: 30,
  topup: { presetsKopecks: [25_000, 75_000, 99_900], minKopecks: 10_000, maxKopecks: 10_000_000 },
};

class InvalidCatalogError extends Error {
  override name = "InvalidCatalogError";
}

/**
 * The defaults with the operator's override applied (top-level keys replace the default's).
 * Throws `InvalidCatalogError` on a malformed override: selling at a price nobody set is worse
 * than refusing to sell.
 */
export function applyCatalogOverride(override: unknown, base: Catalog = DEFAULT_CATALOG): Catalog {
  const parsed = catalogOverrideSchema.safeParse(override);
  if (!parsed.success) {
    throw new InvalidCatalogError(`pricing override is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const merged = catalogSchema.safeParse({ ...base, ...parsed.data });
  if (!merged.success) {
    throw new InvalidCatalogError(`pricing catalog is invalid: ${z.prettifyError(merged.error)}`);
  }
  return merged.data;
}

export function findPeriod(catalog: Catalog, plan: string, days: number): PlanPeriod | undefined {
  return catalog.plans.find((p) => p.id === plan)?.periods.find((x) => x.days === days);
}

export type DiscountSource = "promo" | "vip" | "personal" | "none";

/**
 * What a promo code takes off: a percent, or a fixed ruble amount (in kopecks). A code may be
 * restricted to one plan; on another plan it does not apply.
 */
export interface PromoDiscount {
  id: number;
  percent: number | null;
  amountOffKopecks: number | null;
  plan: string | null;
}

/** Everything that may discount a customer's price, as loaded for this quote. */
export interface DiscountInput {
  /** A promo code the customer entered, already checked as usable. */
  promo?: PromoDiscount | null;
  isVip: boolean;
  /** 0 = none. */
  personalPercent: number;
  /** null = no expiry. */
  personalUntil: Date | null;
}

export interface ChosenDiscount {
  source: DiscountSource;
  percent: number;
  /** A fixed amount off (promo codes only); 0 when the discount is a percent. */
  amountOffKopecks: number;
  promoCodeId: number | null;
}

/**
 * Exactly one discount, by priority (SPEC): promo code, then VIP, then a personal discount still
 * in force. Priority, not the largest: a promo code the customer typed always applies.
 */
function chooseDiscount(
  input: DiscountInput,
  vipPercent: number,
  now: Date,
  plan?: string,
): ChosenDiscount {
  const promo = input.promo;
  if (promo && (promo.plan === null || plan === undefined || promo.plan === plan)) {
    return {
      source: "promo",
      percent: promo.percent ?? 0,
      amountOffKopecks: promo.amountOffKopecks ?? 0,
      promoCodeId: promo.id,
    };
  }
  if (input.isVip && vipPercent > 0) {
    return { source: "vip", percent: vipPercent, amountOffKopecks: 0, promoCodeId: null };
  }
  const personalValid =
    input.personalPercent > 0 &&
    (input.personalUntil === null || input.personalUntil.getTime() > now.getTime());
  if (personalValid) {
    return {
      source: "personal",
      percent: input.personalPercent,
      amountOffKopecks: 0,
      promoCodeId: null,
    };
  }
  return { source: "none", percent: 0, amountOffKopecks: 0, promoCodeId: null };
}

/**
 * The price snapshot a purchase stores: what the customer saw is what they pay. The ruble
 * discount is rounded down to whole kopecks (so the amount rounds up), the Stars price likewise
 * to whole Stars — the same arithmetic as the purchases CHECK constraints.
 */
export interface Quote {
  plan: string;
  periodDays: number;
  baseKopecks: number;
  discountSource: DiscountSource;
  discountPercent: number;
  /** A fixed amount taken off the ruble price (never more than the price); 0 for a percent. */
  discountKopecks: number;
  amountKopecks: number;
  baseStars: number;
  starsAmount: number;
  promoCodeId: number | null;
}

export type QuoteResult =
  | { ok: true; quote: Quote }
  | { ok: false; reason: "unknown_plan" | "unknown_period" };

export function quote(
  catalog: Catalog,
  plan: string,
  periodDays: number,
  discounts: DiscountInput,
  now: Date,
): QuoteResult {
  const p = catalog.plans.find((x) => x.id === plan);
  if (!p) return { ok: false, reason: "unknown_plan" };
  const period = p.periods.find((x) => x.days === periodDays);
  if (!period) return { ok: false, reason: "unknown_period" };
  const d = chooseDiscount(discounts, catalog.vipPercent, now, plan);
  const off = Math.min(d.amountOffKopecks, period.kopecks);
  // A fixed ruble amount takes the same share off the Stars price, rounded down (the Stars
  // price rounds up), as the purchases CHECK constraint computes it.
  const starsOff = off > 0 ? Math.floor((period.stars * off) / period.kopecks) : 0;
  return {
    ok: true,
    quote: {
      plan,
      periodDays,
      baseKopecks: period.kopecks,
      discountSource: d.source,
      discountPercent: d.percent,
      discountKopecks: off,
      amountKopecks: discounted(period.kopecks, d.percent) - off,
      baseStars: period.stars,
      starsAmount: discounted(period.stars, d.percent) - starsOff,
      promoCodeId: d.promoCodeId,
    },
  };
}

export type TopupAmountResult =
  | { ok: true; amountKopecks: number }
  | { ok: false; reason: "not_whole_kopecks" | "below_minimum" | "above_maximum" };

/** A top-up is never discounted; its amount must lie within the catalog's range. */
export function checkTopupAmount(catalog: Catalog, amountKopecks: number): TopupAmountResult {
  if (!Number.isSafeInteger(amountKopecks)) return { ok: false, reason: "not_whole_kopecks" };
  if (amountKopecks < catalog.topup.minKopecks) return { ok: false, reason: "below_minimum" };
  if (amountKopecks > catalog.topup.maxKopecks) return { ok: false, reason: "above_maximum" };
  return { ok: true, amountKopecks };
}
