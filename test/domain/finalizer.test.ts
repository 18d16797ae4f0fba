import { describe, expect, it } from "vitest";
import { purchaseWithBalance } from "../../src/domain/billing/balance-purchase.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPromoCode } from "../../src/domain/billing/promo.js";
import {
  attachCryptoInvoice,
  createPurchase,
  expireStalePurchases,
  invoicePayload,
  type Purchase,
  validatePreCheckout,
} from "../../src/domain/billing/purchases.js";
import { getSubscription } from "../../src/domain/subscriptions/view.js";
import { captureLogs } from "../support/logs.js";
import {
  balanceOf,
  count,
  domainHarness,
  exactEvent,
  forcePurchaseExpired,
  moneyInvariantViolations,
  newCustomer,
  nextId,
} from "./support.js";

const h = await domainHarness(8);
const { db, deps } = h;

async function buy(
  userId: number,
  method: "stars" | "card" | "crypto",
  plan = "basic",
  periodDays = 30,
  promoCode?: string,
): Promise<Purchase> {
  const r = await createPurchase(
    db,
    { kind: "subscription", userId, plan, periodDays, method, promoCode },
    3600,
  );
  if (r.outcome !== "created") throw new Error(`purchase not created: ${JSON.stringify(r)}`);
  if (method === "crypto") {
    const invoiceId = nextId();
    await attachCryptoInvoice(db, r.purchase.id, { invoiceId, url: "https://t.me/CryptoBot" });
    return { ...r.purchase, cryptoInvoiceId: invoiceId, cryptoInvoiceStatus: "active" };
  }
  return r.purchase;
}

async function metric(method: string, outcome: string): Promise<number> {
  const values = (await h.metrics.payments.get()).values;
  return values.find((x) => x.labels.method === method && x.labels.outcome === outcome)?.value ?? 0;
}

describe("finalizePayment", () => {
  it("grants a paid card purchase once, then provisions outside any connection", async () => {
    const user = await newCustomer(db);
    const p = await buy(user, "card");
    const event = exactEvent(p);
    const calls = h.provisioner.calls.length;

    const first = await finalizePayment(deps, event);
    expect(first.replayed).toBe(false);
    expect(first.result).toMatchObject({
      outcome: "granted",
      purchaseId: p.id,
      userId: user,
      method: "card",
      amountKopecks: 14_900,
      plan: "basic",
      periodDays: 30,
      late: false,
      adminAlert: null,
      cashback: null,
    });
    expect(h.provisioner.calls.slice(calls)).toEqual([
      first.result.outcome === "granted" ? first.result.subscriptionId : -1,
    ]);
    expect(h.provisioner.callsInsideDbScope).toBe(0);
    const sub = await getSubscription(db, user);
    expect(sub).toMatchObject({ status: "active", lastPlan: "basic", lastPeriodDays: 30 });

    const again = await finalizePayment(deps, event);
    expect(again).toEqual({ result: first.result, replayed: true });
    expect(h.provisioner.calls.length).toBe(calls + 1);
    expect(
      await count(db, "SELECT count(*) AS n FROM subscription_grants WHERE user_id = $1", [user]),
    ).toBe(1);
    expect(await metric("card", "duplicate")).toBeGreaterThanOrEqual(1);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("logs one line per payment with purchase, user, method and outcome", async () => {
    const logs = captureLogs("info");
    const user = await newCustomer(db);
    const p = await buy(user, "card");
    await finalizePayment({ ...deps, logger: logs.logger }, exactEvent(p));
    const lines = logs.lines.filter((l) => l.msg === "payment");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      purchase_id: p.id,
      user_id: user,
      method: "card",
      outcome: "granted",
    });
  });

  it("renews on the same key from max(expires_at, now), leaving the new expiry to sync", async () => {
    const user = await newCustomer(db);
    const first = await finalizePayment(deps, exactEvent(await buy(user, "card")));
    const before = await getSubscription(db, user);
    if (first.result.outcome !== "granted" || !before) throw new Error("no grant");
    expect(before.status).toBe("active");

    h.provisioner.vpnUp = false;
    try {
      const second = await finalizePayment(deps, exactEvent(await buy(user, "stars", "plus", 90)));
      if (second.result.outcome !== "granted") throw new Error("no grant");
      expect(second.result.expiresAt.getTime() - before.expiresAt.getTime()).toBe(90 * 86_400_000);
      const after = await getSubscription(db, user);
      expect(after).toMatchObject({
        vpnUuid: before.vpnUuid,
        status: "active",
        needsProvisioning: true,
        lastPlan: "plus",
        lastPeriodDays: 90,
      });
    } finally {
      h.provisioner.vpnUp = true;
    }
  });

  it("records a Stars payment at the purchase's ruble snapshot", async () => {
    const user = await newCustomer(db);
    const p = await buy(user, "stars", "plus", 30);
    expect(p).toMatchObject({ currency: "XTR", starsAmount: 166, amountKopecks: 29_900 });
    const out = await finalizePayment(deps, exactEvent(p, "stars-charge-1"));
    expect(out.result.outcome).toBe("granted");
    const { rows } = await db.query(
      "t",
      "SELECT amount_kopecks, stars_amount, currency FROM payments WHERE provider_payment_id = 'stars-charge-1'",
    );
    expect(rows[0]).toEqual({ amount_kopecks: "29900", stars_amount: 166, currency: "XTR" });
  });

  it("credits a crypto top-up and pays the referrer's cashback on it", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    const created = await createPurchase(
      db,
      { kind: "topup", userId: user, amountKopecks: 75_000, method: "crypto" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no top-up");
    await attachCryptoInvoice(db, created.purchase.id, { invoiceId: nextId(), url: null });
    const { rows } = await db.query<{ crypto_invoice_id: string }>(
      "t",
      "SELECT crypto_invoice_id FROM purchases WHERE id = $1",
      [created.purchase.id],
    );
    const out = await finalizePayment(deps, {
      method: "crypto",
      invoiceId: Number(rows[0]?.crypto_invoice_id),
      purchaseId: null,
      amountKopecks: 75_000,
      fiat: "RUB",
    });
    expect(out.result).toMatchObject({
      outcome: "topped_up",
      balanceAfter: 75_000,
      cashback: { referrerId: referrer, percent: 10, baseKopecks: 75_000, amountKopecks: 7_500 },
    });
    expect(await balanceOf(db, referrer)).toBe(7_500);
    const status = await db.query(
      "t",
      "SELECT status, crypto_invoice_status FROM purchases WHERE id = $1",
      [created.purchase.id],
    );
    expect(status.rows[0]).toEqual({ status: "paid", crypto_invoice_status: "paid" });
  });

  it("sends a second charge for an already paid purchase to the balance, alerting the admin", async () => {
    const user = await newCustomer(db);
    const p = await buy(user, "card");
    await finalizePayment(deps, exactEvent(p, "first-charge"));
    const second = await finalizePayment(deps, exactEvent(p, "second-charge"));
    expect(second.result).toMatchObject({
      outcome: "credited_to_balance",
      purchaseId: p.id,
      amountKopecks: 14_900,
      balanceAfter: 14_900,
      adminAlert: "already_paid",
    });
    expect(
      await count(db, "SELECT count(*) AS n FROM subscription_grants WHERE user_id = $1", [user]),
    ).toBe(1);
    // Replaying the second charge changes nothing either.
    expect((await finalizePayment(deps, exactEvent(p, "second-charge"))).result).toEqual(
      second.result,
    );
    expect(await balanceOf(db, user)).toBe(14_900);
  });

  it("reports money for no purchase of ours as unmatched, writing no payment", async () => {
    const before = await count(db, "SELECT count(*) AS n FROM payments");
    const out = await finalizePayment(deps, {
      method: "card",
      purchaseId: 999_999_999,
      telegramChargeId: "stray",
      totalAmount: 100,
      currency: "RUB",
    });
    expect(out.result).toEqual({
      outcome: "unmatched",
      purchaseId: 999_999_999,
      userId: null,
      adminAlert: "unknown_purchase",
    });
    expect(await count(db, "SELECT count(*) AS n FROM payments")).toBe(before);
  });

  it("records unmatched money once: a provider's retry of the event is a replay", async () => {
    const event = {
      method: "crypto" as const,
      invoiceId: 987_654_321,
      purchaseId: 999_999_998,
      amountKopecks: 39_900,
      fiat: "RUB",
      raw: { invoice_id: 987_654_321, status: "paid" },
    };
    const first = await finalizePayment(deps, event);
    expect(first).toEqual({
      result: {
        outcome: "unmatched",
        purchaseId: 999_999_998,
        userId: null,
        adminAlert: "unknown_purchase",
      },
      replayed: false,
    });
    const retries = await Promise.all([1, 2, 3].map(() => finalizePayment(deps, event)));
    expect(retries.map((r) => r.replayed)).toEqual([true, true, true]);
    expect(retries.map((r) => r.result)).toEqual([first.result, first.result, first.result]);
    const { rows } = await db.query<{ deliveries: number; amount: string; currency: string }>(
      "read_back",
      `SELECT deliveries, amount, currency FROM unmatched_payments
        WHERE provider = 'cryptopay' AND provider_payment_id = '987654321'`,
    );
    expect(rows).toEqual([{ deliveries: 4, amount: "39900", currency: "RUB" }]);
  });

  it("honours a promo price paid after the reservation was released, over the limit", async () => {
    const code = `LATE${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 50, maxUses: 1, expiresAt: null });
    const first = await newCustomer(db);
    const p = await buy(first, "card", "basic", 30, code);
    expect(p.amountKopecks).toBe(7_450);
    await db.tx("t", (c) => forcePurchaseExpired(c, p.id));
    expect(await expireStalePurchases(db, 100)).toContain(p.id);
    // The released use is taken by someone else…
    const second = await newCustomer(db);
    await buy(second, "card", "basic", 30, code);
    // …and the first customer's late payment is still honoured at the price they saw.
    const out = await finalizePayment(deps, exactEvent(p));
    expect(out.result).toMatchObject({
      outcome: "granted",
      amountKopecks: 7_450,
      late: true,
      promoOverLimit: true,
    });
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("never lets one customer use a code twice by paying invoices left open, in either order", async () => {
    const code = `TWICE${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 50, maxUses: 5, expiresAt: null });
    for (const order of ["older first", "newer first"] as const) {
      const user = await newCustomer(db);
      // Each new checkout with the code cancels the older one; its invoice stays payable.
      const older = await buy(user, "crypto", "basic", 30, code);
      const newer = await buy(user, "crypto", "basic", 30, code);
      const [first, second] = order === "older first" ? [older, newer] : [newer, older];
      expect((await finalizePayment(deps, exactEvent(first))).result).toMatchObject({
        outcome: "granted",
        amountKopecks: 7_450,
      });
      // The second payment is money, not a second discount: it goes to the balance.
      expect((await finalizePayment(deps, exactEvent(second))).result).toMatchObject({
        outcome: "credited_to_balance",
        amountKopecks: 7_450,
        adminAlert: "promo_already_used",
      });
      expect(await balanceOf(db, user)).toBe(7_450);
      expect(
        await count(db, "SELECT count(*) AS n FROM subscription_grants WHERE user_id = $1", [user]),
      ).toBe(1);
    }
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("lets the holder of a code's last use switch payment method", async () => {
    const code = `SWITCH${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 50, maxUses: 1, expiresAt: null });
    const user = await newCustomer(db);
    await db.query(
      "t",
      "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 10000, 'admin_adjustment', 1)",
      [user],
    );
    const stars = await buy(user, "stars", "basic", 30, code);
    // "« Other payment methods": card with the same code…
    const card = await buy(user, "card", "basic", 30, code);
    expect(card.amountKopecks).toBe(7_450);
    // …then the balance: the open invoices give their reservation to this purchase.
    const paid = await purchaseWithBalance(deps, {
      source: "customer",
      userId: user,
      plan: "basic",
      periodDays: 30,
      promoCode: code,
    });
    expect(paid).toMatchObject({ outcome: "paid", payment: { amountKopecks: 7_450 } });
    const statuses = await db.query(
      "t",
      "SELECT id, status FROM purchases WHERE id = ANY($1::bigint[]) ORDER BY id",
      [[stars.id, card.id]],
    );
    expect(statuses.rows.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    // A second customer finds the code used up.
    const other = await newCustomer(db);
    await expect(buy(other, "card", "basic", 30, code)).rejects.toThrow(/exhausted/);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });
});

describe("createPurchase", () => {
  it("refuses a price other than the one on the button, writing nothing", async () => {
    const user = await newCustomer(db);
    const create = (method: "stars" | "card", expectedAmount: number) =>
      createPurchase(
        db,
        {
          kind: "subscription",
          userId: user,
          plan: "basic",
          periodDays: 30,
          method,
          expectedAmount,
        },
        3600,
      );
    expect(await create("card", 14_000)).toEqual({ outcome: "price_changed" });
    expect(await create("stars", 14_900)).toEqual({ outcome: "price_changed" });
    expect(await count(db, "SELECT count(*) AS n FROM purchases WHERE user_id = $1", [user])).toBe(
      0,
    );
    expect(await create("stars", 83)).toMatchObject({ outcome: "created" });
  });
});

describe("validatePreCheckout", () => {
  it("accepts exactly the stored purchase, still payable, for its owner", async () => {
    const user = await newCustomer(db);
    const stars = await buy(user, "stars");
    const card = await buy(user, "card");
    const crypto = await buy(user, "crypto");
    const ok = (p: Purchase, currency: string, amount: number, who = user) =>
      validatePreCheckout(db, invoicePayload(p.id), currency, amount, who);

    expect(await ok(stars, "XTR", 83)).toMatchObject({ ok: true, purchaseId: stars.id });
    expect(await ok(card, "RUB", 14_900)).toMatchObject({ ok: true, purchaseId: card.id });
    expect(await ok(stars, "XTR", 82)).toMatchObject({ ok: false, reason: "amount_mismatch" });
    expect(await ok(card, "USD", 14_900)).toMatchObject({ ok: false, reason: "currency_mismatch" });
    expect(await ok(card, "RUB", 14_900, user + 1)).toMatchObject({
      ok: false,
      reason: "wrong_user",
    });
    expect(await ok(crypto, "RUB", 14_900)).toMatchObject({ ok: false, reason: "wrong_method" });
    expect(await validatePreCheckout(db, "hello", "RUB", 1, user)).toMatchObject({
      ok: false,
      reason: "bad_payload",
    });
    expect(
      await validatePreCheckout(db, invoicePayload(987_654_321), "RUB", 1, user),
    ).toMatchObject({ ok: false, reason: "not_found" });
    // Past its payable time, even before the expiry job ran.
    await db.tx("t", (c) => forcePurchaseExpired(c, stars.id));
    expect(await ok(stars, "XTR", 83)).toMatchObject({ ok: false, reason: "not_payable" });
  });

  it("tells an invoice already paid from one that expired", async () => {
    const user = await newCustomer(db);
    const card = await buy(user, "card");
    await finalizePayment(deps, exactEvent(card));
    expect(
      await validatePreCheckout(db, invoicePayload(card.id), "RUB", 14_900, user),
    ).toMatchObject({ ok: false, reason: "already_paid" });
  });

  it("returns the language the payer chose in the bot, or null", async () => {
    const user = await newCustomer(db);
    const stars = await buy(user, "stars");
    await db.query("t", "UPDATE users SET language_code = NULL WHERE telegram_id = $1", [user]);
    const check = () => validatePreCheckout(db, invoicePayload(stars.id), "XTR", 83, user);
    expect(await check()).toMatchObject({ ok: true, language: null });
    await db.query("t", "UPDATE users SET language_code = 'en' WHERE telegram_id = $1", [user]);
    expect(await check()).toMatchObject({ ok: true, language: "en" });
    expect(await validatePreCheckout(db, "hello", "XTR", 83, user)).toEqual({
      ok: false,
      reason: "bad_payload",
      language: "en",
    });
  });
});

describe("purchaseWithBalance", () => {
  it("debits and grants atomically; not enough money is a result, not a crash", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    const poor = await purchaseWithBalance(deps, {
      source: "customer",
      userId: user,
      plan: "basic",
      periodDays: 30,
    });
    expect(poor).toEqual({
      outcome: "insufficient_balance",
      balanceKopecks: 0,
      amountKopecks: 14_900,
      missingKopecks: 14_900,
    });
    expect(await count(db, "SELECT count(*) AS n FROM purchases WHERE user_id = $1", [user])).toBe(
      0,
    );

    await db.query(
      "t",
      "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 20000, 'admin_adjustment', 1)",
      [user],
    );
    const paid = await purchaseWithBalance(deps, {
      source: "customer",
      userId: user,
      plan: "basic",
      periodDays: 30,
    });
    expect(paid).toMatchObject({
      outcome: "paid",
      payment: { outcome: "granted", method: "balance", balanceAfter: 5_100, cashback: null },
    });
    expect(await balanceOf(db, referrer)).toBe(0);
    expect(await getSubscription(db, user)).toMatchObject({ status: "active" });
    expect(await metric("balance", "insufficient_balance")).toBeGreaterThanOrEqual(1);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("auto-renews the last paid plan once per cycle, only while due and switched on", async () => {
    const user = await newCustomer(db);
    await db.query(
      "t",
      "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 100000, 'admin_adjustment', 1)",
      [user],
    );
    await purchaseWithBalance(deps, {
      source: "customer",
      userId: user,
      plan: "basic",
      periodDays: 30,
    });
    const renew = () =>
      purchaseWithBalance(deps, {
        source: "auto_renew",
        userId: user,
        dueWithinSeconds: 40 * 86_400,
      });
    // Auto-renew is off: nothing happens.
    expect(await renew()).toEqual({ outcome: "not_due" });
    await db.query("t", "UPDATE subscriptions SET auto_renew = true WHERE user_id = $1", [user]);
    const first = await renew();
    expect(first).toMatchObject({ outcome: "paid", payment: { plan: "basic", periodDays: 30 } });
    // Renewed: now 60 days out, no longer due within 40 days.
    expect(await renew()).toEqual({ outcome: "not_due" });
    const { rows } = await db.query(
      "t",
      "SELECT kind FROM subscription_grants WHERE user_id = $1 ORDER BY id",
      [user],
    );
    expect(rows.map((r) => r.kind)).toEqual(["purchase", "auto_renew"]);
  });
});
