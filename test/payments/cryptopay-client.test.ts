import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { createMetrics } from "../../src/ops/metrics.js";
import {
  amountToKopecks,
  HttpCryptoPayApi,
  verifyCryptoPaySignature,
} from "../../src/payments/cryptopay.js";
import { control, recordedCalls, testSandbox } from "../support/sandbox.js";

const sandbox = await testSandbox();

function client(token = sandbox.cryptopayToken) {
  return new HttpCryptoPayApi({
    baseUrl: sandbox.cryptopayApiUrl,
    token,
    assets: ["USDT", "TON"],
    timeoutMs: 2_000,
    breaker: new CircuitBreaker("cryptopay", { failureThreshold: 100, openMs: 1_000 }),
    metrics: createMetrics(),
    logger: silentLogger(),
    assertNoDbScope: () => {},
  });
}

describe("Crypto Pay client against the stand-in", () => {
  it("creates a RUB fiat invoice and reads it back", async () => {
    const invoice = await client().createInvoice({
      amountKopecks: 14_900,
      description: "Plus, 30 days",
      payload: "purchase:17",
      expiresInSeconds: 1800,
    });
    expect(invoice).toMatchObject({
      status: "active",
      amount: "149.00",
      fiat: "RUB",
      payload: "purchase:17",
    });
    expect(invoice.bot_invoice_url).toMatch(/^https?:\/\//);
    const request = (await recordedCalls(sandbox, "cryptopay")).at(-1)?.request as Record<
      string,
      unknown
    >;
    expect(request).toMatchObject({
      currency_type: "fiat",
      fiat: "RUB",
      accepted_assets: "USDT,TON",
      expires_in: 1800,
      allow_comments: false,
      allow_anonymous: false,
    });
    const [found] = await client().getInvoices([invoice.invoice_id]);
    expect(found).toMatchObject({ invoice_id: invoice.invoice_id, status: "active" });
  });

  it("fetches invoices in batches of ids, and sees them paid", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 130; i++) {
      ids.push(
        (
          await client().createInvoice({
            amountKopecks: 100 + i,
            description: "x",
            payload: `p${i}`,
            expiresInSeconds: 600,
          })
        ).invoice_id,
      );
    }
    await control(sandbox, "POST", `/sandbox/cryptopay/invoices/${ids[5]}/pay`, {});
    const before = (await recordedCalls(sandbox, "cryptopay")).filter(
      (c) => c.method === "getInvoices",
    ).length;
    const invoices = await client().getInvoices(ids);
    const after = (await recordedCalls(sandbox, "cryptopay")).filter(
      (c) => c.method === "getInvoices",
    ).length;
    expect(after - before).toBe(2);
    expect(invoices.map((i) => i.invoice_id).sort((a, b) => a - b)).toEqual(
      [...ids].sort((a, b) => a - b),
    );
    expect(invoices.find((i) => i.invoice_id === ids[5])).toMatchObject({
      status: "paid",
      paid_asset: expect.any(String),
    });
  });

  it("checks the token: getMe works, a wrong token is an API error", async () => {
    expect(await client().getMe()).toMatchObject({ name: expect.any(String) });
    await expect(client("wrong-token").getMe()).rejects.toMatchObject({ kind: "api_error" });
  });
});

describe("webhook signature", () => {
  const token = "1234:AAexample";
  const sign = (body: Buffer) =>
    createHmac("sha256", createHash("sha256").update(token).digest()).update(body).digest("hex");

  it("accepts the provider's signature over the exact bytes, whatever the JSON spacing", () => {
    const body = Buffer.from(
      '{ "update_id" :1,"payload":{"description":"\\u041f\\u043b\\u044e\\u0441"}}',
    );
    expect(verifyCryptoPaySignature(body, sign(body), token)).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(verifyCryptoPaySignature(reserialised, sign(body), token)).toBe(false);
  });

  it("rejects a missing, malformed or foreign signature", () => {
    const body = Buffer.from("{}");
    expect(verifyCryptoPaySignature(body, undefined, token)).toBe(false);
    expect(verifyCryptoPaySignature(body, "zz", token)).toBe(false);
    const foreign = createHmac("sha256", createHash("sha256").update("other").digest())
      .update(body)
      .digest("hex");
    expect(verifyCryptoPaySignature(body, foreign, token)).toBe(false);
  });
});

describe("ruble amounts", () => {
  it("sends kopecks as an exact decimal amount, never a fraction of a kopeck", async () => {
    const invoice = (amountKopecks: number) =>
      client().createInvoice({
        amountKopecks,
        description: "Top-up",
        payload: "purchase:18",
        expiresInSeconds: 1800,
      });
    await invoice(10_005);
    const sent = (await recordedCalls(sandbox, "cryptopay")).at(-1)?.request;
    expect(sent).toMatchObject({ amount: "100.05" });
    await expect(invoice(10_000.5)).rejects.toThrow(/bad amount 10000.5/);
  });

  it("reads decimal strings exactly", () => {
    expect(amountToKopecks("149.00")).toBe(14_900);
    expect(amountToKopecks("149.5")).toBe(14_950);
    expect(amountToKopecks("0.07")).toBe(7);
    expect(amountToKopecks("1399")).toBe(139_900);
    expect(() => amountToKopecks("-1")).toThrow();
  });
});
