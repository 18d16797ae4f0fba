import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { cryptoPayWebhook } from "../../src/http/cryptopay-webhook.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { type CryptoInvoice, HttpCryptoPayApi } from "../../src/payments/cryptopay.js";
import { signWebhookBody } from "../../src/sandbox/cryptopay/signature.js";
import { control, testSandbox } from "../support/sandbox.js";

const sandbox = await testSandbox();
const received: CryptoInvoice[] = [];
const app = Fastify();
app.register(
  cryptoPayWebhook({
    token: sandbox.cryptopayToken,
    logger: silentLogger(),
    onInvoicePaid: async (invoice) => {
      received.push(invoice);
    },
  }),
);
// The raw-body parser must stay inside the webhook plugin: other routes still get JSON.
app.post("/json-elsewhere", async (req) => ({ echoed: req.body }));
const address = await app.listen({ port: 0, host: "127.0.0.1" });
sandbox.setCryptopayWebhookUrl(`${address}/webhooks/cryptopay`);
afterAll(() => app.close());

const crypto = new HttpCryptoPayApi({
  baseUrl: sandbox.cryptopayApiUrl,
  token: sandbox.cryptopayToken,
  assets: ["USDT"],
  timeoutMs: 2_000,
  breaker: new CircuitBreaker("cryptopay", { failureThreshold: 100, openMs: 1_000 }),
  metrics: createMetrics(),
  logger: silentLogger(),
  assertNoDbScope: () => {},
});

async function paidInvoice(options: Record<string, unknown>) {
  const invoice = await crypto.createInvoice({
    amountKopecks: 39_900,
    description: "Basic, 90 days",
    payload: "purchase:1",
    expiresInSeconds: 600,
  });
  const result = await control(
    sandbox,
    "POST",
    `/sandbox/cryptopay/invoices/${invoice.invoice_id}/pay`,
    options,
  );
  return { invoice, result };
}

describe("POST /webhooks/cryptopay", () => {
  it("accepts a correctly signed invoice_paid update, also with unusual JSON spacing and escapes", async () => {
    const { invoice } = await paidInvoice({});
    const { invoice: spaced } = await paidInvoice({ body_format: "spaced" });
    expect(received.map((i) => [i.invoice_id, i.status])).toEqual([
      [invoice.invoice_id, "paid"],
      [spaced.invoice_id, "paid"],
    ]);
  });

  it("answers 401 to a forged signature and hands nothing on", async () => {
    const before = received.length;
    const { result } = await paidInvoice({ bad_signature: true });
    expect(JSON.stringify(result)).toContain("401");
    expect(received.length).toBe(before);
    const res = await fetch(`${address}/webhooks/cryptopay`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        update_id: 1,
        update_type: "invoice_paid",
        request_date: new Date().toISOString(),
        payload: {},
      }),
    });
    expect(res.status).toBe(401);
    expect(received.length).toBe(before);
  });

  it("accepts a provider's late retry: a signed update whose request_date is days old", async () => {
    const { invoice, result } = await paidInvoice({ deliver: false });
    const first = JSON.parse((result as { body: string }).body) as Record<string, unknown>;
    const raw = JSON.stringify({
      ...first,
      request_date: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    });
    const res = await fetch(`${address}/webhooks/cryptopay`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "crypto-pay-api-signature": signWebhookBody(sandbox.cryptopayToken, raw),
      },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(received.at(-1)?.invoice_id).toBe(invoice.invoice_id);
  });

  it("keeps its raw-body parser to itself", async () => {
    const res = await fetch(`${address}/json-elsewhere`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await res.json()).toEqual({ echoed: { a: 1 } });
  });
});
