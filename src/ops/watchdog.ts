import { type IntervalHistogram, monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { PoolStats } from "../db/pool.js";
import { toError } from "../util/errors.js";
import type { LoopState } from "../workers/loop.js";
import type { FreshDatabaseProbe } from "./database-health.js";
import type { Metrics } from "./metrics.js";

/** A part's answer to "are you making progress?". Failing is not stuck; hung is. */
export interface PartCheck {
  stuck: boolean;
  detail?: string;
}

export interface WatchedPart {
  name: string;
  check(): PartCheck;
}

export interface WatchdogOptions {
  checkIntervalMs: number;
  /** Delay between the last log line and SIGKILL, so the line has a chance to be written. */
  exitDelayMs: number;
  logger: Logger;
  metrics: Metrics;
  /** Ends the process; SIGKILL to ourselves by default (never `process.exit`, see R6). */
  kill?: () => void;
}

export interface WatchdogStatus {
  ok: boolean;
  stuck: Array<{ part: string; detail?: string }>;
}

const killSelf = () => process.kill(process.pid, "SIGKILL");

/**
 * Fires on the *first* stuck part (R6), unlike the previous service's watchdog that waited for
 * all heartbeats to go stale. The exit never waits on logging: one asynchronous log line, then
 * SIGKILL on a short timer, because `process.exit()` runs pino's synchronous flush and hangs on a
 * blocked stdout.
 */
export class Watchdog {
  readonly #o: WatchdogOptions;
  readonly #parts: WatchedPart[] = [];
  #timer: NodeJS.Timeout | undefined;
  #firing = false;
  #last: WatchdogStatus = { ok: true, stuck: [] };

  constructor(options: WatchdogOptions) {
    this.#o = options;
  }

  register(part: WatchedPart): void {
    this.#parts.push(part);
  }

  /** The current verdict, computed now (cheap; `/health` calls it). */
  status(): WatchdogStatus {
    const stuck: WatchdogStatus["stuck"] = [];
    for (const part of this.#parts) {
      let result: PartCheck;
      try {
        result = part.check();
      } catch (err) {
        result = { stuck: false, detail: `check failed: ${toError(err).message}` };
      }
      if (result.stuck) stuck.push({ part: part.name, detail: result.detail });
    }
    this.#last = { ok: stuck.length === 0, stuck };
    this.#o.metrics.watchdogStuck.set(stuck.length);
    return this.#last;
  }

  lastStatus(): WatchdogStatus {
    return this.#last;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#o.checkIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#firing) return;
    const status = this.status();
    if (status.ok) return;
    this.#firing = true;
    this.#o.logger.error(
      { event: "watchdog_exit", stuck: status.stuck },
      "watchdog: a part is stuck, killing the process so the platform restarts it",
    );
    const timer = setTimeout(this.#o.kill ?? killSelf, this.#o.exitDelayMs);
    timer.unref?.();
  }
}

/** Event-loop delay part: stuck when one stall since the last check exceeded `maxDelayMs`. */
export function eventLoopPart(maxDelayMs: number): WatchedPart & { histogram: IntervalHistogram } {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  let lastMax = 0;
  let lastReadAt = performance.now();
  return {
    name: "event_loop",
    histogram,
    check() {
      // Read and reset at most once per 500 ms, so frequent /health calls don't hide a stall.
      const now = performance.now();
      if (now - lastReadAt >= 500) {
        lastMax = histogram.max / 1e6;
        histogram.reset();
        lastReadAt = now;
      }
      return lastMax > maxDelayMs
        ? { stuck: true, detail: `event loop stalled ${Math.round(lastMax)} ms` }
        : { stuck: false };
    },
  };
}

/**
 * Pool part: checkouts have waited continuously and none got a connection for `stuckMs`. That
 * alone does not say why, so the server is asked on a new connection outside the pool (`database`):
 * - it answers → the pool itself is stuck (connections held by hung work): stuck, the process
 *   exits and the platform restarts it;
 * - it does not answer → a database outage: not stuck (a restart would not help); `/ready` names
 *   the database, and the probe repeats so recovery is noticed.
 * Only a probe that *started* after the pool stopped making progress counts, and a success must
 * be `confirmMs` old with still no checkout served, so a database that just came back is not
 * mistaken for a stuck pool. Without `database` the stall alone decides.
 */
export function poolPart(
  stats: () => PoolStats,
  stuckMs: number,
  database?: FreshDatabaseProbe,
  now: () => number = () => performance.now(),
): WatchedPart {
  const confirmMs = Math.min(1_000, stuckMs / 4);
  return {
    name: "db_pool",
    check() {
      const s = stats();
      if (s.waiting === 0 || s.waitingSince === undefined) return { stuck: false };
      const t = now();
      const progressAt = Math.max(s.lastAcquiredAt, s.waitingSince);
      const sinceProgress = t - progressAt;
      const starving = `${s.waiting} checkouts waiting, none served for ${Math.round(sinceProgress)} ms`;
      if (!database) {
        return sinceProgress > stuckMs ? { stuck: true, detail: starving } : { stuck: false };
      }
      // Ask early, so the verdict is in by the time the budget is spent.
      if (sinceProgress <= stuckMs / 2) return { stuck: false };
      const probe = database.last();
      const fresh = probe !== undefined && probe.startedAt >= progressAt;
      if (!fresh || (!probe.ok && t - probe.finishedAt >= stuckMs / 2)) database.request();
      if (!fresh) return { stuck: false };
      if (!probe.ok) return { stuck: false, detail: `database outage: ${probe.detail}` };
      if (sinceProgress <= stuckMs || t - probe.finishedAt < confirmMs) return { stuck: false };
      return {
        stuck: true,
        detail: `${starving}, while the database answers a new connection in ${Math.round(
          probe.finishedAt - probe.startedAt,
        )} ms`,
      };
    },
  };
}

/**
 * Worker part: stuck when an iteration has been running longer than `factor × interval` (and
 * at least `minMs`). An iteration that met an outage and returned has finished: not stuck.
 */
export function loopPart(
  state: () => Readonly<LoopState>,
  factor: number,
  minMs: number,
  now: () => number = Date.now,
): WatchedPart {
  const name = `worker:${state().name}`;
  return {
    name,
    check() {
      const s = state();
      if (s.currentStartedAt === undefined) return { stuck: false };
      const budget = Math.max(factor * s.intervalMs, minMs);
      const running = now() - s.currentStartedAt;
      return running > budget
        ? { stuck: true, detail: `iteration running for ${running} ms (budget ${budget} ms)` }
        : { stuck: false };
    },
  };
}

/**
 * A thread that notices a fully blocked main thread, which no timer on the main thread can. The
 * main thread stores a heartbeat in shared memory; when it is older than `blockedMs`, the
 * sentinel writes one line to stdout asynchronously and SIGKILLs the process.
 */
export function startMainThreadSentinel(opts: {
  blockedMs: number;
  beatMs: number;
  exitDelayMs: number;
}): { stop(): Promise<void> } {
  const shared = new SharedArrayBuffer(8);
  const beat = new Float64Array(shared);
  const touch = () => {
    beat[0] = Date.now();
  };
  touch();
  const heartbeat = setInterval(touch, opts.beatMs);
  heartbeat.unref();
  const worker = new Worker(SENTINEL_SOURCE, {
    eval: true,
    workerData: { shared, blockedMs: opts.blockedMs, exitDelayMs: opts.exitDelayMs },
    stdout: false,
    stderr: false,
    execArgv: [],
  });
  worker.unref();
  return {
    async stop() {
      clearInterval(heartbeat);
      await worker.terminate();
    },
  };
}

const SENTINEL_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const beat = new Float64Array(workerData.shared);
const poll = Math.max(20, Math.min(250, Math.floor(workerData.blockedMs / 4)));
const timer = setInterval(() => {
  const silentMs = Date.now() - beat[0];
  if (silentMs <= workerData.blockedMs) return;
  clearInterval(timer);
  const line = JSON.stringify({
    level: "error",
    time: new Date().toISOString(),
    service: "vpn-bot",
    event: "watchdog_exit",
    stuck: [{ part: "main_thread", detail: "main thread blocked for " + silentMs + " ms" }],
    msg: "watchdog: main thread blocked, killing the process so the platform restarts it",
  }) + "\\n";
  fs.write(1, line, () => {});
  setTimeout(() => process.kill(process.pid, "SIGKILL"), workerData.exitDelayMs);
}, poll);
`;
