import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { toError } from "../util/errors.js";
import type { Readiness } from "./readiness.js";

/** One fresh-connection probe: when it started and finished (`performance.now()` ms), and how. */
export interface ProbeResult {
  ok: boolean;
  startedAt: number;
  finishedAt: number;
  detail?: string;
}

/** What the watchdog's pool part needs: the latest verdict, and a way to ask for a new one. */
export interface FreshDatabaseProbe {
  last(): ProbeResult | undefined;
  /** Starts a probe unless one is running; never waits. */
  request(): void;
}

export interface DatabaseHealthOptions {
  /** Opens a connection outside the pool and runs `SELECT 1`; rejects when it fails or times out. */
  probe: () => Promise<void>;
  timeoutMs: number;
  logger: Logger;
  readiness: Readiness;
  now?: () => number;
}

/**
 * Whether the database server answers, asked on a new connection outside the pool. An answer
 * that does not come is an outage: `/ready` names the database and nothing restarts, because a
 * restart cannot bring a database back. The watchdog asks this before calling a starving pool
 * stuck (see `poolPart`).
 */
export class DatabaseHealth implements FreshDatabaseProbe {
  readonly #o: DatabaseHealthOptions;
  readonly #now: () => number;
  #last: ProbeResult | undefined;
  #running: Promise<ProbeResult> | undefined;

  constructor(options: DatabaseHealthOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  last(): ProbeResult | undefined {
    return this.#last;
  }

  request(): void {
    void this.probe();
  }

  /** Runs one probe (or joins the running one) and records the verdict. */
  probe(): Promise<ProbeResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** For `/ready`: a reason when the database does not answer, probing at most once a second. */
  async readinessReason(): Promise<string | undefined> {
    const last = this.#last;
    const result = last && this.#now() - last.finishedAt < 1_000 ? last : await this.probe();
    return result.ok ? undefined : result.detail;
  }

  async #run(): Promise<ProbeResult> {
    const startedAt = this.#now();
    let result: ProbeResult;
    try {
      await this.#o.probe();
      result = { ok: true, startedAt, finishedAt: this.#now() };
    } catch (err) {
      result = {
        ok: false,
        startedAt,
        finishedAt: this.#now(),
        detail: `not answering a new connection within ${this.#o.timeoutMs} ms (${toError(err).message})`,
      };
    }
    const previous = this.#last;
    this.#last = result;
    this.#o.readiness.dependency("database", result.ok, result.detail);
    const ms = Math.round(result.finishedAt - result.startedAt);
    if (!result.ok && previous?.ok !== false) {
      this.#o.logger.error(
        { event: "database_outage", probe_ms: ms, detail: result.detail },
        "database outage: the server does not answer a new connection",
      );
    } else if (result.ok && previous?.ok === false) {
      this.#o.logger.warn({ event: "database_recovered", probe_ms: ms }, "database answers again");
    } else {
      this.#o.logger.debug(
        { event: "database_probe", ok: result.ok, probe_ms: ms },
        "database probe",
      );
    }
    return result;
  }
}
