import { performance } from "node:perf_hooks";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { Db } from "../db/pool.js";
import type { Metrics } from "../ops/metrics.js";
import { toError } from "../util/errors.js";
import { promptFromStore, type StoredPrompt } from "./conversation.js";
import type { InputPrompt } from "./services.js";

/**
 * The inbox's tunables. A claim is renewed every `heartbeatMs` while its handler runs; one not
 * renewed for `leaseMs` belongs to a process that died, and the next sweep runs it again.
 */
export interface InboxOptions {
  leaseMs: number;
  heartbeatMs: number;
  /** How often every replica looks for claims whose lease lapsed. */
  sweepMs: number;
  sweepBatch: number;
  /** A stored update run this many times without finishing is given up (`failed`). */
  maxAttempts: number;
  /** Finished rows are kept this long (Telegram keeps undelivered updates for 24 h). */
  retentionMs: number;
  pruneEveryMs: number;
}

export const DEFAULT_INBOX_OPTIONS: InboxOptions = {
  leaseMs: 60_000,
  heartbeatMs: 15_000,
  sweepMs: 5_000,
  sweepBatch: 50,
  maxAttempts: 5,
  retentionMs: 48 * 3600_000,
  pruneEveryMs: 10 * 60_000,
};

/**
 * What the statement that claimed an update read about its sender, so the update's handler
 * needs no statement of its own for it. Present only while it is still true: no other update
 * of the sender was in hand in this process when it was read, and none started before this one.
 */
export interface SenderState {
  /**
   * The sender's customer row, when the users port keeps customers in this database's `users`
   * table (`UsersPort.rowsInDatabase`); undefined otherwise (the port is asked instead).
   */
  customer?: {
    /** The sender has a `users` row. */
    known: boolean;
    /** Their chosen language, or null. */
    language: string | null;
    /**
     * Marking them reachable would change their row: they are marked unreachable, or were
     * last seen over a minute ago (the condition of the customers module's reachable mark).
     */
    reachableDue: boolean;
  };
  /** The open question their next text answers, or null. */
  prompt: InputPrompt | null;
  /** The promo code the buy screen remembers for them, or null. */
  promoCode: string | null;
  /** `performance.now()` when the statement was sent: marks made later are newer than this. */
  readAt: number;
}

/**
 * Runs one stored update through the bot (never rejects: failures are the bot's to report),
 * with what the claim read about its sender when that is still valid.
 */
export type RunUpdate = (update: Update, sender?: SenderState) => Promise<void>;

/** The customer an update is from (undefined: none, or a bot). */
function senderOf(update: Update): number | undefined {
  const from =
    update.message?.from ??
    update.callback_query?.from ??
    update.my_chat_member?.from ??
    update.edited_message?.from;
  return from && !from.is_bot ? from.id : undefined;
}

/** Updates of one sender stored or running in this process, and how many have started. */
interface SenderTrack {
  pending: number;
  starts: number;
}

/** A claimed update between its store and the end of its handling. */
interface Tracked {
  sender: number;
  /** `SenderTrack.starts` when it was stored. */
  starts: number;
  /** Read by the store: no other update of the sender was pending then. */
  readable: boolean;
  state?: SenderState;
}

interface PendingFinish {
  updateId: number;
  done(err?: unknown): void;
}

export interface InboxDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  options: InboxOptions;
  /** This process in `claimed_by` (host, pid and a per-start nonce). */
  owner: string;
  /** Told about an update given up after `maxAttempts` runs that never finished. */
  onGaveUp(update: Update, attempts: number): void;
  /**
   * Customers are rows of this database's `users` table (the users port says so): the claim
   * reads the sender's language and reachability too.
   */
  readsCustomers?: boolean;
}

/**
 * The durable update inbox (migrations/005_update_inbox.sql). Every update except a pre-checkout
 * query is stored before Telegram is told it arrived: the polling offset moves past a batch only
 * after `store` returned, and the webhook answers 200 only after it. `store` is also the
 * de-duplication: it returns just the updates this process must handle — new ones, and
 * redeliveries whose earlier claim lapsed — so a redelivery of an update being handled, or done,
 * is acknowledged without running it again. A process that dies mid-update leaves its claim to
 * lapse; the sweep on any replica runs the stored update again.
 *
 * The SQL is one statement per call: a batch (polling) or one update (webhook) per store. The
 * store's statement also reads each sender's language, reachability and conversation state
 * (`SenderState`), so a handler starts without a statement of its own for them. Finishes are
 * group-committed: one statement marks done every update that finished while the previous one
 * ran, and each handler waits for its own (an idle bot sends one per update, a busy one far
 * fewer).
 */
export class UpdateInbox {
  readonly #d: InboxDeps;
  readonly #log: Logger;
  /** Update ids this process is handling now (their claims are renewed). */
  readonly #owned = new Set<number>();
  #timers: NodeJS.Timeout[] = [];
  #sweeping: Promise<void> | undefined;
  #lastPruneAt = 0;
  #run: RunUpdate | undefined;
  readonly #senders = new Map<number, SenderTrack>();
  readonly #tracked = new Map<number, Tracked>();
  #finishQueue: PendingFinish[] = [];
  #finishing: Promise<void> | undefined;
  #flushing = false;

  constructor(deps: InboxDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: "bot.inbox" });
  }

  /**
   * Stores the updates (one statement) and claims them for this process; returns the ones to
   * handle here, in order. Throws when the database cannot store them: the caller must then not
   * acknowledge them, so Telegram keeps them.
   */
  async store(updates: readonly Update[]): Promise<Update[]> {
    if (updates.length === 0) return [];
    const tracked = this.#track(updates);
    const readIds: number[] = [];
    const readSenders: number[] = [];
    for (const [updateId, t] of tracked) {
      if (!t.readable) continue;
      readIds.push(updateId);
      readSenders.push(t.sender);
    }
    const readAt = performance.now();
    let claimed: Set<number>;
    try {
      const res = await this.#d.db.query<ClaimRow>(
        "bot.inbox_store",
        `WITH claimed AS (
         INSERT INTO update_inbox (update_id, fingerprint, payload, claimed_by)
         SELECT (u->>'update_id')::bigint, md5(u::text), u, $2
           FROM jsonb_array_elements($1::jsonb) AS u
         ON CONFLICT (update_id) DO UPDATE
           SET fingerprint = EXCLUDED.fingerprint, payload = EXCLUDED.payload,
               status = 'processing', claimed_at = now(), claimed_by = EXCLUDED.claimed_by,
               finished_at = NULL,
               received_at = CASE WHEN update_inbox.fingerprint <> EXCLUDED.fingerprint
                                  THEN now() ELSE update_inbox.received_at END,
               attempts = CASE WHEN update_inbox.fingerprint <> EXCLUDED.fingerprint
                               THEN 1 ELSE update_inbox.attempts + 1 END
         WHERE update_inbox.fingerprint <> EXCLUDED.fingerprint
            OR (update_inbox.status = 'processing'
                AND update_inbox.claimed_at < now() - make_interval(secs => $3))
         RETURNING update_id
         ),
         senders AS (
           SELECT * FROM unnest($4::bigint[], $5::bigint[]) AS s(update_id, user_id)
         )
         -- The sender's state as its handler would read it: the columns of the customers'
         -- language and reachable mark, and of the open question and buy session.
         SELECT c.update_id,
                s.user_id IS NOT NULL AS read,
                u.telegram_id IS NOT NULL AS known,
                u.language_code,
                COALESCE(NOT u.reachable OR u.last_seen_at < now() - interval '1 minute', false)
                  AS reachable_due,
                CASE WHEN cs.prompt_until > now() THEN cs.prompt END AS prompt,
                CASE WHEN cs.promo_until > now() THEN cs.promo_code END AS promo_code
           FROM claimed c
           LEFT JOIN senders s ON s.update_id = c.update_id
           LEFT JOIN users u ON u.telegram_id = s.user_id
           LEFT JOIN conversation_state cs ON cs.user_id = s.user_id`,
        [storable(updates), this.#d.owner, this.#d.options.leaseMs / 1000, readIds, readSenders],
        "handler",
      );
      claimed = new Set();
      for (const row of res.rows) {
        const updateId = Number(row.update_id);
        claimed.add(updateId);
        const t = tracked.get(updateId);
        if (t && row.read) {
          t.state = {
            ...(this.#d.readsCustomers
              ? {
                  customer: {
                    known: row.known,
                    language: row.language_code,
                    reachableDue: row.reachable_due,
                  },
                }
              : {}),
            prompt: promptFromStore(row.prompt) ?? null,
            promoCode: row.promo_code,
            readAt,
          };
        }
      }
    } catch (err) {
      for (const updateId of tracked.keys()) this.#release(updateId);
      this.#d.metrics.botInbox.inc({ outcome: "store_failed" }, updates.length);
      throw err;
    }
    for (const updateId of tracked.keys()) if (!claimed.has(updateId)) this.#release(updateId);
    const mine = updates.filter((u) => claimed.has(u.update_id));
    this.#d.metrics.botInbox.inc({ outcome: "stored" }, mine.length);
    const skipped = updates.length - mine.length;
    if (skipped > 0) {
      this.#d.metrics.botInbox.inc({ outcome: "redelivery" }, skipped);
      this.#log.info(
        { update_ids: updates.filter((u) => !claimed.has(u.update_id)).map((u) => u.update_id) },
        "update already stored (redelivery); not run again",
      );
    }
    return mine;
  }

  /** Runs a stored, claimed update and marks it done; the claim is renewed meanwhile. */
  async handle(update: Update, run: RunUpdate): Promise<void> {
    this.#owned.add(update.update_id);
    try {
      await run(update, this.#begin(update));
    } finally {
      this.#owned.delete(update.update_id);
      this.#release(update.update_id);
      await this.#finish(update.update_id).catch((err: unknown) => {
        // The row stays `processing`: after the lease it runs again (payments stay exactly-once
        // by their charge ids; the customer may see a screen twice).
        this.#log.warn(
          { update_id: update.update_id, err: toError(err).message },
          "could not mark the update done",
        );
      });
    }
  }

  /** Starts the claim heartbeat and the recovery sweep; stored updates found are run by `run`. */
  start(run: RunUpdate): void {
    if (this.#timers.length > 0) return;
    this.#run = run;
    const o = this.#d.options;
    const heartbeat = setInterval(() => {
      void this.#renew().catch((err: unknown) =>
        this.#log.warn({ err: toError(err).message }, "could not renew update claims"),
      );
    }, o.heartbeatMs);
    const sweep = setInterval(() => {
      this.#sweeping ??= this.sweep().finally(() => {
        this.#sweeping = undefined;
      });
    }, o.sweepMs);
    heartbeat.unref();
    sweep.unref();
    this.#timers = [heartbeat, sweep];
  }

  /** Stops the timers and waits for a sweep in progress (the updates it started keep running). */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#sweeping;
    await this.#finishing;
  }

  /**
   * Counts the batch's updates as pending for their senders. An update's sender state is read
   * only when no other update of that sender is pending here (an earlier one may still change
   * it). Updates already in hand here (a redelivery) are not counted again.
   */
  #track(updates: readonly Update[]): Map<number, Tracked> {
    const tracked = new Map<number, Tracked>();
    for (const update of updates) {
      const updateId = update.update_id;
      if (tracked.has(updateId) || this.#tracked.has(updateId)) continue;
      const sender = senderOf(update);
      if (sender === undefined) continue;
      const track = this.#senderTrack(sender);
      const t: Tracked = { sender, starts: track.starts, readable: track.pending === 0 };
      track.pending++;
      tracked.set(updateId, t);
      this.#tracked.set(updateId, t);
    }
    return tracked;
  }

  #senderTrack(sender: number): SenderTrack {
    let track = this.#senders.get(sender);
    if (!track) {
      track = { pending: 0, starts: 0 };
      this.#senders.set(sender, track);
    }
    return track;
  }

  /**
   * The update starts: its sender state, unless another update of the sender started since it
   * was read (one the sweep recovered). An update the sweep recovered is counted from here.
   */
  #begin(update: Update): SenderState | undefined {
    let t = this.#tracked.get(update.update_id);
    if (!t) {
      const sender = senderOf(update);
      if (sender === undefined) return undefined;
      const track = this.#senderTrack(sender);
      t = { sender, starts: track.starts, readable: false };
      track.pending++;
      this.#tracked.set(update.update_id, t);
    }
    const track = this.#senderTrack(t.sender);
    const state = track.starts === t.starts ? t.state : undefined;
    track.starts++;
    return state;
  }

  #release(updateId: number): void {
    const t = this.#tracked.get(updateId);
    if (!t) return;
    this.#tracked.delete(updateId);
    const track = this.#senders.get(t.sender);
    if (track && --track.pending <= 0) this.#senders.delete(t.sender);
  }

  /**
   * One recovery pass: claims updates whose lease lapsed (SKIP LOCKED, so replicas split them),
   * gives up those run `maxAttempts` times, and starts the others (not awaited). Also prunes
   * finished rows now and then. Never throws.
   */
  async sweep(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    try {
      const o = this.#d.options;
      const res = await this.#d.db.query<{ update_id: string; payload: Update; attempts: number }>(
        "bot.inbox_claim_lapsed",
        `UPDATE update_inbox i
            SET claimed_at = now(), claimed_by = $1, attempts = i.attempts + 1
           FROM (SELECT update_id FROM update_inbox
                  WHERE status = 'processing'
                    AND claimed_at < now() - make_interval(secs => $2)
                  ORDER BY update_id
                  LIMIT $3
                  FOR UPDATE SKIP LOCKED) lapsed
          WHERE i.update_id = lapsed.update_id
         RETURNING i.update_id, i.payload, i.attempts`,
        [this.#d.owner, o.leaseMs / 1000, o.sweepBatch],
        "system",
      );
      const rows = res.rows.sort((a, b) => Number(a.update_id) - Number(b.update_id));
      const given = rows.filter((r) => r.attempts > o.maxAttempts);
      if (given.length > 0) await this.#giveUp(given.map((r) => [r.payload, r.attempts - 1]));
      for (const row of rows) {
        if (row.attempts > o.maxAttempts) continue;
        this.#d.metrics.botInbox.inc({ outcome: "recovered" });
        this.#log.warn(
          { update_id: row.payload.update_id, attempt: row.attempts },
          "running an update whose handler never finished (the process stopped)",
        );
        void this.handle(row.payload, run);
      }
      if (Date.now() - this.#lastPruneAt >= o.pruneEveryMs) await this.#prune();
    } catch (err) {
      this.#log.warn({ err: toError(err).message }, "update inbox sweep failed");
    }
  }

  async #giveUp(updates: Array<[Update, number]>): Promise<void> {
    await this.#d.db.query(
      "bot.inbox_give_up",
      `UPDATE update_inbox SET status = 'failed', finished_at = now()
        WHERE update_id = ANY($1::bigint[]) AND claimed_by = $2 AND status = 'processing'`,
      [updates.map(([u]) => u.update_id), this.#d.owner],
      "system",
    );
    for (const [update, attempts] of updates) {
      this.#d.metrics.botInbox.inc({ outcome: "failed" });
      this.#log.error(
        { update_id: update.update_id, attempts },
        "update given up: its handler never finished",
      );
      this.#d.onGaveUp(update, attempts);
    }
  }

  /** Marks the update done; resolves once the statement that includes it committed. */
  #finish(updateId: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#finishQueue.push({
        updateId,
        done: (err) => (err === undefined ? resolve() : reject(err)),
      });
      if (!this.#flushing) {
        this.#flushing = true;
        this.#finishing = this.#flushFinishes();
      }
    });
  }

  /** One statement for every finish queued, repeated while more arrive meanwhile. */
  async #flushFinishes(): Promise<void> {
    try {
      while (this.#finishQueue.length > 0) {
        const batch = this.#finishQueue;
        this.#finishQueue = [];
        try {
          await this.#d.db.query(
            "bot.inbox_finish",
            `UPDATE update_inbox SET status = 'done', finished_at = now()
              WHERE update_id = ANY($1::bigint[]) AND claimed_by = $2 AND status = 'processing'`,
            [batch.map((f) => f.updateId), this.#d.owner],
            "handler",
          );
          for (const f of batch) f.done();
        } catch (err) {
          for (const f of batch) f.done(err);
        }
      }
    } finally {
      // Cleared in the turn that found the queue empty: a finish queued later starts anew.
      this.#flushing = false;
    }
  }

  async #renew(): Promise<void> {
    if (this.#owned.size === 0) return;
    await this.#d.db.query(
      "bot.inbox_renew_claims",
      `UPDATE update_inbox SET claimed_at = now()
        WHERE update_id = ANY($1::bigint[]) AND claimed_by = $2 AND status = 'processing'`,
      [[...this.#owned], this.#d.owner],
      "system",
    );
  }

  async #prune(batch = 5_000): Promise<void> {
    this.#lastPruneAt = Date.now();
    await this.#d.db.query(
      "bot.inbox_prune",
      `DELETE FROM update_inbox WHERE update_id IN (
         SELECT update_id FROM update_inbox
          WHERE status <> 'processing' AND finished_at < now() - make_interval(secs => $1)
          LIMIT $2)`,
      [this.#d.options.retentionMs / 1000, batch],
      "system",
    );
  }
}

interface ClaimRow {
  update_id: string;
  read: boolean;
  known: boolean;
  language_code: string | null;
  reachable_due: boolean;
  prompt: StoredPrompt | null;
  promo_code: string | null;
}

/**
 * The batch as one JSON array for `jsonb_array_elements`, without repeated ids (Telegram never
 * repeats one in a batch; a repeat would fail the statement) and without NUL characters, which
 * jsonb cannot hold (a customer could send one; the update must still be stored).
 */
function storable(updates: readonly Update[]): string {
  const seen = new Set<number>();
  const unique = updates.filter((u) => !seen.has(u.update_id) && seen.add(u.update_id));
  return JSON.stringify(unique).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1");
}
