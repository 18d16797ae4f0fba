import { describe, expect, it } from "vitest";
import { purchaseWithBalance } from "../../src/domain/billing/balance-purchase.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import { referralStats } from "../../src/domain/billing/referrals.js";
import {
  balanceOf,
  domainHarness,
  exactEvent,
  moneyInvariantViolations,
  newCustomer,
} from "./support.js";

const h = await domainHarness(8);
const { db, deps } = h;

async function pay(
  userId: number,
  input:
    | { kind: "subscription"; method: "stars" | "card" | "crypto"; plan?: string; days?: number }
    | { kind: "topup"; amount: number },
) {
  const created = await createPurchase(
    db,
    input.kind === "topup"
      ? { kind: "topup", userId, amountKopecks: input.amount, method: "card" }
      : {
          kind: "subscription",
          userId,
          plan: input.plan ?? "basic",
          periodDays: input.days ?? 30,
          method: input.method,
        },
    3600,
  );
  if (created.outcome !== "created") throw new Error(JSON.stringify(created));
  const out = await finalizePayment(deps, exactEvent(created.purchase));
  if (out.result.outcome === "unmatched") throw new Error("unmatched");
  return out.result;
}

describe("referral tiers", () => {
  it("are 10 % below 25 paying referrals, 25 % from 25, 45 % from 50, moving up as referrals start paying; the payment that makes the count earns the new tier", async () => {
    const referrer = await newCustomer(db);
    const referred: number[] = [];
    for (let i = 0; i < 51; i++) referred.push(await newCustomer(db, referrer));
    const tierAt = async () => {
      const { tier, percent, nextTierAt } = await referralStats(db, referrer);
      return { tier, percent, nextTierAt };
    };
    const tiers: Record<number, Awaited<ReturnType<typeof tierAt>>> = { 0: await tierAt() };
    const percents: number[] = [];
    for (const [i, user] of referred.entries()) {
      const r = await pay(user, { kind: "subscription", method: "card" });
      percents.push(r.cashback?.percent ?? 0);
      if ([24, 25, 49, 50].includes(i + 1)) tiers[i + 1] = await tierAt();
    }
    expect(tiers).toEqual({
      0: { tier: 1, percent: 10, nextTierAt: 25 },
      24: { tier: 1, percent: 10, nextTierAt: 25 },
      25: { tier: 2, percent: 25, nextTierAt: 50 },
      49: { tier: 2, percent: 25, nextTierAt: 50 },
      50: { tier: 3, percent: 45, nextTierAt: null },
    });
    expect(percents.slice(0, 24).every((p) => p === 10)).toBe(true);
    expect(percents.slice(24, 49).every((p) => p === 25)).toBe(true);
    expect(percents.slice(49)).toEqual([45, 45]);
    // A second payment by an already-paying referral does not count them twice.
    const again = await pay(referred[0] as number, { kind: "subscription", method: "card" });
    expect(again.cashback).toMatchObject({ percent: 45, amountKopecks: 6_705 });
    const stats = await referralStats(db, referrer);
    expect(stats).toMatchObject({
      invited: 51,
      paying: 51,
      tier: 3,
      percent: 45,
      nextTierAt: null,
    });
    expect(stats.totalEarnedKopecks).toBe(await balanceOf(db, referrer));
  });
});

describe("cashback", () => {
  it("is paid on Stars at the ruble snapshot, on card and crypto, and on top-ups", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    const stars = await pay(user, { kind: "subscription", method: "stars", plan: "plus" });
    expect(stars.cashback).toMatchObject({ baseKopecks: 29_900, amountKopecks: 2_990 });
    const crypto = await pay(user, { kind: "subscription", method: "crypto", days: 90 });
    expect(crypto.cashback).toMatchObject({ baseKopecks: 39_900, amountKopecks: 3_990 });
    const topup = await pay(user, { kind: "topup", amount: 25_001 });
    // Rounded down: never more than its percentage.
    expect(topup.cashback).toMatchObject({ baseKopecks: 25_001, amountKopecks: 2_500 });
    expect(await balanceOf(db, referrer)).toBe(2_990 + 3_990 + 2_500);
  });

  it("is not paid on a balance purchase (that money earned when it was topped up)", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    await pay(user, { kind: "topup", amount: 14_900 });
    expect(await balanceOf(db, referrer)).toBe(1_490);
    const bought = await purchaseWithBalance(deps, {
      source: "customer",
      userId: user,
      plan: "basic",
      periodDays: 30,
    });
    expect(bought).toMatchObject({ outcome: "paid", payment: { cashback: null } });
    expect(await balanceOf(db, referrer)).toBe(1_490);
  });

  it("is credited once per payment however often the payment is replayed", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: user, plan: "basic", periodDays: 30, method: "card" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    const event = exactEvent(created.purchase);
    for (let i = 0; i < 3; i++) await finalizePayment(deps, event);
    await Promise.all([finalizePayment(deps, event), finalizePayment(deps, event)]);
    expect(await balanceOf(db, referrer)).toBe(1_490);
    const stats = await referralStats(db, referrer);
    expect(stats).toEqual({
      invited: 1,
      paying: 1,
      tier: 1,
      percent: 10,
      nextTierAt: 25,
      totalEarnedKopecks: 1_490,
    });
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });
});
