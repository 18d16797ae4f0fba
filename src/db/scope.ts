import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The mark "this async context holds a database connection" (R1, R2). The store is a mutable
 * object whose `open` flag is cleared when the connection is released, so fire-and-forget work
 * started inside a scope is not blamed after the scope ended.
 */
export interface DbScopeMark {
  open: boolean;
  label: string;
}

export type GuardMode = "throw" | "log";

export interface GuardReporter {
  /** Counts first (the metric), then the guard decides between throwing and logging. */
  onViolation(what: string, heldBy: string): void;
  mode: GuardMode;
  warn(fields: Record<string, unknown>, msg: string): void;
}

class DbScopeViolationError extends Error {
  constructor(
    readonly what: string,
    readonly heldBy: string,
  ) {
    super(`${what} called while a database connection is held by "${heldBy}" (R2)`);
    this.name = "DbScopeViolationError";
  }
}

export class DbScope {
  readonly #storage = new AsyncLocalStorage<DbScopeMark>();
  #reporter: GuardReporter | undefined;

  constructor(reporter?: GuardReporter) {
    this.#reporter = reporter;
  }

  setReporter(reporter: GuardReporter): void {
    this.#reporter = reporter;
  }

  /** The label of the connection held by the current async context, if any. */
  current(): string | undefined {
    const mark = this.#storage.getStore();
    return mark?.open ? mark.label : undefined;
  }

  run<T>(label: string, fn: () => Promise<T>): { mark: DbScopeMark; result: Promise<T> } {
    const mark: DbScopeMark = { open: true, label };
    return { mark, result: this.#storage.run(mark, fn) };
  }

  /** Runs `fn` outside any scope mark, e.g. a callback deliberately detached from a request. */
  detach<T>(fn: () => T): T {
    return this.#storage.exit(fn);
  }

  /**
   * Network clients call this before every request. A violation is counted, then thrown
   * (test, development) or logged (production).
   */
  assertNoDbScope(what: string): void {
    const heldBy = this.current();
    if (heldBy === undefined) return;
    const reporter = this.#reporter;
    reporter?.onViolation(what, heldBy);
    if (!reporter || reporter.mode === "throw") throw new DbScopeViolationError(what, heldBy);
    reporter.warn(
      { what, held_by: heldBy, stack: new Error().stack },
      "network call inside a database scope",
    );
  }
}
