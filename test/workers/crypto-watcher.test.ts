import { describe, expect, it } from "vitest";
import type { FinalizeOutcome } from "../../src/domain/billing/finalizer.js";
import { CryptoPaymentProcessor } from "../../src/domain/billing/out-of-chat-payments.js";
import {
  attachCryptoInvoice,
  createPurchase,
  expireStalePurchases,
} from "../../src/domain/billing/purchases.js";
import { provisionSubscription } from "../../src/domain/subscriptions/provisioning.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { HttpCryptoPayApi } from "../../src/payments/cryptopay.js";
import { cryptoWatcherIteration } from "../../src/workers/crypto-watcher.js";
import { registerOnStart } from "../support/customers.js";
import { control } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const cryptopay = new HttpCryptoPayApi({
  baseUrl: bed.sandbox.cryptopayApiUrl,
  token: bed.sandbox.cryptopayToken,
  assets: ["USDT"],
  timeoutMs: 2_000,
  breaker: new CircuitBreaker("cryptopay", { failureThreshold: 100, openMs: 1_000 }),
  metrics: bed.metrics,
  logger: silentLogger(),
  assertNoDbScope: (what) => bed.scope.assertNoDbScope(what),
});
const announced: FinalizeOutcome[] = [];
const payments = new CryptoPaymentProcessor({
  db: bed.db.forKind("worker"),
  metrics: bed.metrics,
  logger: silentLogger(),
  provision: (id) => provisionSubscription(bed.provisioning, id),
  announce: async (outcome) => {
    announced.push(outcome);
  },
});
const watcher = cryptoWatcherIteration({
  db: bed.db.forKind("worker"),
  cryptopay,
  payments,
  batchSize: 100,
});

let nextUser = 62_000;
async function cryptoPurchase() {
  const userId = nextUser++;
  await registerOnStart(bed.db, {
    telegramId: userId,
    username: null,
    firstName: "C",
    referrerId: null,
  });
  const created = await createPurchase(
    bed.db,
    { kind: "subscription", userId, plan: "basic", periodDays: 30, method: "crypto" },
    1_800,
  );
  if (created.outcome !== "created") throw new Error(created.outcome);
  const invoice = await cryptopay.createInvoice({
    amountKopecks: created.purchase.amountKopecks,
    description: "basic 30",
    payload: `purchase:${created.purchase.id}`,
    expiresInSeconds: 1_800,
  });
  await attachCryptoInvoice(bed.db, created.purchase.id, {
    invoiceId: invoice.invoice_id,
    url: invoice.bot_invoice_url ?? "",
  });
  return { userId, purchaseId: created.purchase.id, invoiceId: invoice.invoice_id };
}

describe("crypto watcher (the webhook's backstop)", () => {
  it("credits an invoice paid without a webhook, once, and provisions the key", async () => {
    const p = await cryptoPurchase();
    await control(bed.sandbox, "POST", `/sandbox/cryptopay/invoices/${p.invoiceId}/pay`, {
      deliver: false,
    });
    const report = await watcher(iterationContext());
    expect(report.counts).toMatchObject({ paid: 1, credited: 1 });
    await payments.drain(10_000);
    expect(announced.at(-1)?.result).toMatchObject({ outcome: "granted", userId: p.userId });
    const { rows } = await bed.db.query(
      "check",
      "SELECT status FROM subscriptions WHERE user_id = $1",
      [p.userId],
    );
    expect(rows[0]).toEqual({ status: "active" });
    // The invoice is final now: the next iteration does not poll it.
    expect((await watcher(iterationContext())).counts).toMatchObject({ open: 0, credited: 0 });
  });

  it("credits a payment made after the purchase expired locally", async () => {
    const p = await cryptoPurchase();
    await bed.db.query(
      "expire",
      "UPDATE purchases SET expires_at = now() - interval '1 minute' WHERE id = $1",
      [p.purchaseId],
    );
    // The fast-expiry worker's step: the purchase is past its window.
    expect(await expireStalePurchases(bed.db, 100)).toContain(p.purchaseId);
    await control(bed.sandbox, "POST", `/sandbox/cryptopay/invoices/${p.invoiceId}/pay`, {
      deliver: false,
    });
    expect((await watcher(iterationContext())).counts).toMatchObject({ credited: 1 });
    await payments.drain(10_000);
    expect(announced.at(-1)?.result).toMatchObject({ outcome: "granted", late: true });
  });

  it("drains at shutdown a credit still being finalized, with its key and message", async () => {
    const p = await cryptoPurchase();
    await control(bed.sandbox, "POST", `/sandbox/cryptopay/invoices/${p.invoiceId}/pay`, {
      deliver: false,
    });
    const [invoice] = await cryptopay.getInvoices([p.invoiceId]);
    if (!invoice) throw new Error("invoice not found");
    // Shutdown begins while the webhook's credit is still in its transaction.
    const crediting = payments.credit(invoice);
    await payments.drain(10_000);
    expect(announced.at(-1)?.result).toMatchObject({ outcome: "granted", userId: p.userId });
    await crediting;
    const { rows } = await bed.db.query(
      "check",
      "SELECT status FROM subscriptions WHERE user_id = $1",
      [p.userId],
    );
    expect(rows[0]).toEqual({ status: "active" });
  });

  it("counts a Crypto Pay outage as a failed iteration, not a hang", async () => {
    await cryptoPurchase();
    await control(bed.sandbox, "POST", "/sandbox/faults", { target: "cryptopay", mode: "down" });
    await expect(watcher(iterationContext())).rejects.toMatchObject({ kind: "network_error" });
    await control(bed.sandbox, "DELETE", "/sandbox/faults");
  });
});
