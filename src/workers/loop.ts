import type { Logger } from "pino";
import type { Metrics } from "../ops/metrics.js";
import { abortableDelay, settlesWithin } from "../util/delay.js";
import type { LeaseStore } from "./lease.js";
import type { StartGate } from "./start-gate.js";

/** What one iteration reports; counts go on its log line. */
export interface IterationReport {
  /** `ok` by default; `degraded` when a dependency failed and the work was left for later. */
  outcome?: "ok" | "degraded" | "skipped";
  counts?: Record<string, number>;
}

export interface IterationContext {
  /**
   * Aborted by `stop()`. The time budget does not abort calls in flight (an aborted VPN or
   * Telegram call has an unknown outcome and would be repeated): iterations check `deadline`
   * before starting the next item instead, and every call has its own timeout.
   */
  signal: AbortSignal;
  /** Epoch ms by which the iteration should wrap up its batch. */
  deadline: number;
  iteration: number;
  logger: Logger;
}

export interface LoopOptions {
  name: string;
  intervalMs: number;
  /** Position on the grid: starts happen at `offsetMs + n × intervalMs` (epoch-anchored). */
  offsetMs: number;
  /**
   * Up to this many ms (and at most 5 % of the interval) are added to each start so replicas do
   * not hit the same instant.
   */
  jitterMs: number;
  /** Heavy workers pass the process-wide start gate (R4). */
  heavy: boolean;
  /**
   * Time budget of one iteration, counted from its grid slot (see `iterationDeadline`); defaults
   * to 80 % of the interval.
   */
  budgetMs?: number;
  gate: StartGate;
  /**
   * Run each slot on one replica only: the iteration takes this lease for its slot first and
   * is `skipped` (which counts as finished) when another replica holds it or already ran it.
   */
  lease?: { store: LeaseStore; holder: string };
  logger: Logger;
  metrics: Metrics;
  run(ctx: IterationContext): Promise<IterationReport | undefined>;
  now?: () => number;
  random?: () => number;
}

export interface LoopState {
  name: string;
  intervalMs: number;
  running: boolean;
  /** Set while an iteration is in progress (including its wait at the start gate). */
  currentStartedAt: number | undefined;
  lastStartedAt: number | undefined;
  lastFinishedAt: number | undefined;
  lastSuccessAt: number | undefined;
  lastError: string | undefined;
  iterations: number;
  failures: number;
}

/**
 * The start jitter, at most a twentieth of the interval: it only has to keep replicas from
 * starting at the same instant, and it comes out of the iteration's budget (see
 * `iterationDeadline`). Every default interval is ≥ 5 s, so this bounds only short ones.
 */
function maxJitter(jitterMs: number, intervalMs: number): number {
  return Math.min(jitterMs, Math.floor(intervalMs / 20));
}

/**
 * The budget runs from the grid slot, not from the start: the jitter and the start gate's wait
 * come out of it, so an iteration that keeps to its budget ends before its next slot and never
 * skips one. A start delayed past half the budget still gets half of it.
 */
function iterationDeadline(slot: number, started: number, budgetMs: number): number {
  return Math.max(slot + budgetMs, started + Math.floor(budgetMs / 2));
}

/** An iteration that finished without doing anything: every count is 0 (or it was skipped). */
function didNothing(outcome: string, counts: Record<string, number>): boolean {
  if (outcome === "skipped") return true;
  return outcome === "ok" && Object.values(counts).every((n) => n === 0);
}

/**
 * A worker loop pinned to its own grid (R4): `setTimeout`-driven, never overlapping itself; an
 * iteration that overruns skips to the next free slot, so drift can never line loops up.
 */
export class Loop {
  readonly #o: LoopOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #log: Logger;
  #stopController = new AbortController();
  #runPromise: Promise<void> | undefined;
  #lastSlot = Number.NEGATIVE_INFINITY;
  readonly #state: LoopState;

  constructor(options: LoopOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger.child({ worker: options.name });
    this.#state = {
      name: options.name,
      intervalMs: options.intervalMs,
      running: false,
      currentStartedAt: undefined,
      lastStartedAt: undefined,
      lastFinishedAt: undefined,
      lastSuccessAt: undefined,
      lastError: undefined,
      iterations: 0,
      failures: 0,
    };
  }

  get name(): string {
    return this.#o.name;
  }

  state(): Readonly<LoopState> {
    return { ...this.#state };
  }

  /** The next grid slot strictly after the last one used and not in the past. */
  nextSlot(after: number = this.#now()): number {
    const { intervalMs, offsetMs } = this.#o;
    const n = Math.ceil((after - offsetMs) / intervalMs);
    let slot = offsetMs + n * intervalMs;
    if (slot <= this.#lastSlot) slot = this.#lastSlot + intervalMs;
    return slot;
  }

  start(): void {
    if (this.#runPromise) return;
    this.#stopController = new AbortController();
    this.#state.running = true;
    this.#runPromise = this.#loop().finally(() => {
      this.#state.running = false;
    });
  }

  async #loop(): Promise<void> {
    const stop = this.#stopController.signal;
    while (!stop.aborted) {
      const slot = this.nextSlot();
      const jitter = Math.floor(this.#random() * maxJitter(this.#o.jitterMs, this.#o.intervalMs));
      await abortableDelay(slot + jitter - this.#now(), stop);
      if (stop.aborted) break;
      this.#lastSlot = slot;
      await this.#iterate(stop, slot);
    }
  }

  async #iterate(stop: AbortSignal, slot: number): Promise<void> {
    const s = this.#state;
    s.currentStartedAt = this.#now();
    if (this.#o.heavy) await this.#o.gate.enter(stop, this.#o.name);
    if (stop.aborted) {
      s.currentStartedAt = undefined;
      return;
    }
    const started = this.#now();
    s.lastStartedAt = started;
    const iteration = ++s.iterations;
    const budgetMs = this.#o.budgetMs ?? Math.floor(this.#o.intervalMs * 0.8);
    let outcome: string;
    let counts: Record<string, number> = {};
    let error: unknown;
    const lease = this.#o.lease;
    let leased = false;
    try {
      // Held past the budget: calls in flight may overrun it, and another replica must not
      // start the same work meanwhile. Released at the end; a crashed holder's lapses. The
      // slot makes it one run per slot across replicas (see LeaseStore).
      const leaseMs = budgetMs + Math.max(60_000, budgetMs);
      leased = lease ? await lease.store.tryTake(this.#o.name, lease.holder, leaseMs, slot) : true;
      if (!leased) {
        outcome = "skipped";
      } else {
        const report = await this.#o.run({
          signal: stop,
          deadline: iterationDeadline(slot, started, budgetMs),
          iteration,
          logger: this.#log,
        });
        outcome = report?.outcome ?? "ok";
        counts = report?.counts ?? {};
      }
      if (lease && leased)
        await lease.store.release(this.#o.name, lease.holder, outcome !== "error");
    } catch (err) {
      if (lease && leased) {
        await lease.store.release(this.#o.name, lease.holder, false).catch(() => {});
      }
      error = err;
      outcome = stop.aborted ? "aborted" : "error";
    }
    const finished = this.#now();
    const durationMs = finished - started;
    s.currentStartedAt = undefined;
    s.lastFinishedAt = finished;
    this.#o.metrics.workerIteration.observe({ worker: this.#o.name, outcome }, durationMs / 1000);
    if (outcome === "ok" || outcome === "skipped") {
      s.lastSuccessAt = finished;
      s.lastError = undefined;
      this.#o.metrics.workerLastSuccess.set({ worker: this.#o.name }, finished / 1000);
    }
    const line = { iteration, duration_ms: durationMs, outcome, ...counts };
    if (error !== undefined) {
      s.failures++;
      s.lastError = error instanceof Error ? error.message : String(error);
      this.#log.warn({ ...line, err: s.lastError }, "worker iteration failed");
    } else if (didNothing(outcome, counts)) {
      // An idle worker (nothing claimed, sent or changed; or the lease was elsewhere) stays
      // quiet at info: a 5 s loop would otherwise fill the log with empty lines.
      this.#log.debug(line, "worker iteration");
    } else {
      this.#log.info(line, "worker iteration");
    }
  }

  /** Aborts the current iteration and waits up to `timeoutMs` for it to return. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.#stopController.abort();
    const running = this.#runPromise;
    if (!running) return;
    if (!(await settlesWithin(running, timeoutMs))) {
      this.#log.warn({ timeout_ms: timeoutMs }, "worker did not stop in time");
    }
    this.#runPromise = undefined;
  }
}
