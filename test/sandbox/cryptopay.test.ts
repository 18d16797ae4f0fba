import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { http, type ReceivedRequest, startReceiver } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver((_req, res) => res.writeHead(200).end('{"ok":true}'));
  sandbox = await startSandbox({
    port: 0,
    logger: silentLogger(),
    cryptopayToken: "1234:AAtestTOKEN",
    cryptopayWebhookUrl: `${receiver.url}/webhooks/cryptopay`,
  });
  sb = sandboxClient(sandbox.url);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});

function api(method: string, params: Record<string, unknown> = {}, token = sandbox.cryptopayToken) {
  return http(`${sandbox.cryptopayApiUrl}${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "crypto-pay-api-token": token },
    body: JSON.stringify(params),
  });
}

/** The check the service must do, computed independently of the sandbox's code. */
function signatureIsValid(req: ReceivedRequest, token: string): boolean {
  const secret = createHash("sha256").update(token, "utf8").digest();
  const expected = createHmac("sha256", secret).update(req.raw).digest("hex");
  return req.headers["crypto-pay-api-signature"] === expected;
}

const invoiceParams = {
  currency_type: "fiat",
  fiat: "RUB",
  amount: "149.00",
  accepted_assets: "USDT,TON,BTC",
  description: "VPN, 30 дней",
  payload: "purchase:17",
  expires_in: 900,
  allow_comments: false,
  allow_anonymous: false,
};

describe("Crypto Pay API stand-in", () => {
  it("checks the token", async () => {
    const res = await api("getMe", {}, "wrong");
    expect(res).toMatchObject({
      status: 401,
      body: { ok: false, error: { code: 401, name: "UNAUTHORIZED" } },
    });
    const me = await api("getMe");
    expect(me.body).toMatchObject({
      ok: true,
      result: { app_id: expect.any(Number), name: expect.any(String) },
    });
  });

  it("creates fiat invoices and finds them with getInvoices", async () => {
    const created = await api("createInvoice", invoiceParams);
    expect(created.body.ok).toBe(true);
    const invoice = created.body.result;
    expect(invoice).toMatchObject({
      invoice_id: expect.any(Number),
      status: "active",
      currency_type: "fiat",
      fiat: "RUB",
      amount: "149.00",
      payload: "purchase:17",
      bot_invoice_url: expect.stringMatching(/^https:\/\/t\.me\//),
      created_at: expect.any(String),
      expiration_date: expect.any(String),
    });
    expect(Date.parse(invoice.expiration_date) - Date.parse(invoice.created_at)).toBe(900_000);
    const other = (await api("createInvoice", { ...invoiceParams, payload: "purchase:18" })).body
      .result;

    const found = await api("getInvoices", {
      invoice_ids: `${invoice.invoice_id},${other.invoice_id}`,
    });
    expect(found.body.result.items.map((i: { invoice_id: number }) => i.invoice_id).sort()).toEqual(
      [invoice.invoice_id, other.invoice_id].sort(),
    );
    const viaGet = await http(
      `${sandbox.cryptopayApiUrl}getInvoices?invoice_ids=${invoice.invoice_id}&status=active`,
      { headers: { "crypto-pay-api-token": sandbox.cryptopayToken } },
    );
    expect(viaGet.body.result.items).toHaveLength(1);
    expect((await api("getInvoices", { count: 1001 })).status).toBe(400);
    expect((await api("createInvoice", { ...invoiceParams, amount: "-1" })).status).toBe(400);
    expect((await api("createInvoice", { ...invoiceParams, expires_in: 0 })).status).toBe(400);
  });

  it("pays an invoice and sends a correctly signed invoice_paid webhook", async () => {
    const invoice = (await api("createInvoice", invoiceParams)).body.result;
    const paid = await sb.payCryptoInvoice(invoice.invoice_id);
    expect(paid.deliveries).toEqual([{ status: 200, body: '{"ok":true}', error: null }]);
    const [req] = receiver.received;
    expect(req?.url).toBe("/webhooks/cryptopay");
    expect(req && signatureIsValid(req, "1234:AAtestTOKEN")).toBe(true);
    const body = JSON.parse(req?.raw.toString("utf8") ?? "{}");
    expect(body).toMatchObject({
      update_id: expect.any(Number),
      update_type: "invoice_paid",
      request_date: expect.any(String),
      payload: {
        invoice_id: invoice.invoice_id,
        status: "paid",
        amount: "149.00",
        fiat: "RUB",
        payload: "purchase:17",
        paid_at: expect.any(String),
        paid_asset: "USDT",
        paid_amount: expect.any(String),
        paid_fiat_rate: expect.any(String),
      },
    });
    const polled = await api("getInvoices", {
      invoice_ids: String(invoice.invoice_id),
      status: "paid",
    });
    expect(polled.body.result.items[0].status).toBe("paid");
  });

  it("signs the exact bytes, whatever their spacing and escapes", async () => {
    const invoice = (await api("createInvoice", invoiceParams)).body.result;
    const spaced = await sb.payCryptoInvoice(invoice.invoice_id, { body_format: "spaced" });
    const [req] = receiver.received;
    const raw = req?.raw.toString("utf8") ?? "";
    expect(raw).toContain('"update_type": "invoice_paid"');
    expect(raw).toContain("\\u0434\\u043d\\u0435\\u0439");
    expect(raw).toBe(spaced.body);
    expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
    expect(req && signatureIsValid(req, sandbox.cryptopayToken)).toBe(true);

    receiver.received.length = 0;
    const rawBody = `{ "update_id" : 77,\n  "update_type":"invoice_paid", "request_date":"2025-01-01T00:00:00.000Z",\t"payload": {"invoice_id": ${invoice.invoice_id}, "description": "\\u2713 caf\\u00e9 ✓"} }`;
    await sb.payCryptoInvoice(invoice.invoice_id, { raw_body: rawBody });
    const [verbatim] = receiver.received;
    expect(verbatim?.raw.toString("utf8")).toBe(rawBody);
    expect(verbatim && signatureIsValid(verbatim, sandbox.cryptopayToken)).toBe(true);
  });

  it("can deliver several times, concurrently, or with a bad signature", async () => {
    const invoice = (await api("createInvoice", invoiceParams)).body.result;
    const result = await sb.payCryptoInvoice(invoice.invoice_id, { times: 3, concurrent: true });
    expect(result.deliveries).toHaveLength(3);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.raw.toString())).size).toBe(1);

    receiver.received.length = 0;
    await sb.payCryptoInvoice(invoice.invoice_id, { bad_signature: true });
    const [bad] = receiver.received;
    expect(bad?.headers["crypto-pay-api-signature"]).toMatch(/^[0-9a-f]{64}$/);
    expect(bad && signatureIsValid(bad, sandbox.cryptopayToken)).toBe(false);

    receiver.received.length = 0;
    const quiet = (await api("createInvoice", invoiceParams)).body.result;
    const marked = await sb.payCryptoInvoice(quiet.invoice_id, { deliver: false });
    expect(marked.invoice.status).toBe("paid");
    expect(receiver.received).toHaveLength(0);
  });

  it("lets a customer pay the invoice link the bot sent", async () => {
    const invoice = (await api("createInvoice", invoiceParams)).body.result;
    const alice = sb.customer(701);
    await alice.send("/start");
    await http(`${sandbox.url}/bot${sandbox.botToken}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: 701,
        text: "Pay with crypto",
        reply_markup: { inline_keyboard: [[{ text: "Pay 149 ₽", url: invoice.bot_invoice_url }]] },
      }),
    });
    const paid = await alice.payCrypto();
    expect(paid.invoice.invoice_id).toBe(invoice.invoice_id);
    expect(receiver.received).toHaveLength(1);
  });
});
