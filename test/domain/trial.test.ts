import { describe, expect, it } from "vitest";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import { grantByAdmin, revokeSubscription } from "../../src/domain/subscriptions/grants.js";
import { activateTrial, trialEligibility } from "../../src/domain/subscriptions/trial.js";
import { getSubscription } from "../../src/domain/subscriptions/view.js";
import { listGrants } from "../support/subscriptions.js";
import { domainHarness, exactEvent, moneyInvariantViolations, newCustomer } from "./support.js";

const h = await domainHarness(8);
const { db, deps } = h;

async function payCard(userId: number, periodDays = 30) {
  const created = await createPurchase(
    db,
    { kind: "subscription", userId, plan: "basic", periodDays, method: "card" },
    3600,
  );
  if (created.outcome !== "created") throw new Error("no purchase");
  return finalizePayment(deps, exactEvent(created.purchase));
}

describe("trial", () => {
  it("gives 3 days once, then is never offered again", async () => {
    const user = await newCustomer(db);
    expect(await trialEligibility(db, user)).toEqual({ eligible: true });
    const r = await activateTrial(db, user);
    if (r.outcome !== "activated") throw new Error(JSON.stringify(r));
    const sub = await getSubscription(db, user);
    expect(sub).toMatchObject({ id: r.subscriptionId, isTrial: true, status: "pending" });
    expect(Math.round((r.expiresAt.getTime() - Date.now()) / 3_600_000)).toBe(72);
    expect(await trialEligibility(db, user)).toEqual({ eligible: false, reason: "trial_used" });
    expect(await activateTrial(db, user)).toEqual({
      outcome: "not_eligible",
      reason: "trial_used",
    });
    // Even after the trial is revoked (no live subscription): once ever.
    await revokeSubscription(db, { adminId: 1, userId: user });
    expect(await activateTrial(db, user)).toEqual({
      outcome: "not_eligible",
      reason: "trial_used",
    });
  });

  it("refuses a stale trial button pressed after paying, leaving the paid subscription alone", async () => {
    const user = await newCustomer(db);
    // The menu was rendered with the trial button…
    expect(await trialEligibility(db, user)).toEqual({ eligible: true });
    // …then the customer paid instead…
    const paid = await payCard(user);
    if (paid.result.outcome !== "granted") throw new Error("no grant");
    const before = await getSubscription(db, user);
    // …and pressed the old button.
    expect(await activateTrial(db, user)).toEqual({ outcome: "not_eligible", reason: "has_paid" });
    const after = await getSubscription(db, user);
    expect(after).toEqual(before);
    expect(after?.isTrial).toBe(false);
    expect((await listGrants(db, user)).map((g) => g.kind)).toEqual(["purchase"]);
  });

  it("is refused while an admin-granted subscription is live", async () => {
    const user = await newCustomer(db);
    await grantByAdmin(db, { adminId: 1, userId: user, seconds: 3600 });
    expect(await activateTrial(db, user)).toEqual({
      outcome: "not_eligible",
      reason: "has_live_subscription",
    });
  });

  it("races a payment safely: one of them is serialised after the other, nothing is lost", async () => {
    for (let i = 0; i < 5; i++) {
      const user = await newCustomer(db);
      const created = await createPurchase(
        db,
        { kind: "subscription", userId: user, plan: "basic", periodDays: 30, method: "card" },
        3600,
      );
      if (created.outcome !== "created") throw new Error("no purchase");
      const [trial, payment] = await Promise.all([
        activateTrial(db, user),
        finalizePayment(deps, exactEvent(created.purchase)),
      ]);
      expect(payment.result.outcome).toBe("granted");
      const grants = await listGrants(db, user);
      const sub = await getSubscription(db, user);
      if (trial.outcome === "activated") {
        // The trial came first; the paid days were added on top of it.
        expect(grants.map((g) => g.kind)).toEqual(["trial", "purchase"]);
        expect(sub?.isTrial).toBe(false);
      } else {
        expect(trial).toEqual({ outcome: "not_eligible", reason: "has_paid" });
        expect(grants.map((g) => g.kind)).toEqual(["purchase"]);
      }
    }
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("refuses an unknown user", async () => {
    expect(await activateTrial(db, 123_456_789_012)).toEqual({
      outcome: "not_eligible",
      reason: "unknown_user",
    });
  });
});
