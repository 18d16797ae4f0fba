import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

interface HolderStats {
  count: number;
  statements: number;
  holdMs: number;
  maxHoldMs: number;
}

export interface PoolReport {
  checkouts: number;
  /** Statements sent on those checkouts (BEGIN and COMMIT count). */
  statements: number;
  wait_p50_ms: number;
  wait_p99_ms: number;
  hold_p50_ms: number;
  hold_p99_ms: number;
  hold_max_ms: number;
  top_holders: Array<{
    label: string;
    count: number;
    statements: number;
    hold_ms: number;
    max_ms: number;
  }>;
}

const toMs = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * Percentiles of wait and hold since the last report. Prometheus histograms are cumulative, so
 * the minute report keeps its own `perf_hooks` histograms and resets them each time.
 */
export class PoolReportWindow {
  #wait: RecordableHistogram = createHistogram();
  #hold: RecordableHistogram = createHistogram();
  #holders = new Map<string, HolderStats>();
  #count = 0;
  #statements = 0;

  record(label: string, waitMs: number, holdMs: number, statements = 0): void {
    this.#count++;
    this.#statements += statements;
    this.#wait.record(Math.max(1, Math.round(waitMs * 1e6)));
    this.#hold.record(Math.max(1, Math.round(holdMs * 1e6)));
    const h = this.#holders.get(label) ?? { count: 0, statements: 0, holdMs: 0, maxHoldMs: 0 };
    h.count++;
    h.statements += statements;
    h.holdMs += holdMs;
    h.maxHoldMs = Math.max(h.maxHoldMs, holdMs);
    this.#holders.set(label, h);
  }

  /** Returns the window's numbers and starts a new window. */
  take(topN = 5): PoolReport {
    const empty = this.#count === 0;
    const report: PoolReport = {
      checkouts: this.#count,
      statements: this.#statements,
      wait_p50_ms: empty ? 0 : toMs(this.#wait.percentile(50)),
      wait_p99_ms: empty ? 0 : toMs(this.#wait.percentile(99)),
      hold_p50_ms: empty ? 0 : toMs(this.#hold.percentile(50)),
      hold_p99_ms: empty ? 0 : toMs(this.#hold.percentile(99)),
      hold_max_ms: empty ? 0 : toMs(this.#hold.max),
      top_holders: [...this.#holders.entries()]
        .sort((a, b) => b[1].holdMs - a[1].holdMs)
        .slice(0, topN)
        .map(([label, h]) => ({
          label,
          count: h.count,
          statements: h.statements,
          hold_ms: Math.round(h.holdMs),
          max_ms: Math.round(h.maxHoldMs),
        })),
    };
    this.#wait.reset();
    this.#hold.reset();
    this.#holders = new Map();
    this.#count = 0;
    this.#statements = 0;
    return report;
  }
}

/**
 * Acquire waits of the last few minutes, kept in one histogram per minute: the percentile spans
 * the current minute and the `minutes - 1` before it, whatever the `pool_report` cadence.
 */
export class RecentWaits {
  readonly #slots: Array<{ minute: number; histogram: RecordableHistogram; count: number }> = [];

  constructor(
    readonly minutes = 5,
    readonly now: () => number = Date.now,
  ) {}

  record(waitMs: number): void {
    const minute = Math.floor(this.now() / 60_000);
    let slot = this.#slots.at(-1);
    if (!slot || slot.minute !== minute) {
      slot = { minute, histogram: createHistogram(), count: 0 };
      this.#slots.push(slot);
      while (this.#slots.length > this.minutes) this.#slots.shift();
    }
    slot.histogram.record(Math.max(1, Math.round(waitMs * 1e6)));
    slot.count++;
  }

  /** p99 in ms over the recent minutes; null when nothing waited for a connection then. */
  p99Ms(): number | null {
    const oldest = Math.floor(this.now() / 60_000) - this.minutes + 1;
    const recent = this.#slots.filter((s) => s.minute >= oldest && s.count > 0);
    if (recent.length === 0) return null;
    const merged = createHistogram();
    for (const s of recent) merged.add(s.histogram);
    return toMs(merged.percentile(99));
  }
}
