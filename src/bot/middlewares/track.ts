import { performance } from "node:perf_hooks";
import type { Context, MiddlewareFn } from "grammy";
import type { Update } from "grammy/types";
import type { Metrics } from "../../ops/metrics.js";

/** The update's kind: the first field besides `update_id` ("message", "callback_query", …). */
export function updateType(update: Update): string {
  for (const key of Object.keys(update)) if (key !== "update_id") return key;
  return "unknown";
}

/**
 * Updates being handled right now, for the webhook watchdog (a handler running past its
 * budget is hung) and for draining on stop.
 */
export class UpdateTracker {
  readonly #inFlight = new Map<number, number>();
  #seq = 0;
  #idle: Array<() => void> = [];

  begin(): number {
    const token = ++this.#seq;
    this.#inFlight.set(token, performance.now());
    return token;
  }

  end(token: number): void {
    this.#inFlight.delete(token);
    if (this.#inFlight.size === 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const wake of waiters) wake();
    }
  }

  get size(): number {
    return this.#inFlight.size;
  }

  /** How long the oldest in-flight update has been running, in ms (0 when none). */
  oldestRunningMs(now = performance.now()): number {
    let oldest = now;
    for (const startedAt of this.#inFlight.values()) oldest = Math.min(oldest, startedAt);
    return now - oldest;
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Outermost middleware: in-flight tracking and `bot_update_duration_seconds{type}`. */
export function trackUpdates<C extends Context>(
  tracker: UpdateTracker,
  metrics: Metrics,
): MiddlewareFn<C> {
  return async (ctx, next) => {
    const token = tracker.begin();
    const started = performance.now();
    try {
      await next();
    } finally {
      tracker.end(token);
      metrics.botUpdate.observe(
        { type: updateType(ctx.update) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
