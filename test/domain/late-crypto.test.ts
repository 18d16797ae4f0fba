import { describe, expect, it } from "vitest";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import {
  attachCryptoInvoice,
  createPurchase,
  expireStalePurchases,
  listOpenCryptoInvoices,
  markCryptoInvoicesExpired,
} from "../../src/domain/billing/purchases.js";
import { getSubscription } from "../../src/domain/subscriptions/view.js";
import { getPurchase } from "../support/billing.js";
import {
  balanceOf,
  count,
  domainHarness,
  forcePurchaseExpired,
  moneyInvariantViolations,
  newCustomer,
  nextId,
} from "./support.js";

// A crypto invoice paid after its purchase expired locally (contracts/cryptopay.md): the
// customer's money is never dropped.

const h = await domainHarness();
const { db, deps } = h;

/** A crypto purchase with its invoice, expired locally before the money arrives. */
async function expiredCryptoPurchase(
  userId: number,
  input: { kind: "subscription" } | { kind: "topup"; amountKopecks: number } = {
    kind: "subscription",
  },
) {
  const created = await createPurchase(
    db,
    input.kind === "subscription"
      ? { kind: "subscription", userId, plan: "plus", periodDays: 30, method: "crypto" }
      : { kind: "topup", userId, amountKopecks: input.amountKopecks, method: "crypto" },
    900,
  );
  if (created.outcome !== "created") throw new Error(JSON.stringify(created));
  const invoiceId = nextId();
  await attachCryptoInvoice(db, created.purchase.id, { invoiceId, url: null });
  await db.tx("t", (c) => forcePurchaseExpired(c, created.purchase.id));
  expect(await expireStalePurchases(db, 100)).toContain(created.purchase.id);
  // The watcher still polls it: the invoice is open whatever the purchase's own status.
  expect((await listOpenCryptoInvoices(db, 1000)).map((i) => i.invoiceId)).toContain(invoiceId);
  return { purchaseId: created.purchase.id, invoiceId };
}

describe("a late crypto payment", () => {
  it("that matches the purchase is granted as bought", async () => {
    const user = await newCustomer(db);
    const { purchaseId, invoiceId } = await expiredCryptoPurchase(user);
    const out = await finalizePayment(deps, {
      method: "crypto",
      invoiceId,
      purchaseId,
      amountKopecks: 29_900,
      fiat: "RUB",
    });
    expect(out.result).toMatchObject({
      outcome: "granted",
      purchaseId,
      late: true,
      adminAlert: null,
      plan: "plus",
    });
    expect(await getPurchase(db, purchaseId)).toMatchObject({
      status: "paid",
      cryptoInvoiceStatus: "paid",
    });
    expect(await getSubscription(db, user)).toMatchObject({ status: "active", live: true });
    expect((await listOpenCryptoInvoices(db, 1000)).map((i) => i.invoiceId)).not.toContain(
      invoiceId,
    );
  });

  it("that matches a top-up credits the top-up", async () => {
    const user = await newCustomer(db);
    const { purchaseId, invoiceId } = await expiredCryptoPurchase(user, {
      kind: "topup",
      amountKopecks: 25_000,
    });
    const out = await finalizePayment(deps, {
      method: "crypto",
      invoiceId,
      purchaseId,
      amountKopecks: 25_000,
      fiat: "RUB",
    });
    expect(out.result).toMatchObject({ outcome: "topped_up", late: true, balanceAfter: 25_000 });
  });

  it("with a different amount goes to the balance, and the admin is alerted", async () => {
    const user = await newCustomer(db);
    const { purchaseId, invoiceId } = await expiredCryptoPurchase(user);
    const event = {
      method: "crypto" as const,
      invoiceId,
      purchaseId,
      amountKopecks: 20_000,
      fiat: "RUB",
      raw: { invoice_id: invoiceId, amount: "200.00", fiat: "RUB" },
    };
    const out = await finalizePayment(deps, event);
    expect(out.result).toMatchObject({
      outcome: "credited_to_balance",
      purchaseId,
      amountKopecks: 20_000,
      balanceAfter: 20_000,
      adminAlert: "amount_mismatch",
    });
    expect(await balanceOf(db, user)).toBe(20_000);
    expect(await getSubscription(db, user)).toBeUndefined();
    expect(await getPurchase(db, purchaseId)).toMatchObject({
      status: "expired",
      cryptoInvoiceStatus: "paid",
    });
    const ledger = await db.query(
      "t",
      "SELECT reason, delta_kopecks, purchase_id, comment FROM balance_ledger WHERE user_id = $1",
      [user],
    );
    expect(ledger.rows).toEqual([
      {
        reason: "late_payment_credit",
        delta_kopecks: "20000",
        purchase_id: String(purchaseId),
        comment: "amount_mismatch",
      },
    ]);
    // Replayed by the watcher and the webhook: credited once, same answer.
    const again = await finalizePayment(deps, event);
    expect(again).toEqual({ result: out.result, replayed: true });
    expect(await balanceOf(db, user)).toBe(20_000);
  });

  it("in another fiat currency is recorded for the admin, crediting nothing it cannot value", async () => {
    const user = await newCustomer(db);
    const { purchaseId, invoiceId } = await expiredCryptoPurchase(user);
    const out = await finalizePayment(deps, {
      method: "crypto",
      invoiceId,
      purchaseId,
      amountKopecks: 29_900,
      fiat: "USD",
    });
    expect(out.result).toMatchObject({
      outcome: "manual_review",
      purchaseId,
      amountKopecks: 0,
      adminAlert: "unconvertible",
    });
    expect(await balanceOf(db, user)).toBe(0);
    expect(
      await count(db, "SELECT count(*) AS n FROM payments WHERE provider_payment_id = $1", [
        String(invoiceId),
      ]),
    ).toBe(1);
  });

  it("is found by its payload even if the invoice id was never recorded", async () => {
    const user = await newCustomer(db);
    const created = await createPurchase(
      db,
      { kind: "subscription", userId: user, plan: "basic", periodDays: 90, method: "crypto" },
      900,
    );
    if (created.outcome !== "created") throw new Error("no purchase");
    const invoiceId = nextId();
    const out = await finalizePayment(deps, {
      method: "crypto",
      invoiceId,
      purchaseId: created.purchase.id,
      amountKopecks: 39_900,
      fiat: "RUB",
    });
    expect(out.result).toMatchObject({ outcome: "granted", late: false, periodDays: 90 });
    expect(await getPurchase(db, created.purchase.id)).toMatchObject({
      cryptoInvoiceId: invoiceId,
      cryptoInvoiceStatus: "paid",
    });
    expect(await moneyInvariantViolations(db)).toEqual([]);
  });

  it("stops being polled once the provider says the invoice expired", async () => {
    const user = await newCustomer(db);
    const { invoiceId } = await expiredCryptoPurchase(user);
    expect(await markCryptoInvoicesExpired(db, [invoiceId])).toBe(1);
    expect((await listOpenCryptoInvoices(db, 1000)).map((i) => i.invoiceId)).not.toContain(
      invoiceId,
    );
  });
});
