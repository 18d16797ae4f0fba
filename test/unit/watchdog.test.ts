import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import type { PoolStats } from "../../src/db/pool.js";
import type { ProbeResult } from "../../src/ops/database-health.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { loopPart, poolPart, Watchdog } from "../../src/ops/watchdog.js";
import type { LoopState } from "../../src/workers/loop.js";
import { captureLogs } from "../support/logs.js";

const idleLoop: LoopState = {
  name: "reconcile",
  intervalMs: 1_000,
  running: true,
  currentStartedAt: undefined,
  lastStartedAt: undefined,
  lastFinishedAt: undefined,
  lastSuccessAt: undefined,
  lastError: undefined,
  iterations: 0,
  failures: 0,
};

function pool(overrides: Partial<PoolStats>): PoolStats {
  return {
    max: 2,
    total: 2,
    idle: 0,
    waiting: 0,
    waitingSince: undefined,
    lastAcquiredAt: performance.now(),
    workerInUse: 0,
    workerWaiting: 0,
    ...overrides,
  };
}

describe("watchdog parts (R6)", () => {
  it("a worker is stuck only while one iteration runs past k × interval", () => {
    const now = 100_000;
    const check = (s: Partial<LoopState>) =>
      loopPart(
        () => ({ ...idleLoop, ...s }),
        4,
        500,
        () => now,
      ).check();
    expect(check({})).toEqual({ stuck: false });
    // Failing iterations that returned are progress, not a hang.
    expect(check({ lastError: "vpn down", failures: 30, lastFinishedAt: now - 10 })).toEqual({
      stuck: false,
    });
    expect(check({ currentStartedAt: now - 3_999 })).toEqual({ stuck: false });
    expect(check({ currentStartedAt: now - 4_001 })).toMatchObject({ stuck: true });
  });

  it("the pool is stuck when checkouts keep waiting and none is served", () => {
    const now = performance.now();
    expect(poolPart(() => pool({}), 1_000).check()).toEqual({ stuck: false });
    // Busy but moving: requests wait, yet someone got a connection recently.
    expect(
      poolPart(
        () => pool({ waiting: 3, waitingSince: now - 5_000, lastAcquiredAt: now - 100 }),
        1_000,
      ).check(),
    ).toEqual({ stuck: false });
    // A first request after a quiet night is not a stall.
    expect(
      poolPart(
        () => pool({ waiting: 1, waitingSince: now - 10, lastAcquiredAt: now - 3_600_000 }),
        1_000,
      ).check(),
    ).toEqual({ stuck: false });
    expect(
      poolPart(
        () => pool({ waiting: 2, waitingSince: now - 2_000, lastAcquiredAt: now - 2_500 }),
        1_000,
      ).check(),
    ).toMatchObject({ stuck: true });
  });

  it("a starving pool is stuck only if the database answers a fresh connection; otherwise an outage", () => {
    let now = 10_000;
    let last: ProbeResult | undefined;
    let requests = 0;
    const database = {
      last: () => last,
      request: () => {
        requests++;
      },
    };
    const starving = () => pool({ waiting: 5, waitingSince: 9_000, lastAcquiredAt: 8_000 });
    const part = poolPart(starving, 1_000, database, () => now);
    // Half the budget gone: the probe is asked for, nothing is decided yet.
    now = 9_600;
    expect(part.check()).toEqual({ stuck: false });
    expect(requests).toBe(1);
    // Budget spent but no probe since the stall began: still no verdict (a stale success from
    // before the stall does not count).
    now = 10_100;
    last = { ok: true, startedAt: 8_500, finishedAt: 8_510 };
    expect(part.check()).toEqual({ stuck: false });
    // The database does not answer: an outage, never a restart.
    last = { ok: false, startedAt: 9_600, finishedAt: 10_100, detail: "not answering" };
    expect(part.check()).toEqual({ stuck: false, detail: "database outage: not answering" });
    now = 30_000;
    expect(part.check()).toMatchObject({ stuck: false });
    expect(requests).toBeGreaterThan(1); // keeps probing, so recovery is noticed
    // The database answers while the pool still serves nobody: stuck, once the answer is old
    // enough that a just-recovered pool would have moved.
    last = { ok: true, startedAt: 29_700, finishedAt: 29_900 };
    expect(part.check()).toEqual({ stuck: false });
    now = 30_200;
    expect(part.check()).toMatchObject({
      stuck: true,
      detail: expect.stringMatching(/5 checkouts waiting.*database answers a new connection/),
    });
  });

  it("fires once, on the first stuck part, with one log line before the kill", async () => {
    const logs = captureLogs();
    let kills = 0;
    const watchdog = new Watchdog({
      checkIntervalMs: 10,
      exitDelayMs: 5,
      logger: logs.logger,
      metrics: createMetrics(),
      kill: () => kills++,
    });
    watchdog.register({ name: "event_loop", check: () => ({ stuck: false }) });
    watchdog.register({
      name: "worker:activation",
      check: () => ({ stuck: true, detail: "hung" }),
    });
    watchdog.start();
    await new Promise((r) => setTimeout(r, 100));
    watchdog.stop();
    expect(kills).toBe(1);
    const exits = logs.lines.filter((l) => l.event === "watchdog_exit");
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({
      level: 50,
      stuck: [{ part: "worker:activation", detail: "hung" }],
    });
  });
});
