import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { callBot, http } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  sb = sandboxClient(sandbox.url);
  await sb.customer(601).send("/start");
});
afterAll(() => sandbox.close());
afterEach(() => sb.clearFaults());

const vpnHealth = () => http(`${sandbox.url}/vpn/health`);
const cryptoGetMe = () =>
  http(`${sandbox.url}/cryptopay/api/getMe`, {
    headers: { "crypto-pay-api-token": sandbox.cryptopayToken },
  });

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await fn();
  return { result, ms: Date.now() - started };
}

describe("faults", () => {
  it("latency delays the answer but leaves it intact", async () => {
    await sb.fault({ target: "vpn", mode: "latency", latency_ms: 300 });
    const { result, ms } = await timed(vpnHealth);
    expect(result.body).toEqual({ status: "ok" });
    expect(ms).toBeGreaterThanOrEqual(290);
    // The control plane is never faulted.
    const control = await timed(() => sb.vpnUsers());
    expect(control.ms).toBeLessThan(200);
  });

  it("latency leaves getUpdates alone unless its methods name it", async () => {
    await sb.fault({ target: "telegram", mode: "latency", latency_ms: 400 });
    const poll = await timed(() => callBot(sandbox, "getUpdates", { offset: -1 }));
    expect(poll.ms).toBeLessThan(300);
    const send = await timed(() => callBot(sandbox, "sendMessage", { chat_id: 601, text: "x" }));
    expect(send.ms).toBeGreaterThanOrEqual(390);
    await sb.clearFaults();
    await sb.fault({
      target: "telegram",
      mode: "latency",
      latency_ms: 300,
      methods: ["getUpdates"],
    });
    expect(
      (await timed(() => callBot(sandbox, "getUpdates", { offset: -1 }))).ms,
    ).toBeGreaterThanOrEqual(290);
    expect((await timed(() => callBot(sandbox, "getMe"))).ms).toBeLessThan(200);
  });

  it("error answers with the status in each service's own shape", async () => {
    await sb.fault({ target: "telegram", mode: "error", status: 502, methods: ["sendMessage"] });
    await sb.fault({ target: "vpn", mode: "error" });
    await sb.fault({ target: "cryptopay", mode: "error", status: 503 });
    const tg = await callBot(sandbox, "sendMessage", { chat_id: 601, text: "x" });
    expect(tg.status).toBe(502);
    expect(tg.body).toMatchObject({ ok: false, error_code: 502 });
    expect((await callBot(sandbox, "getMe")).status).toBe(200);
    const vpn = await vpnHealth();
    expect(vpn).toMatchObject({ status: 500, body: { detail: "internal_error" } });
    const crypto = await cryptoGetMe();
    expect(crypto).toMatchObject({ status: 503, body: { ok: false, error: { code: 503 } } });
  });

  it("rate_limit answers 429 with Telegram's retry_after", async () => {
    await sb.fault({ target: "telegram", mode: "rate_limit", retry_after: 7 });
    const res = await callBot(sandbox, "sendMessage", { chat_id: 601, text: "x" });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 7",
      parameters: { retry_after: 7 },
    });
    const calls = await sb.calls("telegram", "sendMessage");
    expect(calls.at(-1)).toMatchObject({ status: 429, request: { chat_id: 601, text: "x" } });
  });

  it("down resets the connection", async () => {
    await sb.fault({ target: "vpn", mode: "down" });
    const error = await vpnHealth().then(
      () => null,
      (err: unknown) => err as { code?: string },
    );
    expect(error?.code).toBe("ECONNRESET");
    await sb.clearFaults();
    expect((await vpnHealth()).status).toBe(200);
  });

  it("hang never answers until faults are cleared, which drops the held request", async () => {
    await sb.fault({ target: "cryptopay", mode: "hang" });
    const held = request(`${sandbox.url}/cryptopay/api/getMe`, {
      headers: { "crypto-pay-api-token": sandbox.cryptopayToken },
    }).then(
      () => "answered",
      () => "dropped",
    );
    const early = await Promise.race([
      held,
      new Promise((r) => setTimeout(() => r("pending"), 300)),
    ]);
    expect(early).toBe("pending");
    await sb.clearFaults();
    expect(await held).toBe("dropped");
    expect((await cryptoGetMe()).status).toBe(200);
  });

  it("respects probability and duration", async () => {
    await sb.fault({ target: "vpn", mode: "error", probability: 0 });
    expect((await vpnHealth()).status).toBe(200);
    await sb.clearFaults();
    await sb.fault({ target: "vpn", mode: "error", duration_ms: 150 });
    expect((await vpnHealth()).status).toBe(500);
    await new Promise((r) => setTimeout(r, 200));
    expect((await vpnHealth()).status).toBe(200);
  });

  it("validates fault specs", async () => {
    const res = await http(`${sandbox.url}/sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target: "smtp", mode: "down" }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/target/);
  });
});

describe("close", () => {
  it("does not wait for hung requests or pending long polls", async () => {
    const other = await startSandbox({ port: 0, logger: silentLogger() });
    const client = sandboxClient(other.url);
    await client.fault({ target: "vpn", mode: "hang" });
    const hung = http(`${other.url}/vpn/health`).catch(() => "dropped");
    const poll = callBot(other, "getUpdates", { timeout: 30 }).catch(() => "dropped");
    await new Promise((r) => setTimeout(r, 100));
    const { ms } = await timed(() => other.close());
    expect(ms).toBeLessThan(500);
    expect(await hung).toBe("dropped");
    expect(await poll).toBeDefined();
  });
});
