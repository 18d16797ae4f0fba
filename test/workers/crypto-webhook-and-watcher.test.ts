import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import type { FinalizeOutcome } from "../../src/domain/billing/finalizer.js";
import { CryptoPaymentProcessor } from "../../src/domain/billing/out-of-chat-payments.js";
import { attachCryptoInvoice, createPurchase } from "../../src/domain/billing/purchases.js";
import { provisionSubscription } from "../../src/domain/subscriptions/provisioning.js";
import { cryptoPayWebhook } from "../../src/http/cryptopay-webhook.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { HttpCryptoPayApi } from "../../src/payments/cryptopay.js";
import { cryptoWatcherIteration } from "../../src/workers/crypto-watcher.js";
import { registerOnStart } from "../support/customers.js";
import { control } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

/** The webhook route and the watcher as the composition root wires them: one processor. */
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
const processor = new CryptoPaymentProcessor({
  db: bed.db.forKind("worker"),
  metrics: bed.metrics,
  logger: silentLogger(),
  provision: (id) => provisionSubscription(bed.provisioning, id),
  announce: async (outcome) => {
    announced.push(outcome);
  },
});
const app = Fastify();
app.register(
  cryptoPayWebhook({
    token: bed.sandbox.cryptopayToken,
    logger: silentLogger(),
    onInvoicePaid: async (invoice) => {
      await processor.credit(invoice);
    },
  }),
);
const address = await app.listen({ port: 0, host: "127.0.0.1" });
bed.sandbox.setCryptopayWebhookUrl(`${address}/webhooks/cryptopay`);
afterAll(() => app.close());
const watcher = cryptoWatcherIteration({
  db: bed.db.forKind("worker"),
  cryptopay,
  payments: processor,
  batchSize: 100,
});

let nextUser = 66_000;
async function cryptoTopUp(amountKopecks: number) {
  const userId = nextUser++;
  await registerOnStart(bed.db, {
    telegramId: userId,
    username: null,
    firstName: "W",
    referrerId: null,
  });
  const created = await createPurchase(
    bed.db,
    { kind: "topup", userId, amountKopecks, method: "crypto" },
    1_800,
  );
  if (created.outcome !== "created") throw new Error(created.outcome);
  const invoice = await cryptopay.createInvoice({
    amountKopecks,
    description: "top-up",
    payload: `purchase:${created.purchase.id}`,
    expiresInSeconds: 1_800,
  });
  await attachCryptoInvoice(bed.db, created.purchase.id, {
    invoiceId: invoice.invoice_id,
    url: invoice.bot_invoice_url ?? null,
  });
  return { userId, invoiceId: invoice.invoice_id };
}

async function balanceOf(userId: number) {
  const { rows } = await bed.db.query<{ balance: string; credits: number }>(
    "balance",
    `SELECT u.balance_kopecks AS balance,
            (SELECT count(*)::int FROM balance_ledger l WHERE l.user_id = u.telegram_id) AS credits
       FROM users u WHERE u.telegram_id = $1`,
    [userId],
  );
  return rows[0];
}

describe("crypto webhook and watcher together", () => {
  it("credits a paid invoice once when it is delivered 20 times concurrently and found by the watcher", async () => {
    const t = await cryptoTopUp(75_000);
    const result = await control(
      bed.sandbox,
      "POST",
      `/sandbox/cryptopay/invoices/${t.invoiceId}/pay`,
      {
        times: 20,
        concurrent: true,
      },
    );
    expect(JSON.stringify(result)).not.toContain('"status":401');
    await watcher(iterationContext());
    await processor.drain(10_000);
    expect(await balanceOf(t.userId)).toEqual({ balance: "75000", credits: 1 });
    expect(announced.filter((o) => o.result.userId === t.userId)).toHaveLength(1);
  });

  it("verifies a body with unusual spacing, and refuses a forged one without writing anything", async () => {
    const spaced = await cryptoTopUp(25_000);
    await control(bed.sandbox, "POST", `/sandbox/cryptopay/invoices/${spaced.invoiceId}/pay`, {
      body_format: "spaced",
    });
    await processor.drain(10_000);
    expect(await balanceOf(spaced.userId)).toEqual({ balance: "25000", credits: 1 });

    const forged = await cryptoTopUp(99_900);
    const answer = await control(
      bed.sandbox,
      "POST",
      `/sandbox/cryptopay/invoices/${forged.invoiceId}/pay`,
      {
        bad_signature: true,
      },
    );
    expect(JSON.stringify(answer)).toContain('"status":401');
    expect(await balanceOf(forged.userId)).toEqual({ balance: "0", credits: 0 });
    // The watcher still finds the real payment: the customer's money is never dropped.
    await watcher(iterationContext());
    await processor.drain(10_000);
    expect(await balanceOf(forged.userId)).toEqual({ balance: "99900", credits: 1 });
  });

  it("alerts the admins once about a signed invoice of no purchase of ours, however often it is retried", async () => {
    // An invoice this service never created a purchase for (another app on the same token).
    const stray = await cryptopay.createInvoice({
      amountKopecks: 14_900,
      description: "not ours",
      payload: "purchase:999999999",
      expiresInSeconds: 600,
    });
    const unmatchedBefore = await paymentsCount("unmatched");
    const answer = (await control(
      bed.sandbox,
      "POST",
      `/sandbox/cryptopay/invoices/${stray.invoice_id}/pay`,
      { times: 4 },
    )) as { deliveries: Array<{ status: number }> };
    // Every delivery is acknowledged, so the provider stops retrying.
    expect(answer.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    await processor.drain(10_000);
    const alerts = announced.filter(
      (o) => o.result.outcome === "unmatched" && o.result.purchaseId === 999_999_999,
    );
    expect(alerts).toHaveLength(1);
    expect(await paymentsCount("unmatched")).toBe(unmatchedBefore + 1);
    const { rows } = await bed.db.query<{ deliveries: number }>(
      "read_back",
      `SELECT deliveries FROM unmatched_payments
        WHERE provider = 'cryptopay' AND provider_payment_id = $1`,
      [String(stray.invoice_id)],
    );
    expect(rows).toEqual([{ deliveries: 4 }]);
  });
});

async function paymentsCount(outcome: string): Promise<number> {
  const metric = await bed.metrics.payments.get();
  return metric.values
    .filter((v) => v.labels.method === "crypto" && v.labels.outcome === outcome)
    .reduce((sum, v) => sum + v.value, 0);
}
