import type { Update } from "grammy/types";

/**
 * The runner's sink, replacing its concurrent sink: at most `concurrency` updates are handled
 * at once; further updates wait in a FIFO buffer, and only when the buffer holds `maxBuffered`
 * updates does the runner stop fetching. So getUpdates keeps running while handlers are busy —
 * pre-checkout queries (dispatched by the fetcher, outside this queue) still arrive and are
 * answered in time — and memory stays bounded when handlers hang (the watchdog then sees
 * getUpdates stop).
 */
export class UpdateDispatcher {
  #running = 0;
  readonly #buffer: Update[] = [];
  #spaceWaiters: Array<() => void> = [];

  constructor(
    private readonly handle: (update: Update) => Promise<void>,
    private readonly concurrency: number,
    private readonly maxBuffered: number,
  ) {}

  /** The sink's `handle`: resolves with the pace (how many updates to ask for next, ≥ 1). */
  async accept(updates: readonly Update[]): Promise<number> {
    this.#buffer.push(...updates);
    this.#pump();
    while (this.#buffer.length >= this.maxBuffered) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    return Math.max(1, Math.min(100, this.concurrency - this.#running));
  }

  get running(): number {
    return this.#running;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  #pump(): void {
    while (this.#running < this.concurrency) {
      const update = this.#buffer.shift();
      if (update === undefined) break;
      this.#running++;
      void this.handle(update).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
    if (this.#buffer.length < this.maxBuffered && this.#spaceWaiters.length > 0) {
      const waiters = this.#spaceWaiters;
      this.#spaceWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
