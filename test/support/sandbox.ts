import { afterAll } from "vitest";
import type { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import type { Metrics } from "../../src/ops/metrics.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { HttpVpnApi } from "../../src/vpn/http-client.js";

/** The stand-ins on a free port for this test file, closed after it. */
export async function testSandbox(): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  afterAll(() => sandbox.close());
  return sandbox;
}

/**
 * The real VPN client pointed at the stand-in: no retries and a breaker that does not open, so a
 * test sees each fault exactly as injected; the R2 guard is the test's scope.
 */
export function sandboxVpnClient(
  sandbox: Sandbox,
  deps: { metrics: Metrics; scope: DbScope; timeoutMs?: number },
): HttpVpnApi {
  return new HttpVpnApi({
    baseUrl: sandbox.vpnApiUrl,
    apiKey: sandbox.vpnApiKey,
    timeoutMs: deps.timeoutMs ?? 1_000,
    retries: 0,
    breaker: new CircuitBreaker("vpn_api", { failureThreshold: 1_000, openMs: 1_000 }),
    metrics: deps.metrics,
    logger: silentLogger(),
    assertNoDbScope: (what) => deps.scope.assertNoDbScope(what),
  });
}

export async function control(sandbox: Sandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
}

export const fault = (sandbox: Sandbox, spec: Record<string, unknown>) =>
  control(sandbox, "POST", "/sandbox/faults", spec);
export const clearFaults = (sandbox: Sandbox) => control(sandbox, "DELETE", "/sandbox/faults");

export async function recordedCalls(sandbox: Sandbox, target: "telegram" | "vpn" | "cryptopay") {
  const body = await control(sandbox, "GET", `/sandbox/calls?target=${target}`);
  return (body?.calls ?? []) as Array<{ method: string; status: number; request: unknown }>;
}

export async function vpnUsers(sandbox: Sandbox) {
  const body = await control(sandbox, "GET", "/sandbox/vpn/users");
  return (body?.users ?? []) as Array<{
    uuid: string;
    telegram_id: number;
    expiry_timestamp_ms: number;
  }>;
}
