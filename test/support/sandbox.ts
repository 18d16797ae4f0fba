import { afterAll } from "vitest";
import type { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import type { Metrics } from "../../src/ops/metrics.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { HttpVpnApi } from "../../src/vpn/http-client.js";
import { PanelHttp } from "../../src/vpn/panel-http.js";
import { RemnawaveBackend } from "../../src/vpn/remnawave.js";

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

/**
 * The panel HTTP layer as the tests point it at a stand-in: one short timeout, no retries unless
 * asked, a breaker that does not open unless given one, the R2 guard is the test's scope; closed
 * after the file.
 */
export function standInPanelHttp(opts: {
  panel: ConstructorParameters<typeof PanelHttp>[0]["panel"];
  credentials: string;
  baseUrl: string;
  metrics: Metrics;
  scope: DbScope;
  retries?: number;
  breaker?: CircuitBreaker;
  onConfigurationError?: (detail: string) => void;
}): PanelHttp {
  const http = new PanelHttp({
    panel: opts.panel,
    credentials: opts.credentials,
    baseUrl: opts.baseUrl,
    timeoutMs: 1_000,
    retries: opts.retries ?? 0,
    retryBaseDelayMs: 5,
    breaker:
      opts.breaker ?? new CircuitBreaker("vpn_api", { failureThreshold: 1_000, openMs: 1_000 }),
    metrics: opts.metrics,
    logger: silentLogger(),
    assertNoDbScope: (what) => opts.scope.assertNoDbScope(what),
    ...(opts.onConfigurationError ? { onConfigurationError: opts.onConfigurationError } : {}),
  });
  afterAll(() => http.close());
  return http;
}

/**
 * The real Remnawave adapter pointed at the panel stand-in: no retries unless asked, a breaker
 * that does not open unless asked, the R2 guard is the test's scope.
 */
export function sandboxRemnawave(
  sandbox: Sandbox,
  deps: {
    metrics: Metrics;
    scope: DbScope;
    token?: string;
    retries?: number;
    breaker?: CircuitBreaker;
    onConfigurationError?: (detail: string) => void;
    squads?: string[];
  },
): { vpn: RemnawaveBackend; http: PanelHttp } {
  const panel = sandbox.remnawave;
  if (!panel) throw new Error("the Remnawave stand-in is not available (contract package?)");
  const http = standInPanelHttp({
    panel: "remnawave",
    credentials: "REMNAWAVE_TOKEN",
    baseUrl: panel.url,
    ...deps,
  });
  return {
    vpn: new RemnawaveBackend({
      http,
      token: deps.token ?? panel.token,
      squads: deps.squads ?? [],
    }),
    http,
  };
}

/** Calls the Remnawave stand-in directly, as an operator's other tools would. */
export async function remnawaveRequest(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const panel = sandbox.remnawave;
  if (!panel) throw new Error("the Remnawave stand-in is not available");
  const res = await fetch(`${panel.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${panel.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
