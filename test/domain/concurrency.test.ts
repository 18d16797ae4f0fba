import { describe, expect, it } from "vitest";
import { purchaseWithBalance } from "../../src/domain/billing/balance-purchase.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPromoCode } from "../../src/domain/billing/promo.js";
import { attachCryptoInvoice, createPurchase } from "../../src/domain/billing/purchases.js";
import {
  balanceOf,
  count,
  domainHarness,
  exactEvent,
  moneyInvariantViolations,
  newCustomer,
  nextId,
} from "./support.js";

const h = await domainHarness(20);
const { db, deps } = h;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("under concurrency", () => {
  it("finalizes the same payment 50 times in parallel into one grant and one answer", async () => {
    const referrer = await newCustomer(db);
    const user = await newCustomer(db, referrer);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: user, plan: "plus", periodDays: 180, method: "stars" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    const event = exactEvent(created.purchase);
    const calls = h.provisioner.calls.length;

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => finalizePayment(deps, event)),
    );
    const first = outcomes[0]?.result;
    expect(first?.outcome).toBe("granted");
    for (const o of outcomes) expect(o.result).toEqual(first);
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    expect(
      await count(db, "SELECT count(*) AS n FROM subscription_grants WHERE user_id = $1", [user]),
    ).toBe(1);
    expect(await count(db, "SELECT count(*) AS n FROM payments WHERE user_id = $1", [user])).toBe(
      1,
    );
    expect(await balanceOf(db, referrer)).toBe(11_990);
    expect(h.provisioner.calls.length - calls).toBe(1);
    expect(h.provisioner.callsInsideDbScope).toBe(0);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("credits a crypto top-up once when the webhook and the watcher race", async () => {
    const user = await newCustomer(db);
    const created = await createPurchase(
      db,
      { kind: "topup", userId: user, amountKopecks: 99_900, method: "crypto" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    const invoiceId = nextId();
    await attachCryptoInvoice(db, created.purchase.id, { invoiceId, url: null });
    const event = {
      method: "crypto" as const,
      invoiceId,
      purchaseId: created.purchase.id,
      amountKopecks: 99_900,
      fiat: "RUB",
    };
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        // Half of them without a payload (the watcher knows only the invoice id).
        finalizePayment(deps, i % 2 ? event : { ...event, purchaseId: null }),
      ),
    );
    for (const o of outcomes) expect(o.result).toEqual(outcomes[0]?.result);
    expect(await balanceOf(db, user)).toBe(99_900);
  });

  it("lets exactly one of 20 customers reserve a promo code's last use", async () => {
    const code = `LAST${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 25, maxUses: 3, expiresAt: null });
    // Two uses are taken already: one left.
    for (let i = 0; i < 2; i++) {
      const taken = await createPurchase(
        db,
        {
          kind: "subscription",
          userId: await newCustomer(db),
          plan: "basic",
          periodDays: 30,
          method: "card",
          promoCode: code,
        },
        3600,
      );
      expect(taken.outcome).toBe("created");
    }
    const customers = await Promise.all(Array.from({ length: 20 }, () => newCustomer(db)));
    const results = await Promise.all(
      customers.map((userId) =>
        createPurchase(
          db,
          {
            kind: "subscription",
            userId,
            plan: "basic",
            periodDays: 30,
            method: "card",
            promoCode: code,
          },
          3600,
        ),
      ),
    );
    expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
    for (const r of results.filter((x) => x.outcome !== "created")) {
      expect(r).toEqual({ outcome: "promo_rejected", reason: "exhausted" });
    }
    const { rows } = await db.query<{ reserved_count: number }>(
      "t",
      "SELECT reserved_count FROM promo_codes WHERE code = $1",
      [code],
    );
    expect(rows[0]?.reserved_count).toBe(3);
  });

  it("lets exactly the affordable balance purchases through when they race", async () => {
    const user = await newCustomer(db);
    await db.query(
      "t",
      "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 50000, 'admin_adjustment', 1)",
      [user],
    );
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        purchaseWithBalance(deps, {
          source: "customer",
          userId: user,
          plan: "basic",
          periodDays: 30,
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === "paid")).toHaveLength(3);
    expect(results.filter((r) => r.outcome === "insufficient_balance")).toHaveLength(7);
    expect(await balanceOf(db, user)).toBe(50_000 - 3 * 14_900);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("charges a double tap once even when the two taps race (two replicas), and never another price", async () => {
    const user = await newCustomer(db);
    await db.query(
      "t",
      "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 100000, 'admin_adjustment', 1)",
      [user],
    );
    const tap = (expectedKopecks: number) =>
      purchaseWithBalance(deps, {
        source: "customer",
        userId: user,
        plan: "basic",
        periodDays: 30,
        expectedKopecks,
        repeatWindowSeconds: 30,
      });
    const results = await Promise.all([tap(14_900), tap(14_900), tap(14_900)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(["paid", "repeated", "repeated"]);
    expect(await balanceOf(db, user)).toBe(100_000 - 14_900);

    // Another period: not a repeat; a button showing an old price charges nothing.
    expect(
      await purchaseWithBalance(deps, {
        source: "customer",
        userId: user,
        plan: "basic",
        periodDays: 90,
        expectedKopecks: 35_000,
        repeatWindowSeconds: 30,
      }),
    ).toEqual({ outcome: "price_changed", amountKopecks: 39_900 });
    expect(await balanceOf(db, user)).toBe(100_000 - 14_900);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("pays one of two invoices with the same promo code when both are paid at once", async () => {
    const code = `RACE${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 50, maxUses: 10, expiresAt: null });
    const user = await newCustomer(db);
    const open = async () => {
      const created = await createPurchase(
        db,
        {
          kind: "subscription",
          userId: user,
          plan: "basic",
          periodDays: 30,
          method: "crypto",
          promoCode: code,
        },
        3600,
      );
      if (created.outcome !== "created") throw new Error(created.outcome);
      await attachCryptoInvoice(db, created.purchase.id, {
        invoiceId: nextId(),
        url: "https://t.me/CryptoBot",
      });
      return created.purchase;
    };
    const older = await open();
    const newer = await open();
    const results = await Promise.all([
      finalizePayment(deps, exactEvent(older)),
      finalizePayment(deps, exactEvent(newer)),
    ]);
    expect(results.map((r) => r.result.outcome).sort()).toEqual(["credited_to_balance", "granted"]);
    expect(await balanceOf(db, user)).toBe(7_450);
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("never deadlocks when one customer's payments and balance purchases with one promo code race", async () => {
    // Payments lock the purchase and the code, balance purchases the customer and the code: in
    // two orders, this deadlocks. One lock order (customer first) makes every run finish.
    const code = `ORDER${nextId()}`;
    await createPromoCode(db, { adminId: 1, code, percent: 10, maxUses: 1_000, expiresAt: null });
    for (let round = 0; round < 5; round++) {
      const user = await newCustomer(db);
      await db.query(
        "t",
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 100000, 'admin_adjustment', 1)",
        [user],
      );
      const created = await createPurchase(
        db,
        {
          kind: "subscription",
          userId: user,
          plan: "basic",
          periodDays: 30,
          method: "stars",
          promoCode: code,
        },
        3600,
      );
      if (created.outcome !== "created") throw new Error(created.outcome);
      const results = await Promise.allSettled([
        finalizePayment(deps, exactEvent(created.purchase)),
        ...Array.from({ length: 3 }, () =>
          purchaseWithBalance(deps, {
            source: "customer",
            userId: user,
            plan: "basic",
            periodDays: 30,
            promoCode: code,
          }),
        ),
      ]);
      expect(results.filter((r) => r.status === "rejected").map((r) => String(r.reason))).toEqual(
        [],
      );
    }
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("returns the stored result when a racing insert wins the provider id (23505)", async () => {
    const user = await newCustomer(db);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: user, plan: "basic", periodDays: 30, method: "card" },
      3600,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    const chargeId = `race-${nextId()}`;
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((r) => {
      inserted = r;
    });
    let commit!: () => void;
    const committing = new Promise<void>((r) => {
      commit = r;
    });
    // Another writer holds an uncommitted payment under the same provider id…
    const other = db.tx("other_writer", async (c) => {
      await c.query(
        `INSERT INTO payments (purchase_id, user_id, provider, provider_payment_id,
           amount_kopecks, currency, raw)
         VALUES (NULL, $1, 'telegram_card', $2, 0, 'RUB',
           jsonb_build_object('resolution',
             jsonb_build_object('purchase_id', $3::bigint, 'late', false, 'alert', 'unconvertible')))`,
        [user, chargeId, created.purchase.id],
      );
      inserted();
      await committing;
    });
    await insertedOnce;
    // …the finalizer does not see it, blocks on the unique index, and loses at its commit.
    const finalizing = finalizePayment(deps, exactEvent(created.purchase, chargeId));
    await sleep(200);
    commit();
    await other;
    const out = await finalizing;
    expect(out.replayed).toBe(true);
    expect(out.result).toMatchObject({ outcome: "manual_review", purchaseId: created.purchase.id });
    expect(
      await count(db, "SELECT count(*) AS n FROM subscription_grants WHERE user_id = $1", [user]),
    ).toBe(0);
  });
});
