import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyCatalogOverride,
  checkTopupAmount,
  type DiscountInput,
  findPeriod,
  quote,
} from "../../src/domain/billing/pricing.js";

const NOW = new Date("2026-01-15T12:00:00Z");
const none: DiscountInput = { promo: null, isVip: false, personalPercent: 0, personalUntil: null };
/** The catalog with no operator override: the SPEC defaults. */
const DEFAULT_CATALOG = applyCatalogOverride({});

/** The one discount a quote applies (basic, 30 days) with this VIP percent. */
function chooseDiscount(input: DiscountInput, vipPercent: number, now: Date) {
  const r = quote({ ...DEFAULT_CATALOG, vipPercent }, "basic", 30, input, now);
  if (!r.ok) throw new Error(r.reason);
  return {
    source: r.quote.discountSource,
    percent: r.quote.discountPercent,
    amountOffKopecks: r.quote.discountKopecks,
    promoCodeId: r.quote.promoCodeId,
  };
}

function quoted(plan: string, days: number, d: DiscountInput = none) {
  const r = quote(DEFAULT_CATALOG, plan, days, d, NOW);
  if (!r.ok) throw new Error(r.reason);
  return r.quote;
}

describe("catalog defaults", () => {
  it("has the SPEC prices for basic and plus", () => {
    const rub = (plan: string) =>
      [30, 90, 180, 365].map((d) => findPeriod(DEFAULT_CATALOG, plan, d)?.kopecks);
    expect(rub("basic")).toEqual([14_900, 39_900, 74_900, 139_900]);
    expect(rub("plus")).toEqual([29_900, 69_900, 119_900, 229_900]);
    for (const p of DEFAULT_CATALOG.plans) {
      for (const period of p.periods) {
        // Stars defaults: about 1.8 ₽ per Star.
        expect(Math.abs(period.stars - period.kopecks / 180)).toBeLessThanOrEqual(0.5);
      }
    }
    expect(DEFAULT_CATALOG.vipPercent).toBe(30);
  });
});

describe("one discount by priority", () => {
  it("takes the promo code over VIP over a personal discount", () => {
    const all: DiscountInput = {
      promo: { id: 7, percent: 5, amountOffKopecks: null, plan: null },
      isVip: true,
      personalPercent: 50,
      personalUntil: null,
    };
    expect(chooseDiscount(all, 30, NOW)).toEqual({
      source: "promo",
      percent: 5,
      amountOffKopecks: 0,
      promoCodeId: 7,
    });
    expect(chooseDiscount({ ...all, promo: null }, 30, NOW)).toEqual({
      source: "vip",
      percent: 30,
      amountOffKopecks: 0,
      promoCodeId: null,
    });
    expect(chooseDiscount({ ...all, promo: null, isVip: false }, 30, NOW)).toEqual({
      source: "personal",
      percent: 50,
      amountOffKopecks: 0,
      promoCodeId: null,
    });
    expect(chooseDiscount(none, 30, NOW).source).toBe("none");
  });

  it("ignores a personal discount past its expiry (and at the exact instant)", () => {
    const d = (until: Date | null): DiscountInput => ({
      ...none,
      personalPercent: 20,
      personalUntil: until,
    });
    expect(chooseDiscount(d(new Date(NOW.getTime() + 1)), 30, NOW).source).toBe("personal");
    expect(chooseDiscount(d(NOW), 30, NOW).source).toBe("none");
    expect(chooseDiscount(d(null), 30, NOW).source).toBe("personal");
  });
});

describe("fixed-amount and plan-restricted promo codes", () => {
  const fixed = (amountOffKopecks: number, plan: string | null = null): DiscountInput => ({
    ...none,
    isVip: true,
    promo: { id: 9, percent: null, amountOffKopecks, plan },
  });

  it("takes the amount off the ruble price and the same share off the Stars price", () => {
    // 149 ₽ − 50 ₽ = 99 ₽; 83 Stars × 5000/14900 = 27.85 → 27 off → 56 Stars.
    const q = quoted("basic", 30, fixed(5_000));
    expect(q).toMatchObject({
      discountSource: "promo",
      discountPercent: 0,
      discountKopecks: 5_000,
      amountKopecks: 9_900,
      starsAmount: 56,
      promoCodeId: 9,
    });
  });

  it("never takes more than the price", () => {
    const q = quoted("basic", 30, fixed(1_000_000));
    expect(q).toMatchObject({ discountKopecks: 14_900, amountKopecks: 0, starsAmount: 0 });
  });

  it("applies a plan-restricted code only to its plan (then VIP applies)", () => {
    expect(quoted("plus", 30, fixed(5_000, "plus")).discountSource).toBe("promo");
    const other = quoted("basic", 30, fixed(5_000, "plus"));
    expect(other).toMatchObject({ discountSource: "vip", discountPercent: 30, discountKopecks: 0 });
    expect(other.promoCodeId).toBeNull();
  });
});

describe("quotes", () => {
  it("rounds the discount down to whole kopecks and the Stars price up to whole Stars", () => {
    // 149 ₽ at 33 %: 49.17 ₽ off → 99.83 ₽.
    expect(quoted("basic", 30, { ...none, personalPercent: 33 }).amountKopecks).toBe(
      14_900 - 4_917,
    );
    // 83 Stars at 30 %: 24.9 Stars off → 24 off → 59 Stars (58.1 rounded up).
    const vip = quoted("basic", 30, { ...none, isVip: true });
    expect(vip).toEqual({
      plan: "basic",
      periodDays: 30,
      baseKopecks: 14_900,
      discountSource: "vip",
      discountPercent: 30,
      discountKopecks: 0,
      amountKopecks: 10_430,
      baseStars: 83,
      starsAmount: 59,
      promoCodeId: null,
    });
  });

  it("matches the database CHECK arithmetic for every base and percent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 100 }),
        (base, pct) => {
          const r = quote(
            {
              ...DEFAULT_CATALOG,
              plans: [{ id: "x", periods: [{ days: 1, kopecks: base, stars: base + 1 }] }],
            },
            "x",
            1,
            { ...none, personalPercent: pct },
            NOW,
          );
          if (!r.ok) throw new Error("no quote");
          const q = r.quote;
          // amount = base − ⌊base·pct/100⌋ (DB: base_kopecks - base_kopecks * discount_percent / 100)
          expect(q.amountKopecks).toBe(base - Math.floor((base * pct) / 100));
          // Never more than the base, never below the exact discounted price.
          expect(q.amountKopecks).toBeLessThanOrEqual(base);
          expect(q.amountKopecks * 100).toBeGreaterThanOrEqual(base * (100 - pct));
          expect(q.starsAmount).toBe(Math.ceil(((base + 1) * (100 - pct)) / 100));
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it("refuses unknown plans and periods", () => {
    expect(quote(DEFAULT_CATALOG, "gold", 30, none, NOW)).toEqual({
      ok: false,
      reason: "unknown_plan",
    });
    expect(quote(DEFAULT_CATALOG, "basic", 31, none, NOW)).toEqual({
      ok: false,
      reason: "unknown_period",
    });
  });
});

describe("operator overrides", () => {
  it("replaces top-level parts and keeps the rest", () => {
    const c = applyCatalogOverride({
      vipPercent: 20,
      plans: [{ id: "solo", periods: [{ days: 7, kopecks: 4_900, stars: 27 }] }],
    });
    expect(c.vipPercent).toBe(20);
    expect(c.plans.map((p) => p.id)).toEqual(["solo"]);
    expect(c.topup).toEqual(DEFAULT_CATALOG.topup);
    expect(applyCatalogOverride({ vipPercent: 20 }).plans).toEqual(DEFAULT_CATALOG.plans);
  });

  it("refuses malformed overrides instead of selling at a price nobody set", () => {
    const bad = [
      { vipPercent: 130 },
      { plans: [] },
      { plans: [{ id: "Basic!", periods: [{ days: 30, kopecks: 100, stars: 1 }] }] },
      { plans: [{ id: "a", periods: [{ days: 30, kopecks: 1.5, stars: 1 }] }] },
      {
        plans: [
          {
            id: "a",
            periods: [
              { days: 30, kopecks: 100, stars: 1 },
              { days: 30, kopecks: 200, stars: 2 },
            ],
          },
        ],
      },
      { topup: { presetsKopecks: [], minKopecks: 500, maxKopecks: 100 } },
      { unknownKey: 1 },
      "not an object",
    ];
    for (const override of bad) {
      expect(() => applyCatalogOverride(override)).toThrow(
        expect.objectContaining({ name: "InvalidCatalogError" }),
      );
    }
  });
});

describe("top-up amounts", () => {
  it("accepts 100–100 000 ₽ in whole kopecks", () => {
    expect(checkTopupAmount(DEFAULT_CATALOG, 10_000)).toEqual({ ok: true, amountKopecks: 10_000 });
    expect(checkTopupAmount(DEFAULT_CATALOG, 10_000_000).ok).toBe(true);
    expect(checkTopupAmount(DEFAULT_CATALOG, 9_999)).toEqual({
      ok: false,
      reason: "below_minimum",
    });
    expect(checkTopupAmount(DEFAULT_CATALOG, 10_000_001)).toEqual({
      ok: false,
      reason: "above_maximum",
    });
    expect(checkTopupAmount(DEFAULT_CATALOG, 100.5)).toEqual({
      ok: false,
      reason: "not_whole_kopecks",
    });
  });
});
