import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { createNetworkClients } from "../../src/network-clients.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { VpnApiError } from "../../src/vpn/api.js";
import { HttpVpnApi } from "../../src/vpn/http-client.js";
import { testDb } from "../support/db.js";
import { captureLogs } from "../support/logs.js";
import { clearFaults, fault, recordedCalls, testSandbox, vpnUsers } from "../support/sandbox.js";

const sandbox = await testSandbox();

function client(
  overrides: {
    apiKey?: string;
    timeoutMs?: number;
    metrics?: Metrics;
    scope?: DbScope;
    threshold?: number;
  } = {},
) {
  const scope = overrides.scope ?? new DbScope();
  return new HttpVpnApi({
    baseUrl: sandbox.vpnApiUrl,
    apiKey: overrides.apiKey ?? sandbox.vpnApiKey,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    retries: 2,
    retryBaseDelayMs: 10,
    breaker: new CircuitBreaker("vpn_api", {
      failureThreshold: overrides.threshold ?? 50,
      openMs: 60_000,
    }),
    metrics: overrides.metrics ?? createMetrics(),
    logger: silentLogger(),
    assertNoDbScope: (what) => scope.assertNoDbScope(what),
  });
}

const callCount = async () => (await recordedCalls(sandbox, "vpn")).length;

describe("VPN API client (contracts/vpn-api.md) against the stand-in", () => {
  beforeEach(async () => {
    await clearFaults(sandbox);
  });

  it("adds idempotently, updates, lists and removes", async () => {
    const vpn = client();
    const uuid = randomUUID();
    const expiresAt = new Date(Date.now() + 86_400_000);
    const first = await vpn.add({ uuid, telegramId: 42, expiresAt });
    expect(first.link).toMatch(/^vless:\/\//);
    expect(first.link).toContain(uuid);
    const again = await vpn.add({
      uuid,
      telegramId: 42,
      expiresAt: new Date(expiresAt.getTime() + 1000),
    });
    expect(again.link).toBe(first.link);
    await vpn.update({ uuid, expiresAt: new Date(expiresAt.getTime() + 5000) });
    expect((await vpnUsers(sandbox)).find((u) => u.uuid === uuid)?.expiry_timestamp_ms).toBe(
      expiresAt.getTime() + 5000,
    );
    expect(await vpn.list()).toContain(uuid);
    await vpn.remove(uuid);
    await vpn.remove(uuid);
    expect(await vpn.list()).not.toContain(uuid);
    expect(await vpn.health()).toBe(true);
  });

  it("never retries a 401 and reports it as unauthorized", async () => {
    const before = await callCount();
    const err = await client({ apiKey: "wrong" })
      .list()
      .catch((e) => e);
    expect(err).toBeInstanceOf(VpnApiError);
    expect(err).toMatchObject({ kind: "unauthorized", status: 401, retryable: false });
    expect((await callCount()) - before).toBe(1);
  });

  it("refuses a malformed uuid without calling the server", async () => {
    const before = await callCount();
    await expect(client().remove("not-a-uuid")).rejects.toMatchObject({ kind: "bad_request" });
    expect(await callCount()).toBe(before);
  });

  it("retries 5xx with backoff, then gives up with server_error; records metrics per outcome", async () => {
    const metrics = createMetrics();
    await fault(sandbox, { target: "vpn", mode: "error", status: 503 });
    const before = await callCount();
    await expect(client({ metrics }).list()).rejects.toMatchObject({
      kind: "server_error",
      status: 503,
    });
    expect((await callCount()) - before).toBe(3);
    const values = (await metrics.vpnRequest.get()).values.filter((v) =>
      v.metricName?.endsWith("_count"),
    );
    expect(values).toEqual([
      expect.objectContaining({ labels: { operation: "list", outcome: "server_error" }, value: 3 }),
    ]);
  });

  it("bounds a hanging server by the call timeout", async () => {
    await fault(sandbox, { target: "vpn", mode: "hang" });
    const started = Date.now();
    const err = await client({ timeoutMs: 300 })
      .add({ uuid: randomUUID(), telegramId: 1, expiresAt: new Date() })
      .catch((e) => e);
    expect(err).toMatchObject({ kind: "timeout" });
    // Three attempts of 300 ms plus small backoffs: bounded, whatever the server does.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a server that is down as a network error", async () => {
    await fault(sandbox, { target: "vpn", mode: "down" });
    await expect(client().list()).rejects.toMatchObject({ kind: "network_error" });
  });

  it("opens the circuit after repeated failures and fails fast without calling", async () => {
    await fault(sandbox, { target: "vpn", mode: "error", status: 500 });
    const vpn = client({ threshold: 3 });
    await expect(vpn.list()).rejects.toMatchObject({ kind: "server_error" });
    const before = await callCount();
    await expect(vpn.list()).rejects.toMatchObject({ kind: "circuit_open" });
    expect(await callCount()).toBe(before);
  });

  it("refuses to call while a database connection is held (R2), counting first", async () => {
    const metrics = createMetrics();
    const scope = new DbScope({
      mode: "throw",
      onViolation: () => metrics.dbHeldDuringNetwork.inc(),
      warn: () => {},
    });
    const db = await testDb({ metrics, scope });
    const vpn = client({ scope });
    const before = await callCount();
    await expect(db.tx("bad_pattern", () => vpn.list())).rejects.toMatchObject({
      name: "DbScopeViolationError",
    });
    expect((await metrics.dbHeldDuringNetwork.get()).values[0]?.value).toBe(1);
    expect(await callCount()).toBe(before);
  });
});

describe("a VPN API that rejects the key (401/403) is a configuration error, not an outage", () => {
  beforeEach(async () => {
    await clearFaults(sandbox);
  });

  function wiredClients(apiKey: string) {
    const readiness = new Readiness();
    const alerts: string[] = [];
    const logs = captureLogs();
    const network = createNetworkClients({
      config: loadConfig({
        NODE_ENV: "test",
        VPN_API_URL: sandbox.vpnApiUrl,
        VPN_API_KEY: apiKey,
        VPN_API_TIMEOUT_MS: "2000",
      }),
      logger: logs.logger,
      metrics: createMetrics(),
      scope: new DbScope(),
      readiness,
      alertOperator: async (text) => {
        alerts.push(text);
      },
    });
    afterAll(() => network.close());
    return { readiness, alerts, logs, vpn: network.vpn };
  }

  it("names the rejected key in /ready at the first 401, alerts once, and never opens the circuit", async () => {
    const { readiness, alerts, logs, vpn } = wiredClients("wrong-key");
    expect((await readiness.report()).dependencies.vpn_api).toMatchObject({ ok: true });
    const before = await callCount();
    await expect(vpn.list()).rejects.toMatchObject({ kind: "unauthorized", status: 401 });
    expect((await readiness.report()).dependencies.vpn_api).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^VPN API rejected the key \(401/),
    });
    // More refusals than the breaker's threshold (5): each one reaches the server, none is
    // retried, and the circuit stays closed, so /ready keeps naming the real cause.
    for (let i = 0; i < 7; i++) {
      await expect(vpn.list()).rejects.toMatchObject({ kind: "unauthorized" });
    }
    expect((await callCount()) - before).toBe(8);
    expect((await readiness.report()).dependencies.vpn_api?.detail).toMatch(
      /VPN API rejected the key/,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/VPN_API_KEY/);
    expect(logs.lines.filter((l) => l.event === "vpn_api_key_rejected")).toHaveLength(1);
  });

  it("treats a 403 the same way, and clears it when the key is accepted again", async () => {
    const { readiness, alerts, vpn } = wiredClients(sandbox.vpnApiKey);
    await fault(sandbox, { target: "vpn", mode: "error", status: 403 });
    await expect(vpn.list()).rejects.toMatchObject({ kind: "unauthorized", status: 403 });
    expect((await readiness.report()).dependencies.vpn_api).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^VPN API rejected the key \(403/),
    });
    await clearFaults(sandbox);
    await vpn.list();
    expect((await readiness.report()).dependencies.vpn_api).toMatchObject({ ok: true });
    expect(alerts).toHaveLength(1);
  });
});
