/**
 * A FIFO counting semaphore. Waiters never time out: a worker that cannot get a slot simply
 * waits its turn (R3), it never fails.
 */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    this.#available = capacity;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get inUse(): number {
    return this.capacity - this.#available;
  }

  /** Resolves with a release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.#available > 0) {
      this.#available--;
    } else {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#available++;
    };
  }
}
