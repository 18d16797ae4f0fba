/**
 * Per-customer token buckets for expensive actions (a flow screen, a trial, an invoice). In
 * memory and per process: a replica sees only its share of a customer's updates, which is fine
 * for a guard against button mashing. Memory stays bounded: full buckets are forgotten.
 */
export class RateLimiter {
  readonly #buckets = new Map<number, { tokens: number; at: number }>();
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
  }
}
