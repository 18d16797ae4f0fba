import { performance } from "node:perf_hooks";
import pg from "pg";
import type { Logger } from "pino";
import type { Metrics } from "../ops/metrics.js";
import { toError } from "../util/errors.js";
import { PoolReportWindow, RecentWaits } from "./report.js";
import type { DbScope } from "./scope.js";
import { Semaphore } from "./semaphore.js";

export type { QueryResult, QueryResultRow } from "pg";

/** Who is checking out: customer-facing handlers, background workers, or the service itself. */
export type CheckoutKind = "handler" | "worker" | "system";

/** The only thing a caller gets from a checkout: it cannot release or keep the connection. */
export interface DbClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Scoped database access with a fixed kind; workers are handed `db.forKind("worker")`. */
export interface DbAccess {
  /** Whose checkouts these are: `Db` itself is the handler pool. */
  readonly kind: CheckoutKind;
  withClient<T>(label: string, fn: (client: DbClient) => Promise<T>): Promise<T>;
  tx<T>(label: string, fn: (client: DbClient) => Promise<T>): Promise<T>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    label: string,
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Checkouts that go through the worker bulkhead (`DB_POOL_WORKER_MAX`). Every path a worker
 * drives (the loops, the crypto watcher, the Stars backstop and the payment processor they
 * share) takes this type, so the handler pool (`Db`, kind "handler") does not type-check there.
 */
export type WorkerDb = DbAccess & { readonly kind: "worker" };

/** The runtime half of `WorkerDb`: refuses access of another kind (a cast, a plain object). */
export function requireWorkerDb(db: DbAccess, what: string): WorkerDb {
  if (db.kind !== "worker") {
    throw new Error(
      `${what} runs on the worker bulkhead: pass db.forKind("worker"), not ${db.kind}`,
    );
  }
  return db as WorkerDb;
}

export interface DbOptions {
  connectionString: string;
  poolMax: number;
  workerMax: number;
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  idleTimeoutMs: number;
  longHoldWarnMs: number;
  reportIntervalMs: number;
  applicationName: string;
  /** "throw" in test/development: a nested checkout is a bug to fix; "log" in production. */
  nestedCheckout: "throw" | "log";
  logger: Logger;
  metrics: Metrics;
  scope: DbScope;
}

/**
 * Why a checkout got no connection in time: `queue` — every pooled connection was busy and the
 * request waited in pg-pool's queue; `connect` — opening a new connection to the server did not
 * complete (the server is frozen, unreachable, or silently dropping packets).
 */
export type AcquireTimeoutCause = "queue" | "connect";

class DbAcquireTimeoutError extends Error {
  override name = "DbAcquireTimeoutError";
  constructor(
    readonly label: string,
    readonly kind: CheckoutKind,
    readonly waitedMs: number,
    readonly timeoutCause: AcquireTimeoutCause = "queue",
  ) {
    super(
      `no database connection for "${label}" (${kind}) after ${Math.round(waitedMs)} ms (${
        timeoutCause === "queue" ? "pool busy" : "opening a connection timed out"
      })`,
    );
  }
}

/**
 * pg-pool's queue timeout, and the two ways opening a new connection times out: pg-pool's own
 * timer ("Connection terminated due to connection timeout") or pg's client timer ("timeout
 * expired"), whichever fires first.
 */
export function acquireTimeoutCause(err: unknown): AcquireTimeoutCause | undefined {
  const message = (err as { message?: unknown } | undefined)?.message;
  if (typeof message !== "string") return undefined;
  if (message.includes("timeout exceeded when trying to connect")) return "queue";
  if (/Connection terminated due to connection timeout|^timeout expired$/.test(message)) {
    return "connect";
  }
  return undefined;
}

class NestedCheckoutError extends Error {
  override name = "NestedCheckoutError";
  constructor(
    readonly label: string,
    readonly heldBy: string,
  ) {
    super(
      `checkout "${label}" started while "${heldBy}" is held by the same async context: pass the caller's client instead (R1)`,
    );
  }
}

/** Checkouts and the statements sent on them, for one label since the pool was created. */
export interface LabelUsage {
  checkouts: number;
  statements: number;
}

export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  /** Requests queued inside pg-pool for a connection (worker-semaphore waits excluded). */
  waiting: number;
  /**
   * Since when (`performance.now()` ms) some checkout has been waiting without a break, or
   * undefined while none waits. Acquire timeouts end single waits, not the stretch.
   */
  waitingSince: number | undefined;
  /** When a checkout last obtained a connection, as `performance.now()` ms. */
  lastAcquiredAt: number;
  workerInUse: number;
  workerWaiting: number;
}

/** Idle time before the kernel starts probing a quiet connection (pooled and dedicated). */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

const CLIENT_SIDE_BROKEN =
  /Connection terminated|Query read timeout|not queryable|Client was closed|ECONNRESET|EPIPE/;

/** Errors after which a connection must not go back to the pool. */
function isConnectionBroken(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; rollbackFailed?: unknown } | undefined;
  if (!e) return false;
  if (e.rollbackFailed) return true;
  if (typeof e.code === "string" && /^(08|57P)|^25P03$/.test(e.code)) return true;
  return typeof e.message === "string" && CLIENT_SIDE_BROKEN.test(e.message);
}

/**
 * The one owner of the `pg.Pool` (R1). Every checkout is scoped to a callback, labelled by its
 * caller, timed (acquire wait and hold), guarded against nesting, and released with the error
 * when the connection broke, so a backend killed mid-checkout never crashes the process.
 */
export class Db {
  readonly #pool: pg.Pool;
  readonly #opts: DbOptions;
  readonly #log: Logger;
  readonly #workerSlots: Semaphore;
  readonly #window = new PoolReportWindow();
  /** Handler acquire waits of the last minutes (the console's health line). */
  readonly #handlerWaits = new RecentWaits();
  readonly #usage = new Map<string, LabelUsage>();
  #connecting = 0;
  #lastAcquiredAt = performance.now();
  /** Start of the current stretch during which at least one checkout was waiting. */
  #waitingEpisodeSince: number | undefined;
  #reportTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: DbOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: "db" });
    this.#workerSlots = new Semaphore(opts.workerMax);
    this.#pool = new pg.Pool({
      ...this.#connectionConfig(),
      max: opts.poolMax,
      connectionTimeoutMillis: opts.acquireTimeoutMs,
      idleTimeoutMillis: opts.idleTimeoutMs,
    });
    // An idle client whose backend dies emits here; without a listener the process would crash.
    this.#pool.on("error", (err) => {
      this.#log.warn({ err: err.message }, "idle database connection failed; it was removed");
    });
    opts.metrics.dbMax.set(opts.poolMax);
    this.#refreshGauges();
  }

  #connectionConfig(): pg.ClientConfig {
    const o = this.#opts;
    return {
      connectionString: o.connectionString,
      application_name: o.applicationName,
      statement_timeout: o.statementTimeoutMs,
      // The client gives up a little after the server would have cancelled the statement.
      query_timeout: o.statementTimeoutMs + 2_000,
      idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
      options: "-c TimeZone=UTC",
      // Opening a connection is bounded like waiting for one (pg-pool applies the same limit).
      connectionTimeoutMillis: o.acquireTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    };
  }

  get applicationName(): string {
    return this.#opts.applicationName;
  }

  /** The handler pool: checkouts without a kind are customer-facing handlers. */
  readonly kind = "handler" as const;

  forKind<K extends CheckoutKind>(kind: K): DbAccess & { readonly kind: K } {
    return {
      kind,
      withClient: (label, fn) => this.withClient(label, fn, kind),
      tx: (label, fn) => this.tx(label, fn, kind),
      query: (label, text, values) => this.query(label, text, values, kind),
    };
  }

  /** One-shot statement on a scoped checkout (never `pool.query`, which destroys the client on any error). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    label: string,
    text: string,
    values?: unknown[],
    kind: CheckoutKind = "handler",
  ): Promise<pg.QueryResult<R>> {
    return this.withClient(label, (c) => c.query<R>(text, values), kind);
  }

  /** Runs `fn` inside BEGIN … COMMIT on one connection; any error rolls back. */
  tx<T>(
    label: string,
    fn: (client: DbClient) => Promise<T>,
    kind: CheckoutKind = "handler",
  ): Promise<T> {
    return this.withClient(
      label,
      async (client) => {
        await client.query("BEGIN");
        let result: T;
        try {
          result = await fn(client);
        } catch (err) {
          try {
            await client.query("ROLLBACK");
          } catch (rollbackErr) {
            // The connection is unusable; withClient releases it as broken.
            throw Object.assign(err as object, { rollbackFailed: rollbackErr });
          }
          throw err;
        }
        await client.query("COMMIT");
        return result;
      },
      kind,
    );
  }

  async withClient<T>(
    label: string,
    fn: (client: DbClient) => Promise<T>,
    kind: CheckoutKind = "handler",
  ): Promise<T> {
    if (this.#closed) throw new Error(`database is closed (checkout "${label}")`);
    this.#checkNesting(label);
    const requestedAt = performance.now();
    const releaseSlot = kind === "worker" ? await this.#workerSlots.acquire() : undefined;

    let client: pg.PoolClient;
    if (this.#connecting++ === 0) this.#waitingEpisodeSince = performance.now();
    try {
      const connecting = this.#pool.connect();
      // A request that has to wait is visible in the gauges now, not when the pool frees up.
      this.#refreshGauges();
      client = await connecting;
    } catch (err) {
      releaseSlot?.();
      const waited = performance.now() - requestedAt;
      const cause = acquireTimeoutCause(err);
      if (cause) {
        this.#opts.metrics.dbTimeouts.inc({ kind });
        this.#log.warn(
          { label, kind, cause, waited_ms: Math.round(waited), err: toError(err).message },
          cause === "queue" ? "database acquire timeout" : "database connect timeout",
        );
        throw new DbAcquireTimeoutError(label, kind, waited, cause);
      }
      throw err;
    } finally {
      if (--this.#connecting === 0) this.#waitingEpisodeSince = undefined;
      this.#refreshGauges();
    }

    const acquiredAt = performance.now();
    this.#lastAcquiredAt = acquiredAt;
    const waitMs = acquiredAt - requestedAt;
    this.#opts.metrics.dbWait.observe({ label, kind }, waitMs / 1000);
    if (kind === "handler") this.#handlerWaits.record(waitMs);

    // pg-pool removes its idle error listener while a client is checked out.
    let brokenBy: Error | undefined;
    const onError = (err: Error) => {
      brokenBy = err;
      this.#log.warn(
        { label, kind, err: err.message },
        "database connection failed while checked out",
      );
    };
    client.on("error", onError);

    const acquiredStack: { stack?: string } = {};
    Error.captureStackTrace(acquiredStack, this.withClient);
    const longHold = setTimeout(() => {
      this.#log.warn(
        {
          label,
          kind,
          held_ms: Math.round(performance.now() - acquiredAt),
          stack: acquiredStack.stack,
        },
        "database connection held too long",
      );
    }, this.#opts.longHoldWarnMs);
    longHold.unref();

    let usage = this.#usage.get(label);
    if (!usage) {
      usage = { checkouts: 0, statements: 0 };
      this.#usage.set(label, usage);
    }
    usage.checkouts++;
    const counted = usage;
    let statements = 0;
    const scoped: DbClient = {
      query: (text, values) => {
        statements++;
        counted.statements++;
        return client.query(text, values);
      },
    };
    const { mark, result } = this.#opts.scope.run(label, () => fn(scoped));
    let failure: unknown;
    try {
      return await result;
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      mark.open = false;
      clearTimeout(longHold);
      const broken = brokenBy ?? (isConnectionBroken(failure) ? toError(failure) : undefined);
      const holdMs = performance.now() - acquiredAt;
      client.release(broken ?? undefined);
      // A destroyed client may still emit late errors; keep the listener on it.
      if (!broken) client.removeListener("error", onError);
      releaseSlot?.();
      this.#opts.metrics.dbUse.observe({ label, kind }, holdMs / 1000);
      this.#window.record(label, waitMs, holdMs, statements);
      this.#refreshGauges();
    }
  }

  #checkNesting(label: string): void {
    const heldBy = this.#opts.scope.current();
    if (heldBy === undefined) return;
    const err = new NestedCheckoutError(label, heldBy);
    if (this.#opts.nestedCheckout === "throw") throw err;
    this.#log.warn({ label, held_by: heldBy, stack: err.stack }, "nested database checkout");
  }

  #refreshGauges(): void {
    const m = this.#opts.metrics;
    const total = this.#pool.totalCount;
    const idle = this.#pool.idleCount;
    m.dbCount.set({ state: "idle" }, idle);
    m.dbCount.set({ state: "used" }, total - idle);
    m.dbPending.set(this.#pool.waitingCount);
  }

  stats(): PoolStats {
    return {
      max: this.#opts.poolMax,
      total: this.#pool.totalCount,
      idle: this.#pool.idleCount,
      waiting: this.#pool.waitingCount,
      waitingSince: this.#pool.waitingCount > 0 ? this.#waitingEpisodeSince : undefined,
      lastAcquiredAt: this.#lastAcquiredAt,
      workerInUse: this.#workerSlots.inUse,
      workerWaiting: this.#workerSlots.waiting,
    };
  }

  /** p99 of the handler checkouts' acquire wait over the last five minutes; null without any. */
  handlerWaitP99Ms(): number | null {
    return this.#handlerWaits.p99Ms();
  }

  /**
   * Checkouts and statements per label since the pool was created (a copy). Cumulative, unlike
   * the minute report: the difference between two readings is what happened in between.
   */
  usage(): Map<string, LabelUsage> {
    return new Map([...this.#usage].map(([label, u]) => [label, { ...u }]));
  }

  /** Logs the `pool_report` line: size, idle, waiting, wait/hold percentiles, top holders. */
  report(): void {
    this.#refreshGauges();
    const s = this.stats();
    this.#log.info(
      {
        event: "pool_report",
        size: s.total,
        max: s.max,
        idle: s.idle,
        waiting: s.waiting,
        worker_in_use: s.workerInUse,
        worker_waiting: s.workerWaiting,
        ...this.#window.take(),
      },
      "pool_report",
    );
  }

  startReporting(): void {
    this.#reportTimer ??= setInterval(() => this.report(), this.#opts.reportIntervalMs);
    this.#reportTimer.unref();
  }

  /**
   * A connection outside the pool, for work that must keep a session (the polling leader's
   * advisory lock, R3). The caller owns it and must `close()` it. `unbounded` drops the
   * client-side query timeout for work that may legitimately take long:
   * migrations rewriting a large table, or waiting for another replica's migration lock.
   */
  async dedicatedClient(
    label: string,
    onError: (err: Error) => void,
    opts: { unbounded?: boolean } = {},
  ): Promise<DedicatedClient> {
    this.#opts.scope.assertNoDbScope(`dedicated client "${label}"`);
    const { query_timeout, ...config } = this.#connectionConfig();
    const client = new pg.Client({
      ...config,
      // Unbounded: no client-side timeout (the caller lifts the server's with SET LOCAL).
      ...(opts.unbounded ? {} : { query_timeout }),
      application_name: `${this.#opts.applicationName}:${label}`.slice(0, 63),
    });
    client.on("error", onError);
    const startedAt = performance.now();
    try {
      // Bounded by connectionTimeoutMillis: a server that silently drops packets fails here
      // within DB_ACQUIRE_TIMEOUT_MS instead of when the kernel gives up on the handshake.
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      if (acquireTimeoutCause(err)) {
        const waited = performance.now() - startedAt;
        this.#opts.metrics.dbTimeouts.inc({ kind: "system" });
        this.#log.warn(
          { label, kind: "system", cause: "connect", waited_ms: Math.round(waited) },
          "database connect timeout (dedicated client)",
        );
        throw new DbAcquireTimeoutError(label, "system", waited, "connect");
      }
      throw err;
    }
    return {
      query: (text, values) => client.query(text, values),
      close: () => client.end().catch(() => undefined),
    };
  }

  /**
   * Asks the server itself, bypassing the pool: opens a new connection, runs `SELECT 1` and
   * closes it, all within `timeoutMs`. Tells a database that does not answer (an outage) from a
   * pool whose own checkouts starve while the server answers (a stuck pool, R6).
   */
  async probeFresh(timeoutMs: number): Promise<void> {
    const { query_timeout: _q, statement_timeout: _s, ...config } = this.#connectionConfig();
    const client = new pg.Client({
      ...config,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      application_name: `${this.#opts.applicationName}:probe`.slice(0, 63),
    });
    client.on("error", () => {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([client.connect().then(() => client.query("SELECT 1")), deadline]);
    } finally {
      clearTimeout(timer);
      // Not awaited: a frozen server never acknowledges the goodbye.
      client.end().catch(() => undefined);
    }
  }

  /** Waits for checked-out connections to come back, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reportTimer) clearInterval(this.#reportTimer);
    await this.#pool.end();
  }
}

export interface DedicatedClient extends DbClient {
  close(): Promise<void>;
}
