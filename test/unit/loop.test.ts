import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import {
  type IterationContext,
  type IterationReport,
  Loop,
  type LoopOptions,
} from "../../src/workers/loop.js";
import { StartGate } from "../../src/workers/start-gate.js";
import { captureLogs } from "../support/logs.js";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function makeLoop(overrides: Partial<LoopOptions> & Pick<LoopOptions, "run">): Loop {
  return new Loop({
    name: "probe",
    intervalMs: 1_000,
    offsetMs: 0,
    jitterMs: 0,
    heavy: false,
    gate: new StartGate(1_000),
    logger: silentLogger(),
    metrics: createMetrics(),
    ...overrides,
  });
}

describe("worker loop and start gate (R4)", () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    vi.setSystemTime(T0 + 100);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets at most one heavy worker start per second, even when their grids coincide", async () => {
    const gate = new StartGate(1_000);
    const starts: Array<[string, number]> = [];
    const record = (name: string) => async () => {
      starts.push([name, Date.now() - T0]);
      return undefined;
    };
    const loops = [
      ...["a", "b", "c", "d"].map((name) =>
        makeLoop({ name, intervalMs: 60_000, heavy: true, gate, run: record(name) }),
      ),
      makeLoop({ name: "light", intervalMs: 60_000, heavy: false, gate, run: record("light") }),
    ];
    for (const l of loops) l.start();
    await vi.advanceTimersByTimeAsync(60_000 + 5_000);
    await Promise.all(loops.map((l) => l.stop()));

    const heavy = starts.filter(([n]) => n !== "light").map(([, t]) => t);
    expect(heavy).toEqual([60_000, 61_000, 62_000, 63_000]);
    // A light worker is not gated.
    expect(starts.find(([n]) => n === "light")?.[1]).toBe(60_000);
  });

  it("does not hold a heavy worker back for its own previous start", async () => {
    const gate = new StartGate(1_000);
    const starts: number[] = [];
    const jitter = [0.99, 0, 0, 0];
    const loop = makeLoop({
      heavy: true,
      gate,
      jitterMs: 250,
      random: () => jitter.shift() ?? 0,
      run: async () => {
        starts.push(Date.now() - T0);
        return undefined;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(3_500);
    await loop.stop();
    // The late first start (jitter 49 ms: 250 ms capped at 5 % of the interval) does not push
    // the next ones late as well.
    expect(starts).toEqual([1_049, 2_000, 3_000]);
  });

  it("starts on its own grid: offset + n × interval", async () => {
    const starts: number[] = [];
    const loop = makeLoop({
      intervalMs: 1_000,
      offsetMs: 250,
      run: async () => {
        starts.push(Date.now() - T0);
        return undefined;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(3_500);
    await loop.stop();
    expect(starts).toEqual([250, 1_250, 2_250, 3_250]);
  });

  it("never overlaps itself and skips to the next free slot after an overrun", async () => {
    const starts: number[] = [];
    let concurrent = 0;
    let peak = 0;
    const loop = makeLoop({
      intervalMs: 1_000,
      run: async () => {
        starts.push(Date.now() - T0);
        concurrent++;
        peak = Math.max(peak, concurrent);
        if (starts.length === 1) await new Promise((r) => setTimeout(r, 2_500));
        concurrent--;
        return undefined;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(6_000);
    await loop.stop();
    expect(peak).toBe(1);
    // The first iteration ran 1000 → 3500; 2000 and 3000 were skipped, 4000 is the next slot.
    expect(starts.slice(0, 3)).toEqual([1_000, 4_000, 5_000]);
  });

  it("hands each iteration an AbortSignal that stop() aborts, and exposes liveness", async () => {
    let seen: IterationContext | undefined;
    const loop = makeLoop({
      run: (ctx) => {
        seen = ctx;
        return new Promise((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve({ counts: { processed: 0 } })),
        );
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(loop.state()).toMatchObject({
      running: true,
      currentStartedAt: T0 + 1_000,
      lastStartedAt: T0 + 1_000,
      iterations: 1,
    });
    expect(seen?.deadline).toBe(T0 + 1_000 + 800);
    await loop.stop();
    expect(seen?.signal.aborted).toBe(true);
    expect(loop.state()).toMatchObject({
      running: false,
      currentStartedAt: undefined,
      lastFinishedAt: T0 + 1_200,
    });
  });

  it("counts the budget from the grid slot, so a jittered start still ends before the next slot", async () => {
    const seen: IterationContext[] = [];
    const starts: number[] = [];
    const loop = makeLoop({
      jitterMs: 250,
      random: () => 0.99,
      run: async (ctx) => {
        seen.push(ctx);
        starts.push(Date.now());
        // Works until its deadline, as a batch worker does.
        await new Promise((r) => {
          setTimeout(r, ctx.deadline - Date.now());
          ctx.signal.addEventListener("abort", r);
        });
        return { counts: { processed: 1 } };
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(3_400);
    await loop.stop();
    // Started 49 ms after each slot (the 250 ms jitter is capped at 5 % of the interval); the
    // deadline is the slot's plus 800 ms, not the start's.
    expect(starts.slice(0, 3)).toEqual([T0 + 1_049, T0 + 2_049, T0 + 3_049]);
    expect(seen[0]?.deadline).toBe(T0 + 1_000 + 800);
  });

  it("logs an iteration that did nothing at debug, one that did something at info", async () => {
    const logs = captureLogs();
    let n = 0;
    const loop = makeLoop({
      name: "mostly_idle",
      logger: logs.logger,
      run: async (): Promise<IterationReport | undefined> => {
        n++;
        if (n === 1) return { counts: { claimed: 0, sent: 0 } };
        if (n === 2) return undefined;
        if (n === 3) return { outcome: "skipped" };
        if (n === 4) return { outcome: "degraded", counts: { claimed: 0 } };
        return { counts: { claimed: 1, sent: 0 } };
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(5_500);
    await loop.stop();
    const levels = logs.lines
      .filter((l) => l.msg === "worker iteration" && l.worker === "mostly_idle")
      .map((l) => [l.outcome, l.level]);
    // 20 = debug, 30 = info: a degraded iteration (a dependency failed) is never quiet.
    expect(levels).toEqual([
      ["ok", 20],
      ["ok", 20],
      ["skipped", 20],
      ["degraded", 30],
      ["ok", 30],
    ]);
  });

  it("logs one line per iteration with its counts, and records failures", async () => {
    const logs = captureLogs();
    const metrics = createMetrics();
    let n = 0;
    const loop = makeLoop({
      name: "counting",
      logger: logs.logger,
      metrics,
      run: async () => {
        n++;
        if (n === 2) throw new Error("vpn api unavailable");
        return { counts: { claimed: 3, done: 2 } };
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(2_500);
    await loop.stop();

    expect(logs.lines.filter((l) => l.worker === "counting").map((l) => l.msg)).toEqual([
      "worker iteration",
      "worker iteration failed",
    ]);
    expect(logs.find("worker iteration")).toMatchObject({
      worker: "counting",
      outcome: "ok",
      claimed: 3,
      done: 2,
    });
    expect(logs.find("worker iteration failed")).toMatchObject({
      outcome: "error",
      err: "vpn api unavailable",
    });
    expect(loop.state()).toMatchObject({
      iterations: 2,
      failures: 1,
      lastError: "vpn api unavailable",
    });
    const outcomes = (await metrics.workerIteration.get()).values
      .filter((v) => v.metricName === "worker_iteration_duration_seconds_count")
      .map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ["ok", 1],
        ["error", 1],
      ]),
    );
    const lastSuccess = (await metrics.workerLastSuccess.get()).values[0];
    expect(lastSuccess).toMatchObject({
      labels: { worker: "counting" },
      value: (T0 + 1_000) / 1000,
    });
  });
});
