import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { HttpVpnApi } from "../../src/vpn/http-client.js";
import { activationIteration } from "../../src/workers/activation.js";
import { sandboxClient } from "../support/driver.js";
import { customerWithSubscription } from "../support/fixtures.js";
import { clearFaults, fault } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const OPEN_MS = 400;
// A breaker that opens after one failure and lets one trial call through after OPEN_MS.
const vpn = new HttpVpnApi({
  baseUrl: bed.sandbox.vpnApiUrl,
  apiKey: bed.sandbox.vpnApiKey,
  timeoutMs: 1_000,
  retries: 0,
  breaker: new CircuitBreaker("vpn_api", { failureThreshold: 1, openMs: OPEN_MS }),
  metrics: bed.metrics,
  logger: silentLogger(),
  assertNoDbScope: (what) => bed.scope.assertNoDbScope(what),
});
const alerts: string[] = [];
const activation = activationIteration({
  // A real retry back-off (15 s base): a refusal counted as a failure would wait it out.
  provisioning: { ...bed.provisioning, vpn, retryBaseMs: 15_000 },
  notices: { db: bed.db.forKind("worker"), notifier: bed.notifier, logger: silentLogger() },
  batchSize: 20,
  concurrency: 4,
  alertAfterAttempts: 2,
  alertOperator: async (text) => {
    alerts.push(text);
  },
});

const attemptsOf = async (ids: number[]) =>
  (
    await bed.db.query<{ activation_attempts: number; status: string }>(
      "test",
      "SELECT activation_attempts, status FROM subscriptions WHERE id = ANY($1) ORDER BY id",
      [ids],
    )
  ).rows;

describe("activation while the VPN API recovers", () => {
  it("calls the breaker refused are not failed attempts; every key is on within one interval of recovery", async () => {
    const subs = [];
    for (let i = 0; i < 6; i++) {
      const userId = 64_000 + i;
      await sb.customer(userId).send("hi");
      subs.push(await customerWithSubscription(bed.db, userId, 30 * 86_400));
    }
    const ids = subs.map((s) => s.subscriptionId);

    await fault(bed.sandbox, { target: "vpn", mode: "down" });
    const down = await activation(iterationContext());
    // The calls in flight when the breaker opened failed; the rest were refused without a call.
    const failed = down.counts?.failed ?? 0;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(down.counts?.refused).toBeGreaterThanOrEqual(1);
    expect(failed + (down.counts?.refused ?? 0)).toBe(6);
    const refusedIds = (
      await bed.db.query<{ id: string }>(
        "test",
        "SELECT id FROM subscriptions WHERE id = ANY($1) AND activation_attempts = 0",
        [ids],
      )
    ).rows.map((r) => Number(r.id));
    expect(refusedIds).toHaveLength(6 - failed);

    await clearFaults(bed.sandbox);
    await new Promise((r) => setTimeout(r, OPEN_MS + 50));
    // Recovery: the breaker lets one trial call through (the rest of that batch is refused
    // while it runs), then closes; the next iteration activates every refused one.
    await activation(iterationContext());
    await activation(iterationContext());
    const refusedRows = await attemptsOf(refusedIds);
    expect(refusedRows.map((r) => r.status)).toEqual(refusedIds.map(() => "active"));

    // Only calls that were made and failed count as attempts (the alert counts them).
    const rows = await attemptsOf(ids);
    expect(rows.reduce((n, r) => n + r.activation_attempts, 0)).toBe(failed);
    expect(alerts).toEqual([]);
  });
});
