import { afterAll } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

/** The stand-ins on a free port for this test file, closed after it. */
export async function testSandbox(): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  afterAll(() => sandbox.close());
  return sandbox;
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
