import { describe, expect, it } from "vitest";
import { adjustBalanceByAdmin } from "../../src/domain/billing/admin-balance.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import {
  approveWithdrawal,
  getWithdrawable,
  listPendingWithdrawals,
  requestWithdrawal,
} from "../../src/domain/billing/withdrawals.js";
import { rejectWithdrawal } from "../support/billing.js";
import {
  balanceOf,
  count,
  domainHarness,
  exactEvent,
  moneyInvariantViolations,
  newCustomer,
} from "./support.js";

const h = await domainHarness(8);
const { db, deps } = h;
/** The minimum withdrawal the service is configured with by default (WITHDRAWAL_MIN_RUB=500). */
const MIN = 50_000;

/** A referrer whose referral topped up `topup` kopecks by card (10 % cashback). */
async function referrerEarning(topup: number): Promise<number> {
  const referrer = await newCustomer(db);
  const user = await newCustomer(db, referrer);
  const created = await createPurchase(
    db,
    { kind: "topup", userId: user, amountKopecks: topup, method: "card" },
    3600,
  );
  if (created.outcome !== "created") throw new Error(JSON.stringify(created));
  await finalizePayment(deps, exactEvent(created.purchase));
  return referrer;
}

describe("withdrawals", () => {
  it("cashes out referral earnings only, never topped-up or admin-credited money", async () => {
    const referrer = await referrerEarning(800_000); // earns 80 000 kopecks
    await adjustBalanceByAdmin(db, { adminId: 1, userId: referrer, deltaKopecks: 1_000_000 });
    expect(await getWithdrawable(db, referrer)).toEqual({
      balanceKopecks: 1_080_000,
      earnedKopecks: 80_000,
      committedKopecks: 0,
      withdrawableKopecks: 80_000,
    });
    expect(
      await requestWithdrawal(db, {
        userId: referrer,
        amountKopecks: 80_001,
        requisites: "card 1234",
        minKopecks: MIN,
      }),
    ).toEqual({ outcome: "exceeds_withdrawable", withdrawableKopecks: 80_000 });
  });

  it("is limited by the balance too: spent earnings cannot be withdrawn", async () => {
    const referrer = await referrerEarning(800_000);
    await adjustBalanceByAdmin(db, { adminId: 1, userId: referrer, deltaKopecks: -50_000 });
    expect((await getWithdrawable(db, referrer))?.withdrawableKopecks).toBe(30_000);
  });

  it("enforces the minimum and requisites", async () => {
    const referrer = await referrerEarning(800_000);
    const req = (amountKopecks: number, requisites = "IBAN XX00") =>
      requestWithdrawal(db, { userId: referrer, amountKopecks, requisites, minKopecks: MIN });
    expect(await req(MIN - 1)).toEqual({ outcome: "below_minimum", minKopecks: MIN });
    expect(await req(MIN, "   ")).toEqual({ outcome: "invalid_requisites" });
    expect(await req(MIN, "x".repeat(2001))).toEqual({ outcome: "invalid_requisites" });
    expect(await req(0)).toEqual({ outcome: "invalid_amount" });
  });

  it("reserves at once; approval keeps it withdrawn, rejection refunds it", async () => {
    const referrer = await referrerEarning(1_500_000); // earns 150 000
    const first = await requestWithdrawal(db, {
      userId: referrer,
      amountKopecks: 60_000,
      requisites: "card 1111",
      minKopecks: MIN,
    });
    if (first.outcome !== "requested") throw new Error(JSON.stringify(first));
    expect(first.balanceAfter).toBe(90_000);
    expect((await getWithdrawable(db, referrer))?.withdrawableKopecks).toBe(90_000);
    expect((await listPendingWithdrawals(db)).map((w) => w.id)).toContain(first.withdrawalId);

    const second = await requestWithdrawal(db, {
      userId: referrer,
      amountKopecks: 90_000,
      requisites: "card 2222",
      minKopecks: MIN,
    });
    if (second.outcome !== "requested") throw new Error(JSON.stringify(second));
    expect(await balanceOf(db, referrer)).toBe(0);

    expect(await approveWithdrawal(db, 42, first.withdrawalId)).toMatchObject({
      outcome: "approved",
      userId: referrer,
      amountKopecks: 60_000,
    });
    expect(await rejectWithdrawal(db, 42, second.withdrawalId)).toMatchObject({
      outcome: "rejected",
      balanceAfter: 90_000,
    });
    // Decided once.
    expect(await rejectWithdrawal(db, 42, first.withdrawalId)).toEqual({
      outcome: "already_decided",
      status: "approved",
    });
    expect(await approveWithdrawal(db, 42, second.withdrawalId)).toEqual({
      outcome: "already_decided",
      status: "rejected",
    });
    expect(await approveWithdrawal(db, 42, 987_654_321)).toEqual({ outcome: "not_found" });
    expect(await balanceOf(db, referrer)).toBe(90_000);
    expect((await getWithdrawable(db, referrer))?.withdrawableKopecks).toBe(90_000);
    expect(
      await count(
        db,
        "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'withdrawal.%' AND target_user_id = $1",
        [referrer],
      ),
    ).toBe(2);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("holds the limit when requests race", async () => {
    const referrer = await referrerEarning(1_000_000); // earns 100 000
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        requestWithdrawal(db, {
          userId: referrer,
          amountKopecks: MIN,
          requisites: "card",
          minKopecks: MIN,
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === "requested")).toHaveLength(2);
    expect(results.filter((r) => r.outcome === "exceeds_withdrawable")).toHaveLength(4);
    expect(await balanceOf(db, referrer)).toBe(0);
  });
});

describe("admin balance adjustments", () => {
  it("credits and debits with an audit row, refusing to overdraw", async () => {
    const user = await newCustomer(db);
    expect(
      await adjustBalanceByAdmin(db, {
        adminId: 9,
        userId: user,
        deltaKopecks: 5_000,
        comment: "goodwill",
      }),
    ).toMatchObject({ outcome: "adjusted", balanceAfter: 5_000 });
    expect(
      await adjustBalanceByAdmin(db, { adminId: 9, userId: user, deltaKopecks: -5_001 }),
    ).toEqual({ outcome: "insufficient_balance", balanceKopecks: 5_000 });
    expect(
      await adjustBalanceByAdmin(db, { adminId: 9, userId: user, deltaKopecks: -5_000 }),
    ).toMatchObject({ outcome: "adjusted", balanceAfter: 0 });
    expect(await adjustBalanceByAdmin(db, { adminId: 9, userId: user, deltaKopecks: 0 })).toEqual({
      outcome: "invalid_amount",
    });
    expect(
      await adjustBalanceByAdmin(db, { adminId: 9, userId: 987_654_321, deltaKopecks: 1 }),
    ).toEqual({ outcome: "unknown_user" });
    const audit = await db.query(
      "t",
      "SELECT action, details->>'delta_kopecks' AS delta FROM audit_log WHERE target_user_id = $1 ORDER BY id",
      [user],
    );
    expect(audit.rows).toEqual([
      { action: "balance.credit", delta: "5000" },
      { action: "balance.debit", delta: "-5000" },
    ]);
  });
});
