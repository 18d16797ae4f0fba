import { performance } from "node:perf_hooks";
import {
  createRunner,
  createSource,
  type RunnerHandle,
  type UpdateSink,
  type UpdateSupplier,
} from "@grammyjs/runner";
import { type Bot, GrammyError } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import { LockClass } from "../db/locks.js";
import type { Db, DedicatedClient } from "../db/pool.js";
import type { WatchedPart } from "../ops/watchdog.js";
import { abortableDelay } from "../util/delay.js";
import { toError } from "../util/errors.js";
import type { BotContext } from "./context.js";
import { UpdateDispatcher } from "./dispatcher.js";
import type { RunUpdate, UpdateInbox } from "./inbox.js";
import type { UpdateTracker } from "./middlewares/track.js";
import { ALLOWED_UPDATES, type BotOptions } from "./options.js";
import { PreCheckoutDispatch, pollPreCheckoutsOnly, type ShimSignal } from "./pre-checkouts.js";

/**
 * standby: waiting for the polling lock (healthy, ready). leader: holds the lock and polls.
 * outage: the database cannot be reached, so nobody can hold the lock; polls only to answer
 * pre-checkout queries and acknowledges nothing. backoff: gave up leadership after a 409
 * (another poller, or a webhook) or a rejected token, and waits before trying again.
 * stopping/stopped: shutting down / not running.
 */
export type PollingRole = "stopped" | "standby" | "leader" | "outage" | "backoff" | "stopping";

export interface PollingStatus {
  role: PollingRole;
  /** getUpdates calls this process made (all terms). */
  getUpdatesCalls: number;
  /** Leadership terms started, and how many ended in a 409 Conflict or a lost lock. */
  terms: number;
  conflicts: number;
  locksLost: number;
  /** getUpdates calls made while the database was unreachable (pre-checkout queries only). */
  outagePolls: number;
  /** Backend pid of the lock connection while it exists (tests terminate it). */
  lockBackendPid: number | undefined;
  /** Set when Telegram rejected the token (401): the bot cannot work until it is fixed. */
  fatal: string | undefined;
}

export interface PollingDeps {
  bot: Bot<BotContext>;
  db: Db;
  logger: Logger;
  options: BotOptions;
  /** `config.watchdog.pollingGraceMs`: how late a getUpdates may return before we are stuck. */
  graceMs: number;
  updates: UpdateTracker;
  /** Every fetched update but pre-checkout queries is stored here before the offset moves on. */
  inbox: UpdateInbox;
  /** Runs one update through the bot (never rejects). */
  run: RunUpdate;
  /** Runs (without being awaited) each time this process becomes the leader. */
  onLeadership?(): void;
}

type TermOutcome = "stopped" | "lock_lost" | "conflict" | "webhook_active" | "fatal" | "failed";

/** A getUpdates 409: another poller took over, or a webhook is set. */
class PollingConflict extends Error {
  override name = "PollingConflict";
  constructor(
    readonly webhookActive: boolean,
    description: string,
  ) {
    super(description);
  }
}

/**
 * Long polling on exactly one replica (R5). Leadership is a session advisory lock
 * (`LockClass.pollingLeader`, 0) on a dedicated connection outside the pool, checked with a
 * short `SELECT 1` every few seconds; losing that connection stops polling at once and the
 * process goes back to standby. The runner is assembled from its parts so that getUpdates goes
 * through our own fetch loop: no console output, 409 handled explicitly (give up leadership,
 * back off, retry), network errors retried with a bounded back-off, and the watchdog told when
 * getUpdates last returned. Pre-checkout queries skip the runner's queue entirely.
 *
 * Nothing is acknowledged before it is stored: a batch goes into the update inbox first, and only
 * then does the offset move past it (Telegram forgets an update when a later getUpdates names a
 * higher offset). When the inbox cannot store a batch, the same updates are fetched again after
 * a pause; Telegram keeps them meanwhile.
 */
export class PollingSupervisor {
  readonly #d: PollingDeps;
  readonly #log: Logger;
  readonly #preCheckouts: PreCheckoutDispatch;
  #role: PollingRole = "stopped";
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Aborts sleeps on stop. */
  #life = new AbortController();
  #endTerm: ((outcome: TermOutcome) => void) | undefined;
  #client: DedicatedClient | undefined;
  #clientBroken = false;
  #lockBackendPid: number | undefined;
  /** Next update_id to ask for; kept across terms so our own batches are not re-read. */
  #offset = 0;
  #webhookDeleted = false;
  #consecutiveConflicts = 0;
  /**
   * Set when this replica lost the lock as the leader; cleared when it leads again or another
   * poller shows up. Only that replica polls during an outage: a standby that merely cannot
   * reach the database (a partition of its own) must not disturb a healthy leader.
   */
  #lostLeadership = false;
  #fatal: string | undefined;
  #stats = { getUpdatesCalls: 0, terms: 0, conflicts: 0, locksLost: 0, outagePolls: 0 };
  // Watchdog state (performance.now() ms).
  #leaderSince = 0;
  #fetchStartedAt: number | undefined;
  #lastFetchEndedAt = 0;
  #backoffUntil: number | undefined;

  constructor(deps: PollingDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: "bot.polling" });
    this.#preCheckouts = new PreCheckoutDispatch(deps.run);
  }

  /** Starts the standby/leader loop; resolves after the first attempt to take the lock. */
  async start(): Promise<void> {
    if (this.#loop) return;
    this.#stopping = false;
    this.#life = new AbortController();
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => {
      firstAttempt = resolve;
    });
    this.#loop = this.#run(firstAttempt);
    await attempted;
  }

  /** Stops polling, lets in-flight updates finish (bounded), confirms the offset, unlocks. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#role = "stopping";
    this.#endTerm?.("stopped");
    this.#life.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  status(): PollingStatus {
    return {
      role: this.#role,
      ...this.#stats,
      lockBackendPid: this.#lockBackendPid,
      fatal: this.#fatal,
    };
  }

  /** Not ready only when stopped or when Telegram rejected the token; a standby is ready. */
  readinessReason(): string | undefined {
    if (this.#fatal) return this.#fatal;
    if (this.#role === "stopped") return "polling is not running";
    return undefined;
  }

  /**
   * R6: the leader is stuck when getUpdates has not returned within its long-poll timeout plus
   * the grace (also when the runner stopped asking because every handler slot hangs). A
   * standby, a replica backing off, and a leader pausing between retries are healthy. As in
   * webhook mode, an update handled for longer than `handlerStuckMs` is hung too (it blocks its
   * chat's queue for good); every call inside a handler is bounded, so only a hang gets there.
   */
  part(): WatchedPart {
    return {
      name: "telegram_polling",
      check: () => {
        const handling = this.#d.updates.oldestRunningMs();
        if (handling > this.#d.options.handlerStuckMs) {
          return {
            stuck: true,
            detail: `an update has been handled for ${Math.round(handling)} ms`,
          };
        }
        if (this.#role !== "leader") return { stuck: false, detail: this.#role };
        const budget = this.#d.options.pollTimeoutSeconds * 1000 + this.#d.graceMs;
        const now = performance.now();
        if (this.#fetchStartedAt !== undefined) {
          const running = now - this.#fetchStartedAt;
          return running > budget
            ? { stuck: true, detail: `getUpdates running for ${Math.round(running)} ms` }
            : { stuck: false };
        }
        if (this.#backoffUntil !== undefined) return { stuck: false, detail: "retrying" };
        const quiet = now - Math.max(this.#lastFetchEndedAt, this.#leaderSince);
        return quiet > budget
          ? { stuck: true, detail: `getUpdates not called for ${Math.round(quiet)} ms` }
          : { stuck: false };
      },
    };
  }

  async #run(firstAttempt: () => void): Promise<void> {
    const o = this.#d.options;
    try {
      while (!this.#stopping) {
        this.#role = "standby";
        let leader = false;
        let unreachable = false;
        try {
          leader = await this.#tryLock();
        } catch (err) {
          this.#log.warn({ err: toError(err).message }, "polling lock attempt failed");
          this.#dropClient();
          unreachable = true;
        }
        firstAttempt();
        if (this.#stopping) break;
        // The lock answered but is held elsewhere: that replica leads, in outages too.
        if (!leader && !unreachable) this.#lostLeadership = false;
        if (!leader) {
          // Lock held elsewhere: wait. Database unreachable: nobody can hold the lock, so
          // nobody polls — answer pre-checkout queries until the next attempt.
          if (unreachable && this.#lostLeadership)
            await this.#answerPreCheckoutsOnly(o.standbyRetryMs);
          else await abortableDelay(o.standbyRetryMs, this.#life.signal);
          continue;
        }

        const outcome = await this.#lead();
        this.#lostLeadership = outcome === "lock_lost";
        if (outcome === "lock_lost") {
          this.#stats.locksLost++;
          this.#dropClient();
        } else {
          await this.#unlock();
        }
        if (this.#stopping) break;

        const pause = this.#pauseAfter(outcome);
        if (pause > 0) {
          this.#role = "backoff";
          this.#log.info({ outcome, pause_ms: pause }, "polling paused");
          await abortableDelay(pause, this.#life.signal);
        }
      }
    } finally {
      firstAttempt();
      this.#dropClient();
      this.#role = "stopped";
    }
  }

  #pauseAfter(outcome: TermOutcome): number {
    const o = this.#d.options;
    if (outcome === "conflict" || outcome === "webhook_active") {
      this.#consecutiveConflicts++;
      const exp = o.conflictBackoffMs * 2 ** Math.min(this.#consecutiveConflicts - 1, 10);
      const capped = Math.min(o.conflictBackoffMaxMs, exp);
      // Jitter, so two pollers do not keep knocking each other out in step.
      return Math.round(capped * (0.75 + Math.random() * 0.5));
    }
    this.#consecutiveConflicts = 0;
    if (outcome === "fatal") return o.conflictBackoffMaxMs;
    // A lost lock is asked for again at once: held elsewhere, this replica is a standby; the
    // database unreachable, it answers pre-checkout queries meanwhile.
    if (outcome === "failed") return o.standbyRetryMs;
    return 0;
  }

  async #tryLock(): Promise<boolean> {
    if (!this.#client || this.#clientBroken) {
      this.#dropClient();
      this.#clientBroken = false;
      // Declared first: the error callback may run before `dedicatedClient` resolves.
      let created: DedicatedClient | undefined;
      created = await this.#d.db.dedicatedClient("polling-leader", (err) =>
        this.#onLockConnectionError(created, err),
      );
      const client = created;
      this.#client = client;
      const pid = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      this.#lockBackendPid = pid.rows[0]?.pid;
    }
    const res = await this.#client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1, $2) AS locked",
      [LockClass.pollingLeader, 0],
    );
    return res.rows[0]?.locked === true;
  }

  #onLockConnectionError(client: DedicatedClient | undefined, err: Error): void {
    if (client !== undefined && client !== this.#client) return;
    this.#clientBroken = true;
    if (this.#role === "leader") {
      this.#log.warn({ err: err.message }, "polling lock connection lost: stopping polling");
      this.#endTerm?.("lock_lost");
    }
  }

  #dropClient(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#lockBackendPid = undefined;
    // Not awaited: a dead socket may take long to close, and the session lock dies with it.
    if (client) void client.close();
  }

  async #unlock(): Promise<void> {
    try {
      await this.#client?.query("SELECT pg_advisory_unlock_all()");
    } catch {
      this.#dropClient();
    }
  }

  /** One leadership term: runs until stop, lock loss, a 409, or a fatal error. */
  async #lead(): Promise<TermOutcome> {
    const d = this.#d;
    const o = d.options;
    const client = this.#client;
    this.#role = "leader";
    this.#leaderSince = performance.now();
    this.#lastFetchEndedAt = this.#leaderSince;
    this.#stats.terms++;
    this.#log.info({ term: this.#stats.terms }, "took the polling lock: this replica polls");

    let endTerm!: (outcome: TermOutcome) => void;
    const ended = new Promise<TermOutcome>((resolve) => {
      endTerm = resolve;
    });
    this.#endTerm = endTerm;
    if (this.#stopping) endTerm("stopped");

    let checking = false;
    const keepAlive = setInterval(() => {
      if (checking || !client) return;
      checking = true;
      withTimeout(client.query("SELECT 1"), o.leaderKeepAliveTimeoutMs)
        .catch((err: Error) => {
          this.#log.warn({ err: err.message }, "polling lock check failed: stopping polling");
          this.#clientBroken = true;
          endTerm("lock_lost");
        })
        .finally(() => {
          checking = false;
        });
    }, o.leaderKeepAliveMs);
    keepAlive.unref();

    let runner: RunnerHandle | undefined;
    let outcome: TermOutcome;
    try {
      const preparing = this.#prepare().then(() => undefined);
      // If the term ends first, a later failure of the preparation must not go unhandled.
      preparing.catch(() => {});
      const prepared = await Promise.race([preparing, ended]);
      if (prepared !== undefined) {
        outcome = prepared;
      } else {
        d.onLeadership?.();
        runner = this.#createRunner();
        runner.start();
        const task = runner.task() ?? Promise.resolve();
        outcome = await Promise.race([
          task.then(
            (): TermOutcome => "stopped",
            (err: unknown) => this.#classify(err),
          ),
          ended,
        ]);
      }
    } catch (err) {
      outcome = this.#classify(err);
    } finally {
      clearInterval(keepAlive);
      this.#endTerm = undefined;
    }
    // Stop fetching at once (aborts the pending getUpdates).
    if (runner) await runner.stop();
    this.#fetchStartedAt = undefined;
    if (outcome === "stopped") {
      this.#role = "stopping";
      const drained = await d.updates.drain(o.stopDrainMs);
      if (!drained) this.#log.warn({ in_flight: d.updates.size }, "stopped with updates in flight");
      await this.#confirmOffset();
    }
    this.#log.info({ outcome }, "polling term ended");
    return outcome;
  }

  /** getMe once, and the webhook removed once per process, never dropping pending updates. */
  async #prepare(): Promise<void> {
    await this.#d.bot.init();
    if (!this.#webhookDeleted) {
      await this.#d.bot.api.deleteWebhook({ drop_pending_updates: false });
      this.#webhookDeleted = true;
    }
  }

  /**
   * Telegram forgets updates only when a later getUpdates names a higher offset. On a graceful
   * stop we confirm what we handled, so the next leader does not receive it again.
   */
  async #confirmOffset(): Promise<void> {
    if (this.#offset === 0) return;
    try {
      await this.#d.bot.api.getUpdates({ offset: this.#offset, limit: 1, timeout: 0 });
    } catch (err) {
      this.#log.warn({ err: toError(err).message }, "could not confirm the last updates");
    }
  }

  #classify(err: unknown): TermOutcome {
    if (err instanceof PollingConflict) {
      this.#stats.conflicts++;
      if (err.webhookActive) {
        this.#log.warn(
          { err: err.message },
          "getUpdates refused: a webhook is set (another deployment in webhook mode?); not deleting it",
        );
        return "webhook_active";
      }
      this.#log.warn({ err: err.message }, "getUpdates conflict: another poller; backing off");
      return "conflict";
    }
    if (err instanceof GrammyError && err.error_code === 401) {
      this.#fatal = "Telegram rejected the bot token (401 Unauthorized)";
      this.#log.error({ err: err.message }, "bot token rejected; polling paused");
      return "fatal";
    }
    this.#log.warn({ err: toError(err).message }, "polling term failed");
    return "failed";
  }

  #createRunner(): RunnerHandle {
    const d = this.#d;
    const supplier: UpdateSupplier<Update> = {
      supply: (batchSize, signal) => this.#fetch(batchSize, signal as unknown as AbortSignal),
    };
    const dispatcher = new UpdateDispatcher(
      (update) => d.inbox.handle(update, d.run),
      d.options.concurrency,
      d.options.maxBufferedUpdates,
    );
    const sink: UpdateSink<Update> = {
      handle: (updates) => dispatcher.accept(updates),
      size: () => dispatcher.running + dispatcher.buffered,
      snapshot: () => [],
    };
    return createRunner(createSource(supplier), sink);
  }

  /**
   * One getUpdates, retried on network errors; 409 and 401 end the term. The batch is stored in
   * the inbox before the offset moves past it; returns the updates this process must handle.
   */
  async #fetch(batchSize: number, signal: AbortSignal): Promise<Update[]> {
    const o = this.#d.options;
    let retryMs = o.fetchRetryMs;
    for (;;) {
      const startedAt = performance.now();
      this.#fetchStartedAt = startedAt;
      this.#stats.getUpdatesCalls++;
      let failure: unknown;
      try {
        const updates = await this.#d.bot.api.getUpdates(
          {
            offset: this.#offset,
            limit: Math.max(1, Math.min(Number.isFinite(batchSize) ? batchSize : 100, 100)),
            timeout: o.pollTimeoutSeconds,
            allowed_updates: [...ALLOWED_UPDATES],
          },
          signal as unknown as ShimSignal,
        );
        this.#fetchStartedAt = undefined;
        this.#lastFetchEndedAt = performance.now();
        this.#consecutiveConflicts = 0;
        const rest = this.#preCheckouts.take(updates);
        try {
          const mine = await this.#d.inbox.store(rest);
          const last = updates.at(-1);
          if (last) this.#offset = last.update_id + 1;
          if (updates.length === 0) await this.#pauseAfterEmpty(startedAt, signal);
          return mine;
        } catch (err) {
          if (signal.aborted) throw err;
          this.#log.warn(
            { err: toError(err).message, updates: rest.length },
            "could not store fetched updates; not acknowledged, Telegram keeps them",
          );
          failure = err;
        }
      } catch (err) {
        this.#fetchStartedAt = undefined;
        this.#lastFetchEndedAt = performance.now();
        if (signal.aborted) throw err;
        if (err instanceof GrammyError && err.error_code === 409) {
          throw new PollingConflict(err.description.includes("webhook"), err.description);
        }
        if (err instanceof GrammyError && err.error_code === 401) throw err;
        failure = err;
        this.#log.warn({ err: toError(err).message }, "getUpdates failed; retrying");
      }
      const retryAfter =
        failure instanceof GrammyError ? failure.parameters.retry_after : undefined;
      const waitMs =
        retryAfter !== undefined ? Math.min(retryAfter * 1000, o.fetchRetryMaxMs) : retryMs;
      retryMs = Math.min(retryMs * 2, o.fetchRetryMaxMs);
      this.#log.debug({ retry_in_ms: waitMs }, "getUpdates paused");
      this.#backoffUntil = performance.now() + waitMs;
      await abortableDelay(waitMs, signal);
      this.#backoffUntil = undefined;
      if (signal.aborted) throw toError(failure);
    }
  }

  /** The outage poller (`pollPreCheckoutsOnly`), for `durationMs`, as this process's role. */
  async #answerPreCheckoutsOnly(durationMs: number): Promise<void> {
    this.#role = "outage";
    const ended = await pollPreCheckoutsOnly(
      {
        bot: this.#d.bot,
        options: this.#d.options,
        logger: this.#log,
        preCheckouts: this.#preCheckouts,
        signal: this.#life.signal,
        offset: this.#offset,
        onPoll: () => {
          this.#stats.getUpdatesCalls++;
          this.#stats.outagePolls++;
        },
      },
      durationMs,
    );
    if (ended === "another_poller") this.#lostLeadership = false;
  }

  /** An empty answer that came back early (no long poll): wait out the minimum interval. */
  async #pauseAfterEmpty(startedAt: number, signal: AbortSignal): Promise<void> {
    const rest = this.#d.options.emptyPollMinIntervalMs - (performance.now() - startedAt);
    if (rest <= 0) return;
    this.#backoffUntil = performance.now() + rest;
    await abortableDelay(rest, signal);
    this.#backoffUntil = undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
