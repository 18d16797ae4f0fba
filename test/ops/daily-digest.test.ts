import { describe, expect, it } from "vitest";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import { activateTrial } from "../../src/domain/subscriptions/trial.js";
import { silentLogger } from "../../src/logger.js";
import {
  dailyCronExpression,
  formatDigest,
  yesterdayInNumbers,
} from "../../src/ops/daily-digest.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { registerOnStart } from "../support/customers.js";
import { testDb } from "../support/db.js";

const db = await testDb();

describe("daily digest", () => {
  it("counts the previous local day: customers, trials, purchases, real-money revenue, conversion", async () => {
    for (const id of [901, 902, 903]) {
      await registerOnStart(db, {
        telegramId: id,
        username: null,
        firstName: "D",
        referrerId: null,
      });
    }
    await activateTrial(db, 901);
    await activateTrial(db, 902);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: 901, plan: "basic", periodDays: 30, method: "card" },
      600,
    );
    if (created.outcome !== "created") throw new Error(created.outcome);
    await finalizePayment(
      {
        db,
        metrics: createMetrics(),
        logger: silentLogger(),
        provisioner: { provision: async () => {} },
      },
      {
        method: "card",
        purchaseId: created.purchase.id,
        telegramChargeId: "digest-charge",
        totalAmount: created.purchase.amountKopecks,
        currency: "RUB",
      },
    );
    // The digest sent "tomorrow" covers today.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const n = await yesterdayInNumbers(db, "UTC", tomorrow);
    expect(n).toMatchObject({
      day: new Date().toISOString().slice(0, 10),
      newCustomers: 3,
      trials: 2,
      paidPurchases: 1,
      revenueKopecks: 14_900,
      trialCohort: 2,
      trialConverted: 1,
      paymentsNeedingReview: 0,
    });
    expect(formatDigest(n)).toContain("Trial → paid (30-day cohort): 50 % (1/2)");
    expect(formatDigest(n)).toContain("Revenue: 149.00 ₽");
    // Today's digest (about yesterday) is empty.
    expect(await yesterdayInNumbers(db, "UTC")).toMatchObject({
      newCustomers: 0,
      paidPurchases: 0,
    });
  });

  it("runs at the configured local minute", () => {
    expect(dailyCronExpression("09:00")).toBe("0 9 * * *");
    expect(dailyCronExpression("23:45")).toBe("45 23 * * *");
    expect(() => dailyCronExpression("24:00")).toThrow();
  });
});
