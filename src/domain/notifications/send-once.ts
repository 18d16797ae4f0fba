import type { DbAccess, DbClient } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";
import { classifyDeliveryError } from "./delivery.js";
import type { CustomerNotifier, Notice } from "./notices.js";

export interface SendOnceDeps {
  db: DbAccess;
  notifier: CustomerNotifier;
  logger: Logger;
  /** How notices that did not arrive are retried; defaults to `DEFAULT_NOTICE_RETRY`. */
  retry?: NoticeRetryRule;
}

/**
 * The retry rule of notices that provably did not arrive (429, 5xx, connection refused or
 * reset): again after `firstPauseMs`, doubling up to `maxPauseMs` (never sooner than Telegram's
 * retry_after), until delivered or until `giveUpAfterMs` after the notice was first tried —
 * after that it is stale (a reminder a day late misleads) and stays `failed` with the error
 * `expired`.
 */
export interface NoticeRetryRule {
  firstPauseMs: number;
  maxPauseMs: number;
  giveUpAfterMs: number;
}

const DEFAULT_NOTICE_RETRY: NoticeRetryRule = {
  firstPauseMs: 15_000,
  maxPauseMs: 10 * 60_000,
  giveUpAfterMs: 24 * 3600_000,
};

export interface NoticeTarget {
  userId: number;
  subscriptionId?: number;
  /**
   * The cycle the notice belongs to (a subscription's expires_at at sending time). Stored at
   * millisecond precision, as a JS Date carries it; queries compare with
   * `date_trunc('milliseconds', expires_at)`.
   */
  cycle?: Date;
}

/**
 * `failed`: it did not arrive (retried later when Telegram may take it, never when refused for
 * good); `unknown`: it may have arrived (never repeated).
 */
export type SendOnceResult = "sent" | "unreachable" | "failed" | "unknown" | "already_sent";

/** The `error` of a queued notice: due, and never tried yet (see `queueNotices`). */
const QUEUED = "queued";

/**
 * Queues notices in the caller's transaction (an outbox), in one statement: each (subscription,
 * kind, cycle) slot is taken as a due notice not tried yet, and the `NOTICES` worker sends it with the retry rule
 * of every notice. Recording an event and queueing its notice in one transaction means a crash
 * after the commit still delivers it, and a crash before leaves neither. Returns how many were
 * queued: a slot already taken (queued, sent or settled) is not queued twice.
 */
export async function queueNotices(
  client: DbClient,
  items: ReadonlyArray<{ target: NoticeTarget; notice: Notice }>,
): Promise<number> {
  if (items.length === 0) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO notifications
       (user_id, subscription_id, kind, cycle, status, error, next_attempt_at, notice)
     SELECT q.user_id, q.subscription_id, q.kind, coalesce(q.cycle, '-infinity'), 'failed', $6,
            now(), q.notice::jsonb
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[])
            AS q(user_id, subscription_id, kind, cycle, notice)
     ON CONFLICT DO NOTHING`,
    [
      items.map((i) => i.target.userId),
      items.map((i) => i.target.subscriptionId ?? null),
      items.map((i) => i.notice.kind),
      items.map((i) => i.target.cycle ?? null),
      items.map((i) => encode(i.notice)),
      QUEUED,
    ],
  );
  return rowCount ?? 0;
}

/**
 * Claims the (subscription, kind, cycle) slot as `sending` and keeps the notice for retries; a
 * slot that exists is not sent again, except one whose earlier attempt failed (not because the
 * customer blocked the bot, and not one waiting for its retry).
 */
async function claimNotification(
  client: DbClient,
  target: NoticeTarget,
  notice: Notice,
): Promise<number | undefined> {
  const conflict =
    target.subscriptionId === undefined
      ? "(user_id, kind, cycle) WHERE subscription_id IS NULL"
      : "(subscription_id, kind, cycle)";
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO notifications (user_id, subscription_id, kind, cycle, status, notice)
     VALUES ($1, $2, $3, coalesce($4::timestamptz, '-infinity'), 'sending', $5)
     ON CONFLICT ${conflict} DO UPDATE
       SET status = 'sending', error = NULL, claimed_at = now(), next_attempt_at = NULL,
           attempts = notifications.attempts + 1, notice = EXCLUDED.notice
       WHERE notifications.status = 'failed' AND notifications.next_attempt_at IS NULL
         AND coalesce(notifications.error, '') NOT IN ('unreachable', 'expired')
     RETURNING id`,
    [
      target.userId,
      target.subscriptionId ?? null,
      notice.kind,
      target.cycle ?? null,
      encode(notice),
    ],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

type Recorded =
  | { status: "sent" }
  | { status: "failed"; error: string; retryAfterMs?: number }
  | { status: "unknown"; error: string };

/** Records an attempt's outcome; a retry is planned by the rule, or the notice expires. */
async function recordNotification(
  client: DbClient,
  id: number,
  recorded: Recorded,
  rule: NoticeRetryRule,
): Promise<void> {
  const retryAfterMs = recorded.status === "failed" ? recorded.retryAfterMs : undefined;
  await client.query(
    `UPDATE notifications n
        SET status = $2,
            error = CASE WHEN v.retry AND v.stale THEN 'expired' ELSE left($3, 500) END,
            sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE n.sent_at END,
            next_attempt_at = CASE WHEN v.retry AND NOT v.stale
              THEN now() + make_interval(secs => greatest($4::float8,
                     least($5::float8 * 2 ^ (n.attempts - 1), $6::float8))) END
       FROM (SELECT $2 = 'failed' AND $4::float8 IS NOT NULL AS retry,
                    created_at < now() - make_interval(secs => $7) AS stale
               FROM notifications WHERE id = $1) v
      WHERE n.id = $1`,
    [
      id,
      recorded.status,
      recorded.status === "sent" ? null : recorded.error,
      retryAfterMs === undefined ? null : retryAfterMs / 1000,
      rule.firstPauseMs / 1000,
      rule.maxPauseMs / 1000,
      rule.giveUpAfterMs / 1000,
    ],
  );
}

/**
 * What became of one attempt; `retryPlanned`: it did not arrive because Telegram is unreachable
 * or asked to wait (not because this one notice was refused), so it is due again later.
 */
interface Attempted {
  result: Exclude<SendOnceResult, "already_sent">;
  retryPlanned: boolean;
}

/** Sends a claimed notice and records what became of it. */
async function attempt(
  deps: SendOnceDeps,
  id: number,
  userId: number,
  notice: Notice,
  signal?: AbortSignal,
): Promise<Attempted> {
  const rule = deps.retry ?? DEFAULT_NOTICE_RETRY;
  const record = (recorded: Recorded) =>
    deps.db.tx("notification_record", (c) => recordNotification(c, id, recorded, rule));
  let outcome: Awaited<ReturnType<CustomerNotifier["send"]>>;
  try {
    outcome = await deps.notifier.send(userId, notice, signal);
  } catch (err) {
    const failure = classifyDeliveryError(err);
    const message = toError(err).message;
    let result: "failed" | "unknown";
    let retryPlanned = false;
    switch (failure.kind) {
      case "rate_limited":
        await record({
          status: "failed",
          error: message,
          retryAfterMs: failure.retryAfterSeconds * 1000,
        });
        result = "failed";
        retryPlanned = true;
        break;
      case "not_delivered":
        await record({ status: "failed", error: message, retryAfterMs: 0 });
        result = "failed";
        retryPlanned = true;
        break;
      case "blocked":
        await record({ status: "failed", error: "unreachable" });
        return { result: "unreachable", retryPlanned: false };
      case "rejected":
        await record({ status: "failed", error: message });
        result = "failed";
        break;
      case "unknown":
        await record({ status: "unknown", error: message });
        result = "unknown";
        break;
    }
    deps.logger.warn(
      { user_id: userId, kind: notice.kind, err: message, outcome: result, failure: failure.kind },
      "notice not sent",
    );
    return { result, retryPlanned };
  }
  await record(
    outcome === "sent" ? { status: "sent" } : { status: "failed", error: "unreachable" },
  );
  return { result: outcome, retryPlanned: false };
}

/**
 * Sends a notice at most once per (subscription, kind, cycle): claimed before the Telegram call,
 * recorded after it, no connection held in between (R2). One that did not arrive is retried by
 * `resendDueNotices` under the retry rule; one that may have arrived is `unknown`, never resent.
 */
export async function sendNoticeOnce(
  deps: SendOnceDeps,
  target: NoticeTarget,
  notice: Notice,
  signal?: AbortSignal,
): Promise<SendOnceResult> {
  const id = await deps.db.tx("notification_claim", (c) => claimNotification(c, target, notice));
  if (id === undefined) return "already_sent";
  return (await attempt(deps, id, target.userId, notice, signal)).result;
}

export interface ResendReport {
  interrupted: number;
  due: number;
  sent: number;
  failed: number;
  unknown: number;
  unreachable: number;
  /** A notice did not arrive because Telegram is unreachable or asked to wait: pass stopped. */
  paused: boolean;
}

/**
 * One pass of the notice sender (every replica may run it; claims skip rows others hold):
 *   1. `sending` rows whose attempt began before `interruptedAfterMs` were cut off by a crash:
 *      `unknown` (they may have arrived), never resent;
 *   2. due notices — queued ones (`queueNotice`) and retries — are claimed oldest first and sent
 *      by up to `concurrency` lanes, starting at most `perSecond` sends a second (Telegram's
 *      overall bot limit is about 30 messages a second); once one does not arrive because
 *      Telegram is unreachable or asks to wait, no more are started and the rest of the batch
 *      keeps its turn for the next pass. One refused for good (chat not found, blocked) is
 *      recorded and the pass goes on.
 */
export async function resendDueNotices(
  deps: SendOnceDeps,
  opts: {
    limit: number;
    interruptedAfterMs: number;
    concurrency?: number;
    perSecond?: number;
    signal?: AbortSignal;
    deadline?: number;
  },
): Promise<ResendReport> {
  const interrupted = await settleInterruptedNotifications(deps.db, opts.interruptedAfterMs);
  const due = await claimDueNotifications(deps.db, opts.limit);
  const report: ResendReport = {
    interrupted,
    due: due.length,
    sent: 0,
    failed: 0,
    unknown: 0,
    unreachable: 0,
    paused: false,
  };
  const spacingMs = opts.perSecond ? 1000 / opts.perSecond : 0;
  let nextStartAt = Date.now();
  let next = 0;
  let stopped = false;
  const unsent: DueNotification[] = [];
  const lane = async () => {
    while (next < due.length) {
      const row = due[next++] as DueNotification;
      const wait = nextStartAt - Date.now();
      nextStartAt = Math.max(nextStartAt, Date.now()) + spacingMs;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const late = opts.deadline !== undefined && Date.now() >= opts.deadline;
      if (stopped || late || opts.signal?.aborted) {
        unsent.push(row);
        continue;
      }
      const { result, retryPlanned } = await attempt(
        deps,
        row.id,
        row.userId,
        row.notice,
        opts.signal,
      );
      report[result]++;
      if (retryPlanned) {
        stopped = true;
        report.paused = true;
      }
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 1, due.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  await returnUnsent(deps.db, unsent);
  return report;
}

interface DueNotification {
  id: number;
  userId: number;
  notice: Notice;
  /** Queued and never tried: its claim did not count as an attempt. */
  queued: boolean;
}

async function claimDueNotifications(db: DbAccess, limit: number): Promise<DueNotification[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    notice: unknown;
    queued: boolean;
  }>(
    "notifications.claim_due",
    `UPDATE notifications n
        SET status = 'sending', claimed_at = now(), next_attempt_at = NULL, error = NULL,
            attempts = n.attempts + CASE WHEN due.queued THEN 0 ELSE 1 END
       FROM (SELECT id, error IS NOT DISTINCT FROM $2 AS queued FROM notifications
              WHERE status = 'failed' AND next_attempt_at <= now() AND notice IS NOT NULL
              ORDER BY next_attempt_at, id
              LIMIT $1
              FOR UPDATE SKIP LOCKED) due
      WHERE n.id = due.id
     RETURNING n.id, n.user_id, n.notice, due.queued`,
    [limit, QUEUED],
  );
  return rows
    .map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      notice: decode(r.notice),
      queued: r.queued,
    }))
    .sort((a, b) => a.id - b.id);
}

/** Claims not tried (the pass stopped first) go back as they were: due, the attempt not counted. */
async function returnUnsent(db: DbAccess, unsent: DueNotification[]): Promise<void> {
  if (unsent.length === 0) return;
  await db.query(
    "notifications.return_unsent",
    `UPDATE notifications
        SET status = 'failed', next_attempt_at = now(),
            attempts = attempts - CASE WHEN id = ANY($2::bigint[]) THEN 0 ELSE 1 END,
            error = CASE WHEN id = ANY($2::bigint[]) THEN $3 ELSE 'not tried yet' END
      WHERE id = ANY($1::bigint[]) AND status = 'sending'`,
    [unsent.map((u) => u.id), unsent.filter((u) => u.queued).map((u) => u.id), QUEUED],
  );
}

/** Sends cut off by a crash are `unknown`, never resent (at most once). */
async function settleInterruptedNotifications(db: DbAccess, olderThanMs: number): Promise<number> {
  const { rowCount } = await db.query(
    "notifications.settle_interrupted",
    `UPDATE notifications SET status = 'unknown', error = 'interrupted'
      WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)`,
    [olderThanMs / 1000],
  );
  return rowCount ?? 0;
}

/** A notice as JSON, its dates marked so they come back as dates. */
function encode(notice: Notice): string {
  return JSON.stringify(notice, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : value;
  });
}

function decode(stored: unknown): Notice {
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 1 && entries[0]?.[0] === "$date") {
        return new Date(String(entries[0][1]));
      }
      return Object.fromEntries(entries.map(([k, v]) => [k, revive(v)]));
    }
    return value;
  };
  return revive(stored) as Notice;
}
