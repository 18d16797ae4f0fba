import { describe, expect, it } from "vitest";
import {
  priceListForCustomer,
  quoteForCustomer,
} from "../../src/domain/billing/customer-pricing.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import {
  attemptPromoCode,
  createPromoCode,
  deactivatePromoCode,
  listPromoUsage,
} from "../../src/domain/billing/promo.js";
import { cancelPurchase, createPurchase } from "../../src/domain/billing/purchases.js";
import {
  getUser,
  languageOf,
  markReachable,
  markUnreachable,
  setLanguage,
  setPersonalDiscount,
  setVip,
} from "../../src/domain/customers/users.js";
import { setAutoRenew } from "../../src/domain/subscriptions/auto-renew.js";
import { grantByAdmin, revokeSubscription } from "../../src/domain/subscriptions/grants.js";
import { reissueKey } from "../../src/domain/subscriptions/reissue.js";
import { getSubscription } from "../../src/domain/subscriptions/view.js";
import { savePricingOverride } from "../support/billing.js";
import { registerOnStart } from "../support/customers.js";
import {
  listGrants,
  listOverdueSubscriptionIds,
  subscriptionIdToProvision,
} from "../support/subscriptions.js";
import {
  domainHarness,
  exactEvent,
  moneyInvariantViolations,
  newCustomer,
  nextId,
} from "./support.js";

const h = await domainHarness(8);
const { db, deps } = h;

/** A code looked up as the buy screen does, with the refusal limit off. */
const checkPromoCode = (access: typeof db, code: string, userId: number) =>
  attemptPromoCode(access, code, userId, { maxRefusals: 0, windowSeconds: 0 });

describe("users", () => {
  it("registers on /start, refreshes on return, attaches a referrer once", async () => {
    const referrer = await newCustomer(db);
    const id = nextId();
    const first = await registerOnStart(db, {
      telegramId: id,
      username: "alice",
      firstName: "Alice",
      referrerId: referrer,
    });
    expect(first).toMatchObject({ created: true, referrer: "attached" });
    expect(first.user).toMatchObject({ telegramId: id, referrerId: referrer, languageCode: null });

    const other = await newCustomer(db);
    const again = await registerOnStart(db, {
      telegramId: id,
      username: "alice2",
      firstName: "Alice",
      referrerId: other,
    });
    expect(again).toMatchObject({ created: false, referrer: "already_set" });
    expect(again.user).toMatchObject({ username: "alice2", referrerId: referrer });
  });

  it("maps self, unknown and loop referrers to results, still registering the user", async () => {
    const a = nextId();
    expect(
      await registerOnStart(db, { telegramId: a, username: null, firstName: null, referrerId: a }),
    ).toMatchObject({ created: true, referrer: "self" });
    const b = nextId();
    expect(
      await registerOnStart(db, {
        telegramId: b,
        username: null,
        firstName: null,
        referrerId: 999_999_999_999,
      }),
    ).toMatchObject({ created: true, referrer: "unknown_referrer" });
    expect(await getUser(db, b)).toMatchObject({ telegramId: b, referrerId: null });
    // a ← c (c referred by a); then a tries to be referred by c: a loop.
    const c = await newCustomer(db, a);
    expect(
      await registerOnStart(db, { telegramId: a, username: null, firstName: null, referrerId: c }),
    ).toMatchObject({ created: false, referrer: "loop" });
    expect((await getUser(db, a))?.referrerId).toBeNull();
  });

  it("attaches a late link to a customer who has not paid yet, but never to a paying one", async () => {
    const friend = await newCustomer(db);
    const browsing = await newCustomer(db);
    expect(
      await registerOnStart(db, {
        telegramId: browsing,
        username: null,
        firstName: null,
        referrerId: friend,
      }),
    ).toMatchObject({ created: false, referrer: "attached" });

    const paying = await newCustomer(db);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: paying, plan: "basic", periodDays: 30, method: "card" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    await finalizePayment(deps, exactEvent(created.purchase));
    expect(
      await registerOnStart(db, {
        telegramId: paying,
        username: null,
        firstName: null,
        referrerId: friend,
      }),
    ).toMatchObject({ created: false, referrer: "already_customer" });
    expect((await getUser(db, paying))?.referrerId).toBeNull();

    // Money that bought nothing (a crypto amount that does not match, credited to the balance)
    // is a payment too: a referrer attached after it would have missed its cashback.
    const mismatched = await newCustomer(db);
    const crypto = await createPurchase(
      db,
      { kind: "subscription", userId: mismatched, plan: "basic", periodDays: 30, method: "crypto" },
      3600,
    );
    if (crypto.outcome !== "created") throw new Error("no purchase");
    const event = exactEvent(crypto.purchase);
    if (event.method !== "crypto") throw new Error("not a crypto event");
    const out = await finalizePayment(deps, { ...event, amountKopecks: event.amountKopecks - 100 });
    expect(out.result.outcome).toBe("credited_to_balance");
    expect(
      await registerOnStart(db, {
        telegramId: mismatched,
        username: null,
        firstName: null,
        referrerId: friend,
      }),
    ).toMatchObject({ created: false, referrer: "already_customer" });
  });

  it("sets the language and tracks reachability", async () => {
    const u = await newCustomer(db);
    expect(await languageOf(db, u)).toBeNull();
    expect(await setLanguage(db, u, "en")).toEqual({ outcome: "set" });
    expect(await setLanguage(db, u, "English")).toEqual({ outcome: "invalid" });
    expect(await setLanguage(db, 987_654_321_000, "en")).toEqual({ outcome: "unknown_user" });
    expect(await languageOf(db, u)).toBe("en");
    await markUnreachable(db, u);
    expect((await getUser(db, u))?.reachable).toBe(false);
    await markReachable(db, u);
    expect((await getUser(db, u))?.reachable).toBe(true);
  });
});

describe("subscriptions", () => {
  it("lets an admin grant minutes, and records every grant in the history", async () => {
    const u = await newCustomer(db);
    h.provisioner.vpnUp = false;
    try {
      const g = await grantByAdmin(db, { adminId: 5, userId: u, seconds: 600, note: "support" });
      expect(g).toMatchObject({ outcome: "granted", created: true });
      const sub = await getSubscription(db, u);
      expect(sub).toMatchObject({ status: "pending", needsProvisioning: true, live: true });
      expect(await grantByAdmin(db, { adminId: 5, userId: u, seconds: 0 })).toEqual({
        outcome: "invalid_duration",
      });
      expect(await grantByAdmin(db, { adminId: 5, userId: 987_654_321_000, seconds: 60 })).toEqual({
        outcome: "unknown_user",
      });
      const history = await listGrants(db, u);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        kind: "admin",
        seconds: 600,
        adminId: 5,
        note: "support",
      });
    } finally {
      h.provisioner.vpnUp = true;
    }
  });

  it("finds the subscription to provision with the same predicate as the worker indexes", async () => {
    const u = await newCustomer(db);
    const g = await grantByAdmin(db, { adminId: 5, userId: u, seconds: 3600 });
    if (g.outcome !== "granted") throw new Error("no grant");
    const find = () => subscriptionIdToProvision(db, u);
    expect(await find()).toBe(g.subscriptionId);
    await h.provisioner.provision(g.subscriptionId);
    expect(await find()).toBeUndefined();
    await grantByAdmin(db, { adminId: 5, userId: u, seconds: 3600 });
    expect(await find()).toBe(g.subscriptionId);
  });

  it("revokes to now, switching auto-renew off; a later grant revives it as pending", async () => {
    const u = await newCustomer(db);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: u, plan: "basic", periodDays: 30, method: "card" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    await finalizePayment(deps, exactEvent(created.purchase));
    expect(await setAutoRenew(db, u, true)).toMatchObject({ outcome: "set", autoRenew: true });
    const r = await revokeSubscription(db, { adminId: 7, userId: u, note: "abuse" });
    expect(r).toMatchObject({ outcome: "revoked" });
    const sub = await getSubscription(db, u);
    expect(sub).toMatchObject({ live: false, autoRenew: false });
    if (!sub || r.outcome !== "revoked") throw new Error("unreachable");
    expect(sub.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await listOverdueSubscriptionIds(db, 1000)).toContain(sub.id);
    expect(await revokeSubscription(db, { adminId: 7, userId: u })).toEqual({
      outcome: "nothing_to_revoke",
    });
    // The expiry worker takes the key off and marks it expired…
    await db.query("t", "UPDATE subscriptions SET status = 'expired' WHERE id = $1", [sub.id]);
    // …and a renewal revives it, same key, waiting for activation.
    h.provisioner.vpnUp = false;
    try {
      await grantByAdmin(db, { adminId: 7, userId: u, seconds: 86_400 });
      expect(await getSubscription(db, u)).toMatchObject({
        status: "pending",
        live: true,
        vpnUuid: sub.vpnUuid,
      });
    } finally {
      h.provisioner.vpnUp = true;
    }
    expect((await listGrants(db, u)).map((g) => g.kind)).toEqual(["purchase", "revoke", "admin"]);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("reissues the key with a cool-down, retiring the old UUID", async () => {
    const u = await newCustomer(db);
    expect(await reissueKey(db, u, 600)).toEqual({ outcome: "no_live_subscription" });
    const g = await grantByAdmin(db, { adminId: 1, userId: u, seconds: 86_400 });
    if (g.outcome !== "granted") throw new Error("no grant");
    await h.provisioner.provision(g.subscriptionId);
    const before = await getSubscription(db, u);
    const r = await reissueKey(db, u, 600);
    if (r.outcome !== "reissued") throw new Error(JSON.stringify(r));
    expect(r.oldUuid).toBe(before?.vpnUuid);
    expect(r.newUuid).not.toBe(r.oldUuid);
    expect(await getSubscription(db, u)).toMatchObject({
      vpnUuid: r.newUuid,
      status: "pending",
      vlessLink: null,
      expiresAt: before?.expiresAt,
    });
    const retired = await db.query(
      "t",
      "SELECT retired_at IS NOT NULL AS retired FROM issued_uuids WHERE uuid = $1",
      [r.oldUuid],
    );
    expect(retired.rows[0]).toEqual({ retired: true });
    const again = await reissueKey(db, u, 600);
    expect(again.outcome).toBe("cooldown");
    if (again.outcome === "cooldown") {
      expect(again.retryAfterSeconds).toBeGreaterThan(590);
      expect(again.retryAfterSeconds).toBeLessThanOrEqual(600);
    }
    expect((await reissueKey(db, u, 0)).outcome).toBe("reissued");
  });

  it("toggles auto-renew only with a paid plan, compare-and-set on the version", async () => {
    const u = await newCustomer(db);
    expect(await setAutoRenew(db, u, true)).toEqual({ outcome: "no_subscription" });
    await grantByAdmin(db, { adminId: 1, userId: u, seconds: 86_400 });
    expect(await setAutoRenew(db, u, true)).toEqual({ outcome: "no_paid_plan" });
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: u, plan: "plus", periodDays: 90, method: "stars" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    await finalizePayment(deps, exactEvent(created.purchase));
    const seen = await getSubscription(db, u);
    if (!seen) throw new Error("no subscription");
    const on = await setAutoRenew(db, u, true, seen.version);
    expect(on).toMatchObject({ outcome: "set", autoRenew: true, version: seen.version + 1 });
    // A screen rendered before that change is stale.
    expect(await setAutoRenew(db, u, false, seen.version)).toEqual({ outcome: "stale" });
    expect(await setAutoRenew(db, u, false)).toMatchObject({ outcome: "set", autoRenew: false });
  });
});

describe("promo codes", () => {
  it("are created once (case-insensitively), looked up per customer and deactivated", async () => {
    const code = `Spring${nextId()}`;
    const created = await createPromoCode(db, {
      adminId: 1,
      code,
      percent: 20,
      maxUses: 3,
      expiresAt: null,
    });
    expect(created).toMatchObject({ outcome: "created", promo: { code, percent: 20 } });
    expect(
      await createPromoCode(db, {
        adminId: 1,
        code: code.toUpperCase(),
        percent: 5,
        maxUses: null,
        expiresAt: null,
      }),
    ).toEqual({ outcome: "duplicate" });
    for (const bad of ["", "-x", "Весна", "a".repeat(33), "a b"]) {
      expect(
        (
          await createPromoCode(db, {
            adminId: 1,
            code: bad,
            percent: 5,
            maxUses: 1,
            expiresAt: null,
          })
        ).outcome,
      ).toBe("invalid_code");
    }
    expect(
      (
        await createPromoCode(db, {
          adminId: 1,
          code: `X${nextId()}`,
          percent: 0,
          maxUses: 1,
          expiresAt: null,
        })
      ).outcome,
    ).toBe("invalid_percent");

    const u = await newCustomer(db);
    expect((await checkPromoCode(db, code.toLowerCase(), u)).outcome).toBe("ok");
    const quote = await quoteForCustomer(db, {
      userId: u,
      plan: "basic",
      periodDays: 30,
      promoCode: code,
    });
    expect(quote).toMatchObject({
      outcome: "ok",
      quote: { discountSource: "promo", discountPercent: 20, amountKopecks: 11_920 },
    });
    // Used once by this customer: not again.
    const p = await createPurchase(
      db,
      {
        kind: "subscription",
        userId: u,
        plan: "basic",
        periodDays: 30,
        method: "card",
        promoCode: code,
      },
      3600,
    );
    if (p.outcome !== "created") throw new Error("no purchase");
    await finalizePayment(deps, exactEvent(p.purchase));
    expect((await checkPromoCode(db, code, u)).outcome).toBe("already_used");

    expect(await deactivatePromoCode(db, 1, code)).toEqual({ outcome: "deactivated" });
    expect((await checkPromoCode(db, code, await newCustomer(db))).outcome).toBe("inactive");
    expect(await deactivatePromoCode(db, 1, "nope-nope")).toEqual({ outcome: "not_found" });
    const usage = (await listPromoUsage(db)).find((x) => x.code === code);
    expect(usage).toMatchObject({
      usedCount: 1,
      reservedCount: 1,
      openReservations: 0,
      active: false,
    });
  });

  it("keeps one open reservation per customer and code, and releases it on cancel", async () => {
    const code = `ONE${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 10, maxUses: 2, expiresAt: null });
    const u = await newCustomer(db);
    const make = () =>
      createPurchase(
        db,
        {
          kind: "subscription",
          userId: u,
          plan: "basic",
          periodDays: 30,
          method: "stars",
          promoCode: code,
        },
        3600,
      );
    const first = await make();
    const second = await make();
    if (first.outcome !== "created" || second.outcome !== "created") throw new Error("not created");
    const usage = async () => (await listPromoUsage(db)).find((x) => x.code === code);
    expect(await usage()).toMatchObject({ reservedCount: 1, openReservations: 1 });
    expect(await cancelPurchase(db, u, second.purchase.id)).toEqual({ outcome: "cancelled" });
    expect(await cancelPurchase(db, u, second.purchase.id)).toEqual({ outcome: "not_pending" });
    expect(await usage()).toMatchObject({ reservedCount: 0, openReservations: 0 });
  });

  it("refuses expired codes and exhausted ones", async () => {
    const expired = `OLD${nextId()}`;
    await createPromoCode(db, {
      adminId: 1,
      code: expired,
      percent: 10,
      maxUses: null,
      expiresAt: new Date(Date.now() - 1000),
    });
    const u = await newCustomer(db);
    expect((await checkPromoCode(db, expired, u)).outcome).toBe("expired");
    const r = await createPurchase(
      db,
      {
        kind: "subscription",
        userId: u,
        plan: "basic",
        periodDays: 30,
        method: "card",
        promoCode: expired,
      },
      3600,
    );
    expect(r).toEqual({ outcome: "promo_rejected", reason: "expired" });
    expect((await checkPromoCode(db, "unknown-code", u)).outcome).toBe("not_found");
  });
});

describe("prices", () => {
  it("follow the operator's override from the settings table", async () => {
    const u = await newCustomer(db);
    await db.query("t", "UPDATE users SET is_vip = true WHERE telegram_id = $1", [u]);
    expect(await savePricingOverride(db, 1, { vipPercent: 500 })).toMatchObject({
      outcome: "invalid",
    });
    const saved = await savePricingOverride(db, 1, {
      plans: [{ id: "solo", periods: [{ days: 7, kopecks: 5_000, stars: 28 }] }],
      vipPercent: 10,
    });
    expect(saved.outcome).toBe("saved");
    try {
      const list = await priceListForCustomer(db, u);
      expect(list).toEqual({
        outcome: "ok",
        plans: [
          {
            plan: "solo",
            quotes: [
              {
                plan: "solo",
                periodDays: 7,
                baseKopecks: 5_000,
                discountSource: "vip",
                discountPercent: 10,
                discountKopecks: 0,
                amountKopecks: 4_500,
                baseStars: 28,
                starsAmount: 26,
                promoCodeId: null,
              },
            ],
          },
        ],
      });
      expect(
        await createPurchase(
          db,
          { kind: "subscription", userId: u, plan: "basic", periodDays: 30, method: "card" },
          3600,
        ),
      ).toEqual({ outcome: "unknown_plan" });
    } finally {
      await db.query("t", "DELETE FROM settings WHERE key = 'pricing'");
    }
  });

  it("personal discounts apply until they expire; VIP comes before them", async () => {
    const u = await newCustomer(db);
    expect(await setPersonalDiscount(db, 1, u, 101, null)).toEqual({ outcome: "invalid" });
    expect(await setPersonalDiscount(db, 1, u, 15, new Date(Date.now() + 3_600_000))).toEqual({
      outcome: "set",
    });
    expect(await quoteForCustomer(db, { userId: u, plan: "basic", periodDays: 30 })).toMatchObject({
      quote: { discountSource: "personal", amountKopecks: 12_665 },
    });
    expect(await setVip(db, 1, u, true)).toEqual({ outcome: "set" });
    expect(await quoteForCustomer(db, { userId: u, plan: "basic", periodDays: 30 })).toMatchObject({
      quote: { discountSource: "vip", amountKopecks: 10_430 },
    });
    await setVip(db, 1, u, false);
    await db.query(
      "t",
      "UPDATE users SET personal_discount_until = now() - interval '1 second' WHERE telegram_id = $1",
      [u],
    );
    expect(await quoteForCustomer(db, { userId: u, plan: "basic", periodDays: 30 })).toMatchObject({
      quote: { discountSource: "none", amountKopecks: 14_900 },
    });
  });
});
