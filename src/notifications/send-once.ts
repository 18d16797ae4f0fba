import type { DbAccess, DbClient } from "../db/pool.js";
import type { Logger } from "../logger.js";
import type { CustomerNotifier, Notice } from "./notices.js";

export interface SendOnceDeps {
  db: DbAccess;
  notifier: CustomerNotifier;
  logger: Logger;
}

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

/** `failed`: Telegram refused it (tried again later); `unknown`: it may have arrived (never repeated). */
export type SendOnceResult = "sent" | "unreachable" | "failed" | "unknown" | "already_sent";

/** The Bot API's `error_code` when Telegram answered with an error (grammY's GrammyError). */
function telegramErrorCode(err: unknown): number | undefined {
  const code = (err as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Claims the (subscription, kind, cycle) slot as `sending`; a slot that exists is not sent
 * again, except one whose earlier attempt failed (not because the customer blocked the bot).
 */
async function claimNotification(
  client: DbClient,
  target: NoticeTarget,
  kind: string,
): Promise<number | undefined> {
  const conflict =
    target.subscriptionId === undefined
      ? "(user_id, kind, cycle) WHERE subscription_id IS NULL"
      : "(subscription_id, kind, cycle)";
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO notifications (user_id, subscription_id, kind, cycle, status)
     VALUES ($1, $2, $3, coalesce($4::timestamptz, '-infinity'), 'sending')
     ON CONFLICT ${conflict} DO UPDATE SET status = 'sending', error = NULL
       WHERE notifications.status = 'failed' AND notifications.error IS DISTINCT FROM 'unreachable'
     RETURNING id`,
    [target.userId, target.subscriptionId ?? null, kind, target.cycle ?? null],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

async function recordNotification(
  client: DbClient,
  id: number,
  status: "sent" | "failed" | "unknown",
  error?: string,
): Promise<void> {
  await client.query(
    `UPDATE notifications SET status = $2, error = left($3, 500),
            sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
      WHERE id = $1`,
    [id, status, error ?? null],
  );
}

/**
 * Sends a notice at most once per (subscription, kind, cycle): claimed before the Telegram call,
 * recorded after it, no connection held in between (R2). A row left `sending` by a crash is
 * turned `unknown` by `markInterruptedNotifications` and never resent.
 */
export async function sendNoticeOnce(
  deps: SendOnceDeps,
  target: NoticeTarget,
  notice: Notice,
  signal?: AbortSignal,
): Promise<SendOnceResult> {
  const id = await deps.db.tx("notification_claim", (c) =>
    claimNotification(c, target, notice.kind),
  );
  if (id === undefined) return "already_sent";
  try {
    const outcome = await deps.notifier.send(target.userId, notice, signal);
    await deps.db.tx("notification_record", (c) =>
      recordNotification(
        c,
        id,
        outcome === "sent" ? "sent" : "failed",
        outcome === "sent" ? undefined : "unreachable",
      ),
    );
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Only an explicit refusal from Telegram (a 4xx such as 429) proves the message was not
    // delivered; a timeout, an abort or a dropped connection may have delivered it, so it is
    // recorded as unknown and never sent again.
    const code = telegramErrorCode(err);
    const refused = code !== undefined && code < 500;
    await deps.db.tx("notification_record", (c) =>
      recordNotification(c, id, refused ? "failed" : "unknown", message),
    );
    deps.logger.warn(
      {
        user_id: target.userId,
        kind: notice.kind,
        err: message,
        outcome: refused ? "failed" : "unknown",
      },
      "notice not sent",
    );
    return refused ? "failed" : "unknown";
  }
}

/** At start: sends interrupted by a crash are `unknown`, never resent (at most once). */
export async function markInterruptedNotifications(
  db: DbAccess,
  olderThanMs: number,
): Promise<number> {
  const { rowCount } = await db.query(
    "mark_interrupted_notifications",
    `UPDATE notifications SET status = 'unknown'
      WHERE status = 'sending' AND created_at < now() - make_interval(secs => $1)`,
    [olderThanMs / 1000],
  );
  return rowCount ?? 0;
}
