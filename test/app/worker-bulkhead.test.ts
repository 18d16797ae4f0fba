import { describe, expect, it } from "vitest";
import { requireWorkerDb, type WorkerDb } from "../../src/db/pool.js";
import {
  CryptoPaymentProcessor,
  createOutOfChatPayments,
} from "../../src/domain/billing/out-of-chat-payments.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { UnconfiguredVpnApi } from "../../src/vpn/api.js";
import { histogramCount } from "../bot/support/testbed.js";
import { testDb } from "../support/db.js";

/**
 * Paths a worker drives (the crypto watcher, the Stars backstop, the payment processor they
 * share with the webhook) run on the worker bulkhead: the handler pool does not type-check
 * there, and a value that slips past the types (a cast) is refused when the part is built.
 */
const metrics = createMetrics();
const db = await testDb({ metrics, poolMax: 4, workerMax: 2 });
const logger = silentLogger();
const vpn = new UnconfiguredVpnApi();
const provisioning = (access: WorkerDb) => ({
  db: access,
  vpn,
  logger,
  claimant: "bulkhead-test",
  claimTtlMs: 60_000,
});

describe("the worker bulkhead", () => {
  it("states the kind of every access: the pool is the handler pool", () => {
    expect(db.kind).toBe("handler");
    expect(db.forKind("worker").kind).toBe("worker");
    expect(db.forKind("system").kind).toBe("system");
    expect(() => requireWorkerDb(db, "a worker")).toThrow(/worker bulkhead.*not handler/);
    expect(requireWorkerDb(db.forKind("worker"), "a worker").kind).toBe("worker");
  });

  it("refuses the handler pool for the payment processor, at compile time and at run time", () => {
    const deps = {
      metrics,
      logger,
      provision: async () => {},
      announce: async () => {},
    };
    // @ts-expect-error the handler pool is not a WorkerDb
    expect(() => new CryptoPaymentProcessor({ ...deps, db })).toThrow(/worker bulkhead/);
    expect(() => new CryptoPaymentProcessor({ ...deps, db: db as unknown as WorkerDb })).toThrow(
      /worker bulkhead/,
    );
    expect(
      () =>
        new CryptoPaymentProcessor({ ...deps, db: db.forKind("system") as unknown as WorkerDb }),
    ).toThrow(/not system/);
  });

  it("refuses handler-pool provisioning behind the out-of-chat payments", () => {
    const worker = db.forKind("worker");
    expect(() =>
      createOutOfChatPayments({
        db: worker,
        metrics,
        logger,
        provisioning: provisioning(db as unknown as WorkerDb),
        notifier: undefined,
        adminIds: [],
      }),
    ).toThrow(/payment provisioning runs on the worker bulkhead/);
  });

  it("credits an out-of-chat payment with worker checkouts only", async () => {
    const worker = db.forKind("worker");
    const payments = createOutOfChatPayments({
      db: worker,
      metrics,
      logger,
      provisioning: provisioning(worker),
      notifier: undefined,
      adminIds: [],
    });
    const use = "db_client_connection_use_time_seconds";
    const handlerBefore = await histogramCount(metrics, use, { kind: "handler" });
    const workerBefore = await histogramCount(metrics, use, { kind: "worker" });
    const outcome = await payments.creditEvent({
      method: "stars",
      purchaseId: null,
      telegramChargeId: `bulkhead-${Date.now()}`,
      totalAmount: 50,
      currency: "XTR",
    });
    await payments.drain(5_000);
    expect(outcome.replayed).toBe(false);
    expect(await histogramCount(metrics, use, { kind: "worker" })).toBeGreaterThan(workerBefore);
    expect(await histogramCount(metrics, use, { kind: "handler" })).toBe(handlerBefore);
  });
});
