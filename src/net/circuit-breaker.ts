export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  openMs: number;
  now?: () => number;
  onStateChange?: (state: CircuitState, detail: string | undefined) => void;
}

export class CircuitOpenError extends Error {
  override name = "CircuitOpenError";
  constructor(
    readonly dependency: string,
    readonly retryInMs: number,
  ) {
    super(
      `${dependency} circuit is open; next attempt in ${Math.max(0, Math.round(retryInMs))} ms`,
    );
  }
}

/**
 * Stops calling a dependency that keeps failing, so workers and customers are not stuck waiting
 * on a dead server: after `failureThreshold` consecutive failures calls fail at once for
 * `openMs`, then a single trial call decides whether to close again.
 */
export class CircuitBreaker {
  #state: CircuitState = "closed";
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  #lastError: string | undefined;
  readonly #now: () => number;

  constructor(
    readonly dependency: string,
    private readonly opts: CircuitBreakerOptions,
  ) {
    this.#now = opts.now ?? Date.now;
  }

  get state(): CircuitState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Throws CircuitOpenError when the call must not be made now. */
  before(): void {
    if (this.#state === "closed") return;
    const sinceOpen = this.#now() - this.#openedAt;
    if (this.#state === "open" && sinceOpen >= this.opts.openMs) {
      this.#set("half_open", this.#lastError);
    }
    if (this.#state === "half_open" && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return;
    }
    throw new CircuitOpenError(this.dependency, this.opts.openMs - sinceOpen);
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#lastError = undefined;
    if (this.#state !== "closed") this.#set("closed", undefined);
  }

  failure(error: string): void {
    this.#failures++;
    this.#lastError = error;
    const trialFailed = this.#state === "half_open";
    this.#trialInFlight = false;
    if (trialFailed || (this.#state === "closed" && this.#failures >= this.opts.failureThreshold)) {
      this.#openedAt = this.#now();
      this.#set("open", error);
    }
  }

  #set(state: CircuitState, detail: string | undefined): void {
    this.#state = state;
    this.opts.onStateChange?.(state, detail);
  }
}
