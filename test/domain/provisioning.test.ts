import { beforeEach, describe, expect, it } from "vitest";
import { DbScope } from "../../src/db/scope.js";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import {
  expireSubscription,
  type ProvisioningDeps,
  provisionSubscription,
} from "../../src/domain/subscriptions/provisioning.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import type { VpnApi } from "../../src/vpn/api.js";
import type { HttpVpnApi } from "../../src/vpn/http-client.js";
import { registerOnStart } from "../support/customers.js";
import { testDb } from "../support/db.js";
import {
  customerWithSubscription,
  extendSubscription,
  subscriptionRow,
} from "../support/fixtures.js";
import { clearFaults, fault, sandboxVpnClient, testSandbox, vpnUsers } from "../support/sandbox.js";

const sandbox = await testSandbox();
const metrics = createMetrics();
const scope = new DbScope({
  mode: "throw",
  onViolation: () => metrics.dbHeldDuringNetwork.inc(),
  warn: () => {},
});
const db = await testDb({ metrics, scope, poolMax: 4 });

function vpnClient(timeoutMs = 2_000): HttpVpnApi {
  return sandboxVpnClient(sandbox, { metrics, scope, timeoutMs });
}

function deps(vpn: VpnApi = vpnClient()): ProvisioningDeps {
  return {
    db: db.forKind("worker"),
    vpn,
    logger: silentLogger(),
    claimant: "test",
    claimTtlMs: 30_000,
    retryBaseMs: 1_000,
  };
}

let nextUser = 1000;

describe("three-phase provisioning (R2)", () => {
  beforeEach(async () => {
    await clearFaults(sandbox);
  });

  it("activates a pending subscription: key on the server with the stored uuid and expiry", async () => {
    const userId = nextUser++;
    const { subscriptionId, uuid } = await customerWithSubscription(db, userId, 30 * 86_400);
    const result = await provisionSubscription(deps(), subscriptionId);
    expect(result).toMatchObject({ outcome: "provisioned", activated: true, userId });
    const row = await subscriptionRow(db, subscriptionId);
    expect(row).toMatchObject({
      status: "active",
      in_sync: true,
      claim_token: null,
      activation_attempts: 0,
    });
    expect(row.vless_link).toContain(uuid);
    const onServer = (await vpnUsers(sandbox)).find((u) => u.uuid === uuid);
    expect(onServer).toMatchObject({
      telegram_id: userId,
      expiry_timestamp_ms: row.expires_at.getTime(),
    });
    // In sync: a second call has nothing to do.
    expect(await provisionSubscription(deps(), subscriptionId)).toEqual({ outcome: "skipped" });
  });

  it("keeps the subscription pending with a retry time while the VPN API is down", async () => {
    const { subscriptionId } = await customerWithSubscription(db, nextUser++, 86_400);
    await fault(sandbox, { target: "vpn", mode: "down" });
    const result = await provisionSubscription(deps(), subscriptionId);
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(await subscriptionRow(db, subscriptionId)).toMatchObject({
      status: "pending",
      claim_token: null,
      activation_attempts: 1,
    });
    await clearFaults(sandbox);
    expect(await provisionSubscription(deps(), subscriptionId)).toMatchObject({
      outcome: "provisioned",
    });
  });

  it("holds no connection while the VPN API hangs", async () => {
    const { subscriptionId } = await customerWithSubscription(db, nextUser++, 86_400);
    await fault(sandbox, { target: "vpn", mode: "hang" });
    const inFlight = provisionSubscription(deps(vpnClient(1_500)), subscriptionId);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = db.stats();
      samples.push(s.total - s.idle);
    }
    // Meanwhile the database serves others at once.
    expect((await db.query<{ ok: number }>("customer", "SELECT 1 AS ok")).rows[0]?.ok).toBe(1);
    expect(await inFlight).toMatchObject({ outcome: "failed", error: { kind: "timeout" } });
    expect(samples.slice(2)).toEqual(new Array(8).fill(0));
    const uses = (await metrics.dbUse.get()).values.filter(
      (v) =>
        v.metricName?.endsWith("_bucket") &&
        String(v.labels.label).startsWith("provision") &&
        (v.labels as { le?: number }).le === 1,
    );
    const counts = (await metrics.dbUse.get()).values.filter(
      (v) => v.metricName?.endsWith("_count") && String(v.labels.label).startsWith("provision"),
    );
    // Every provisioning checkout finished within 1 s.
    expect(uses.map((u) => u.value)).toEqual(counts.map((c) => c.value));
    expect((await metrics.dbHeldDuringNetwork.get()).values[0]?.value ?? 0).toBe(0);
  });

  it("does not undo a renewal committed while the expiry's VPN call is in flight", async () => {
    const { subscriptionId, uuid } = await customerWithSubscription(db, nextUser++, -60);
    await fault(sandbox, { target: "vpn", mode: "latency", latency_ms: 400 });
    const expiring = expireSubscription(deps(), subscriptionId);
    await new Promise((r) => setTimeout(r, 150));
    await extendSubscription(db, subscriptionId, 30 * 86_400);
    const result = await expiring;
    expect(result).toMatchObject({ outcome: "superseded" });
    const row = await subscriptionRow(db, subscriptionId);
    expect(row.status).not.toBe("expired");
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    // The key removed by the expiry is back, with the renewed expiry.
    expect(row).toMatchObject({ status: "active", in_sync: true });
    expect((await vpnUsers(sandbox)).find((u) => u.uuid === uuid)?.expiry_timestamp_ms).toBe(
      row.expires_at.getTime(),
    );
  });

  it("expires a subscription past its end: key removed, status expired", async () => {
    const { subscriptionId, uuid } = await customerWithSubscription(db, nextUser++, 86_400);
    await provisionSubscription(deps(), subscriptionId);
    const { subscriptionId: pastId, uuid: pastUuid } = await customerWithSubscription(
      db,
      nextUser++,
      -10,
    );
    expect(await expireSubscription(deps(), pastId)).toMatchObject({ outcome: "expired" });
    expect(await subscriptionRow(db, pastId)).toMatchObject({ status: "expired" });
    expect((await vpnUsers(sandbox)).map((u) => u.uuid)).not.toContain(pastUuid);
    // A live one is not touched.
    expect(await expireSubscription(deps(), subscriptionId)).toEqual({ outcome: "skipped" });
    expect((await vpnUsers(sandbox)).map((u) => u.uuid)).toContain(uuid);
  });

  it("lets one of many concurrent callers do the work", async () => {
    const { subscriptionId } = await customerWithSubscription(db, nextUser++, 86_400);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => provisionSubscription(deps(), subscriptionId)),
    );
    expect(results.filter((r) => r.outcome === "provisioned")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "skipped")).toHaveLength(7);
  });

  it("commits a paid purchase while the VPN API hangs; the subscription waits, pending", async () => {
    const userId = nextUser++;
    await registerOnStart(db, {
      telegramId: userId,
      username: null,
      firstName: "Hang",
      referrerId: null,
    });
    const created = await createPurchase(
      db,
      { kind: "subscription", userId, plan: "basic", periodDays: 30, method: "stars" },
      1800,
    );
    if (created.outcome !== "created") throw new Error(created.outcome);
    await fault(sandbox, { target: "vpn", mode: "hang" });
    const provisioning = deps(vpnClient(1_000));
    const before = (await metrics.dbHeldDuringNetwork.get()).values[0]?.value ?? 0;
    const paying = finalizePayment(
      {
        db,
        metrics,
        logger: silentLogger(),
        provisioner: { provision: (id) => provisionSubscription(provisioning, id).then(() => {}) },
      },
      {
        method: "stars",
        purchaseId: created.purchase.id,
        telegramChargeId: `charge-hang-${userId}`,
        totalAmount: created.purchase.starsAmount ?? 0,
        currency: "XTR",
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    // Mid-hang: the payment is durable and no connection is checked out.
    const s = db.stats();
    expect(s.total - s.idle).toBe(0);
    const { rows } = await db.query<{ status: string }>(
      "check",
      "SELECT status FROM purchases WHERE id = $1",
      [created.purchase.id],
    );
    expect(rows[0]?.status).toBe("paid");
    const outcome = await paying;
    expect(outcome.result.outcome).toBe("granted");
    const sub = await db.query<{ status: string; activation_attempts: number }>(
      "check",
      "SELECT status, activation_attempts FROM subscriptions WHERE user_id = $1",
      [userId],
    );
    expect(sub.rows[0]).toEqual({ status: "pending", activation_attempts: 1 });
    expect((await metrics.dbHeldDuringNetwork.get()).values[0]?.value ?? 0).toBe(before);
  });
});
