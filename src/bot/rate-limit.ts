/**
 * Per-customer token buckets for expensive actions (a flow screen, a trial, an invoice). In
 * memory and per process: a replica sees only its share of a customer's updates, which is fine
 * for a guard against button mashing. Memory stays bounded: full buckets are forgotten.
 */
export class RateLimiter {
  readonly #buckets = new Map<number, { tokens: number; at: number }>();
  /** When each customer was last told to slow down (in the chat). */
  readonly #told = new Map<number, number>();
  #lastSweep: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#lastSweep = now();
  }

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: number): boolean {
    const now = this.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(
      this.capacity,
      bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    return true;
  }

  /**
   * Whether to tell `key` in the chat that they are going too fast: once until a token is back.
   * A backlog (a customer's updates queued during an outage, handled in a burst) is not a
   * flood, and gets one "slow down", not one per queued update.
   */
  shouldTell(key: number): boolean {
    const now = this.now();
    const last = this.#told.get(key);
    const tokenBackMs = 1000 / Math.max(this.refillPerSecond, 1e-9);
    if (last !== undefined && now - last < tokenBackMs) return false;
    this.#told.set(key, now);
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    const fullAfterMs = (this.capacity / Math.max(this.refillPerSecond, 1e-9)) * 1000;
    if (now - this.#lastSweep < Math.min(fullAfterMs, 60_000)) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at >= fullAfterMs) this.#buckets.delete(key);
    }
    for (const [key, at] of this.#told) {
      if (now - at >= fullAfterMs) this.#told.delete(key);
    }
  }
}
