import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/ops/metrics.js";
import { sqlLeaseStore } from "../../src/workers/lease.js";
import { Loop } from "../../src/workers/loop.js";
import { StartGate } from "../../src/workers/start-gate.js";
import { testDb } from "../support/db.js";
import { captureLogs } from "../support/logs.js";

const db = await testDb();

describe("per-iteration leases (R5)", () => {
  it("never lets a second replica start while an iteration overruns its budget", async () => {
    const store = sqlLeaseStore(db.forKind("worker"));
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const replica = (holder: string) =>
      new Loop({
        name: "overrun",
        intervalMs: 100,
        offsetMs: 0,
        jitterMs: 0,
        heavy: false,
        gate: new StartGate(0),
        lease: { store, holder },
        logger: captureLogs().logger,
        metrics: createMetrics(),
        run: async () => {
          runs++;
          active++;
          maxActive = Math.max(maxActive, active);
          // A call in flight holds the iteration well past its 80 ms budget.
          await new Promise((r) => setTimeout(r, 350));
          active--;
          return undefined;
        },
      });
    const a = replica("replica-a");
    const b = replica("replica-b");
    a.start();
    b.start();
    await new Promise((r) => setTimeout(r, 1_200));
    await Promise.all([a.stop(), b.stop()]);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(maxActive).toBe(1);
  });

  it("runs each slot's iteration on one of two replicas; the other counts it as skipped", async () => {
    const store = sqlLeaseStore(db.forKind("worker"));
    const ran: string[] = [];
    const logs = captureLogs();
    const replica = (holder: string) =>
      new Loop({
        name: "reconcile",
        intervalMs: 150,
        offsetMs: 0,
        jitterMs: 0,
        heavy: false,
        gate: new StartGate(0),
        lease: { store, holder },
        logger: logs.logger,
        metrics: createMetrics(),
        run: async () => {
          ran.push(holder);
          await new Promise((r) => setTimeout(r, 40));
          return undefined;
        },
      });
    const a = replica("replica-a");
    const b = replica("replica-b");
    a.start();
    b.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([a.stop(), b.stop()]);

    const iterations = a.state().iterations;
    expect(iterations).toBeGreaterThanOrEqual(4);
    // Every slot ran exactly once across both replicas.
    expect(ran.length).toBe(iterations);
    const skipped = logs.lines.filter((l) => l.outcome === "skipped").length;
    expect(skipped + ran.length).toBe(a.state().iterations + b.state().iterations);
    const { rows } = await db.query(
      "lease",
      "SELECT iteration, last_success_at IS NOT NULL AS ok FROM worker_leases WHERE name = 'reconcile'",
    );
    expect(rows[0]).toMatchObject({ ok: true });
  });

  it("runs each slot once even when the iteration is quick and the other replica starts later", async () => {
    const store = sqlLeaseStore(db.forKind("worker"));
    const ran: Array<{ holder: string; at: number }> = [];
    // Replica b's start lands 60 ms after a's on every slot: a has long released its lease.
    const replica = (holder: string, random: number) =>
      new Loop({
        name: "crypto_watcher",
        intervalMs: 150,
        offsetMs: 0,
        jitterMs: 61,
        random: () => random,
        heavy: false,
        gate: new StartGate(0),
        lease: { store, holder },
        logger: captureLogs().logger,
        metrics: createMetrics(),
        run: async () => {
          ran.push({ holder, at: Date.now() });
          return undefined;
        },
      });
    const a = replica("replica-a", 0);
    const b = replica("replica-b", 0.99);
    a.start();
    b.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([a.stop(), b.stop()]);
    const slots = ran.map((r) => Math.floor(r.at / 150));
    expect(ran.length).toBeGreaterThanOrEqual(4);
    expect(new Set(slots).size).toBe(slots.length);
    expect(ran.length).toBeLessThanOrEqual(a.state().iterations);
  });

  it("is taken over when its holder died mid-iteration (the lease expires)", async () => {
    const store = sqlLeaseStore(db.forKind("worker"));
    expect(await store.tryTake("digest", "crashed", 100)).toBe(true);
    expect(await store.tryTake("digest", "survivor", 10_000)).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(await store.tryTake("digest", "survivor", 10_000)).toBe(true);
  });
});
