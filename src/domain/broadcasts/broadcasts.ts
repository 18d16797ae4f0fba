import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";

/**
 * Who a broadcast goes to (always only customers who have not blocked the bot): everyone,
 * active paid subscribers, customers on a trial, customers whose subscription expired, those
 * who never paid, those with no current subscription, or one language (`lang:<code>`).
 */
export type Segment =
  | "all"
  | "active"
  | "none"
  | "trial"
  | "expired"
  | "never_paid"
  | `lang:${string}`;

export const SEGMENTS: readonly Segment[] = ["all", "active", "trial", "expired", "never_paid"];

const CURRENT = `s.status IN ('pending', 'active') AND s.expires_at > now()`;

const SEGMENT_FILTER: Record<Exclude<Segment, `lang:${string}`>, string> = {
  all: "true",
  active: `EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id
                    AND ${CURRENT} AND NOT s.is_trial)`,
  none: `NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id AND ${CURRENT})`,
  trial: `EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id
                   AND ${CURRENT} AND s.is_trial)`,
  expired: `EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id)
            AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id AND ${CURRENT})`,
  never_paid: "NOT EXISTS (SELECT 1 FROM payments p WHERE p.user_id = u.telegram_id)",
};

const LANGUAGE_SEGMENT = /^lang:([a-z]{2,3}(?:-[a-z0-9]{2,8})?)$/;

export function isSegment(value: string): value is Segment {
  return value in SEGMENT_FILTER || LANGUAGE_SEGMENT.test(value);
}

/** The segment's WHERE condition on `users u`; a language is the parameter `$<param>`. */
function segmentFilter(segment: Segment, param: number): { sql: string; values: string[] } {
  const language = LANGUAGE_SEGMENT.exec(segment)?.[1];
  if (language !== undefined) return { sql: `u.language_code = $${param}`, values: [language] };
  const sql = SEGMENT_FILTER[segment as keyof typeof SEGMENT_FILTER];
  if (sql === undefined) throw new Error(`unknown broadcast segment ${segment}`);
  return { sql, values: [] };
}

/** How many reachable customers a broadcast to `segment` would reach (the admin's preview). */
export async function countSegment(db: DbAccess, segment: Segment): Promise<number> {
  const filter = segmentFilter(segment, 1);
  const { rows } = await db.query<{ n: number }>(
    "broadcast_preview",
    `SELECT count(*)::int AS n FROM users u WHERE u.reachable AND ${filter.sql}`,
    filter.values,
  );
  return rows[0]?.n ?? 0;
}

/** Snapshots the recipients (alternating A/B when `withB`); returns how many. */
async function insertRecipients(
  c: DbClient,
  broadcastId: number,
  segment: Segment,
  withB: boolean,
): Promise<number> {
  const filter = segmentFilter(segment, 3);
  const { rowCount } = await c.query(
    `INSERT INTO broadcast_recipients (broadcast_id, user_id, variant)
     SELECT $1, u.telegram_id,
            CASE WHEN $2 AND row_number() OVER (ORDER BY u.telegram_id) % 2 = 0 THEN 'b' ELSE 'a' END
       FROM users u WHERE u.reachable AND ${filter.sql}`,
    [broadcastId, withB, ...filter.values],
  );
  return rowCount ?? 0;
}

// --- drafts (the console's compose screens) --------------------------------------------------

/** What each recipient gets: the text (a photo's caption when there is a photo), one URL button. */
export interface BroadcastMessage {
  text: string;
  photoFileId: string | null;
  button: { text: string; url: string } | null;
}

export interface BroadcastView {
  id: number;
  createdBy: number;
  status: "draft" | "running" | "done" | "cancelled";
  segment: Segment;
  textA: string;
  textB: string | null;
  photoFileId: string | null;
  button: { text: string; url: string } | null;
  progress: { chatId: number; messageId: number } | null;
}

type BroadcastRow = {
  id: string;
  created_by: string;
  status: BroadcastView["status"];
  segment: Segment;
  text_a: string;
  text_b: string | null;
  photo_file_id: string | null;
  button_text: string | null;
  button_url: string | null;
  progress_chat_id: string | null;
  progress_message_id: string | null;
};

const VIEW_COLUMNS = `id, created_by, status, segment, text_a, text_b, photo_file_id, button_text,
  button_url, progress_chat_id, progress_message_id`;

function toView(r: BroadcastRow): BroadcastView {
  return {
    id: Number(r.id),
    createdBy: Number(r.created_by),
    status: r.status,
    segment: r.segment,
    textA: r.text_a,
    textB: r.text_b,
    photoFileId: r.photo_file_id,
    button:
      r.button_text !== null && r.button_url !== null
        ? { text: r.button_text, url: r.button_url }
        : null,
    progress:
      r.progress_chat_id !== null && r.progress_message_id !== null
        ? { chatId: Number(r.progress_chat_id), messageId: Number(r.progress_message_id) }
        : null,
  };
}

/** The message variant `variant` of a broadcast as recipients get it. */
export function messageOf(b: BroadcastView, variant: "a" | "b"): BroadcastMessage {
  return {
    text: variant === "b" && b.textB !== null ? b.textB : b.textA,
    photoFileId: b.photoFileId,
    button: b.button,
  };
}

export async function getBroadcast(db: DbAccess, id: number): Promise<BroadcastView | undefined> {
  const { rows } = await db.query<BroadcastRow>(
    "broadcast_view",
    `SELECT ${VIEW_COLUMNS} FROM broadcasts WHERE id = $1`,
    [id],
  );
  return rows[0] ? toView(rows[0]) : undefined;
}

/** A new draft to everyone with this text (and photo). */
export async function createDraft(
  db: DbAccess,
  adminId: number,
  input: { text: string; photoFileId: string | null },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    "broadcast_draft",
    `INSERT INTO broadcasts (created_by, segment, text_a, photo_file_id, status)
     VALUES ($1, 'all', $2, $3, 'draft') RETURNING id`,
    [adminId, input.text, input.photoFileId],
  );
  return Number(rows[0]?.id);
}

export type DraftChange =
  | { segment: Segment }
  | { textB: string | null }
  | { button: { text: string; url: string } | null };

/** Changes the creator's draft; false when it is no longer a draft (sent or discarded). */
export async function updateDraft(
  db: DbAccess,
  adminId: number,
  id: number,
  change: DraftChange,
): Promise<boolean> {
  let set: string;
  let values: unknown[];
  if ("segment" in change) {
    set = "segment = $3";
    values = [change.segment];
  } else if ("textB" in change) {
    set = "text_b = $3";
    values = [change.textB];
  } else {
    set = "button_text = $3, button_url = $4";
    values = [change.button?.text ?? null, change.button?.url ?? null];
  }
  const { rowCount } = await db.query(
    "broadcast_draft_update",
    `UPDATE broadcasts SET ${set} WHERE id = $1 AND created_by = $2 AND status = 'draft'`,
    [id, adminId, ...values],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The admin confirmed: the draft starts (draft → running, once — a second press finds it
 * running) with the segment's recipients snapshotted and the audit row, in one transaction.
 */
export async function confirmDraft(
  db: DbAccess,
  adminId: number,
  id: number,
): Promise<{ broadcastId: number; recipients: number } | undefined> {
  return db.tx("broadcast_confirm", async (c) => {
    const { rows } = await c.query<{ segment: Segment; with_b: boolean }>(
      `UPDATE broadcasts SET status = 'running', started_at = now()
        WHERE id = $1 AND created_by = $2 AND status = 'draft'
        RETURNING segment, text_b IS NOT NULL AS with_b`,
      [id, adminId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const recipients = await insertRecipients(c, id, row.segment, row.with_b);
    await writeAudit(c, {
      actorId: adminId,
      action: "broadcast.start",
      details: { broadcast_id: id, segment: row.segment, recipients, ab: row.with_b },
    });
    return { broadcastId: id, recipients };
  });
}

/** The console message that shows the broadcast's progress. */
export async function setProgressMessage(
  db: DbAccess,
  id: number,
  chatId: number,
  messageId: number,
): Promise<void> {
  await db.query(
    "broadcast_progress_message",
    "UPDATE broadcasts SET progress_chat_id = $2, progress_message_id = $3 WHERE id = $1",
    [id, chatId, messageId],
  );
}

/**
 * Stops a running broadcast (once): nobody else gets it; a message already being sent
 * finishes. Audited.
 */
export async function cancelBroadcast(db: DbAccess, adminId: number, id: number): Promise<boolean> {
  return db.tx("broadcast_cancel", async (c) => {
    const { rowCount } = await c.query(
      `UPDATE broadcasts SET status = 'cancelled', finished_at = now(), cancelled_by = $2
        WHERE id = $1 AND status = 'running'`,
      [id, adminId],
    );
    if ((rowCount ?? 0) === 0) return false;
    await writeAudit(c, {
      actorId: adminId,
      action: "broadcast.cancel",
      details: { broadcast_id: id },
    });
    return true;
  });
}

/** Discards the creator's draft (it is marked cancelled; drafts are never sent). */
export async function discardDraft(db: DbAccess, adminId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    "broadcast_discard",
    `UPDATE broadcasts SET status = 'cancelled', finished_at = now(), cancelled_by = $2
      WHERE id = $1 AND created_by = $2 AND status = 'draft'`,
    [id, adminId],
  );
  return (rowCount ?? 0) > 0;
}

export type RecipientStatus = "pending" | "sending" | DeliveryOutcome;

/** Recipient counts of one broadcast: in total, by status, and by status per variant. */
export interface BroadcastCounts {
  recipients: number;
  byStatus: Record<RecipientStatus, number>;
  byVariant: Record<"a" | "b", Record<RecipientStatus, number>>;
}

const zeroCounts = (): Record<RecipientStatus, number> => ({
  pending: 0,
  sending: 0,
  sent: 0,
  blocked: 0,
  failed: 0,
  unknown: 0,
});

export async function broadcastCounts(db: DbAccess, id: number): Promise<BroadcastCounts> {
  const { rows } = await db.query<{ variant: "a" | "b"; status: RecipientStatus; n: number }>(
    "broadcast_counts",
    `SELECT variant, status, count(*)::int AS n FROM broadcast_recipients
      WHERE broadcast_id = $1 GROUP BY variant, status`,
    [id],
  );
  const counts: BroadcastCounts = {
    recipients: 0,
    byStatus: zeroCounts(),
    byVariant: { a: zeroCounts(), b: zeroCounts() },
  };
  for (const r of rows) {
    counts.recipients += r.n;
    counts.byStatus[r.status] += r.n;
    counts.byVariant[r.variant][r.status] += r.n;
  }
  return counts;
}

export interface ClaimedRecipient {
  broadcastId: number;
  userId: number;
  text: string;
  message: BroadcastMessage;
}

/** Claims the next recipients of running, unpaused broadcasts as 'sending' (R5: SKIP LOCKED). */
export async function claimRecipients(db: DbAccess, limit: number): Promise<ClaimedRecipient[]> {
  const { rows } = await db.query<{
    broadcast_id: string;
    user_id: string;
    text: string;
    photo_file_id: string | null;
    button_text: string | null;
    button_url: string | null;
  }>(
    "broadcast_claim",
    `UPDATE broadcast_recipients r SET status = 'sending', claimed_at = now()
       FROM broadcasts b
      WHERE b.id = r.broadcast_id
        AND (r.broadcast_id, r.user_id) IN (
          SELECT r2.broadcast_id, r2.user_id FROM broadcast_recipients r2
            JOIN broadcasts b2 ON b2.id = r2.broadcast_id
           WHERE r2.status = 'pending' AND b2.status = 'running'
             AND (b2.paused_until IS NULL OR b2.paused_until <= now())
           ORDER BY r2.broadcast_id, r2.user_id
           LIMIT $1
           FOR UPDATE OF r2 SKIP LOCKED)
      RETURNING r.broadcast_id, r.user_id, CASE r.variant WHEN 'b' THEN b.text_b ELSE b.text_a END AS text,
                b.photo_file_id, b.button_text, b.button_url`,
    [limit],
  );
  return rows.map((r) => ({
    broadcastId: Number(r.broadcast_id),
    userId: Number(r.user_id),
    text: r.text,
    message: {
      text: r.text,
      photoFileId: r.photo_file_id,
      button:
        r.button_text !== null && r.button_url !== null
          ? { text: r.button_text, url: r.button_url }
          : null,
    },
  }));
}

export type DeliveryOutcome = "sent" | "blocked" | "failed" | "unknown";

export async function recordDelivery(
  db: DbAccess,
  r: ClaimedRecipient,
  outcome: DeliveryOutcome,
  error?: string,
): Promise<void> {
  await db.query(
    "broadcast_record",
    `UPDATE broadcast_recipients
        SET status = $3, error = left($4, 300), sent_at = CASE WHEN $3 = 'sent' THEN now() END
      WHERE broadcast_id = $1 AND user_id = $2 AND status = 'sending'`,
    [r.broadcastId, r.userId, outcome, error ?? null],
  );
}

/**
 * Claims that were not used (Telegram asked to wait, or the iteration's time ran out before
 * their turn) go back to 'pending'; the broadcast pauses for `pauseSeconds` (Telegram's
 * retry_after, or 0).
 */
export async function giveBackUnsent(
  db: DbAccess,
  broadcastId: number,
  unsent: ClaimedRecipient[],
  pauseSeconds: number,
): Promise<void> {
  await db.tx("broadcast_give_back", async (c: DbClient) => {
    if (pauseSeconds > 0) {
      await c.query(
        "UPDATE broadcasts SET paused_until = now() + make_interval(secs => $2) WHERE id = $1",
        [broadcastId, pauseSeconds],
      );
    }
    await c.query(
      `UPDATE broadcast_recipients SET status = 'pending', claimed_at = NULL
        WHERE broadcast_id = $1 AND user_id = ANY($2::bigint[]) AND status = 'sending'`,
      [broadcastId, unsent.map((u) => u.userId)],
    );
  });
}

/** After a crash: claims older than `olderThanMs` may have been sent — 'unknown', never resent. */
export async function markInterruptedDeliveries(
  db: DbAccess,
  olderThanMs: number,
): Promise<number> {
  const { rowCount } = await db.query(
    "broadcast_interrupted",
    `UPDATE broadcast_recipients SET status = 'unknown'
      WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)`,
    [olderThanMs / 1000],
  );
  return rowCount ?? 0;
}

export interface BroadcastReport {
  broadcastId: number;
  createdBy: number;
  counts: Record<DeliveryOutcome | "pending" | "sending", number>;
}

/** Broadcasts with nothing left to send become 'done'; their final reports are returned. */
export async function finishCompletedBroadcasts(db: DbAccess): Promise<BroadcastReport[]> {
  const { rows } = await db.query<{
    id: string;
    created_by: string;
    counts: Record<string, number>;
  }>(
    "broadcast_finish",
    `WITH done AS (
       UPDATE broadcasts b SET status = 'done', finished_at = now()
        WHERE b.status = 'running'
          AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r
                           WHERE r.broadcast_id = b.id AND r.status IN ('pending', 'sending'))
        RETURNING b.id, b.created_by)
     SELECT d.id, d.created_by,
            (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
               FROM (SELECT status, count(*)::int AS n FROM broadcast_recipients
                      WHERE broadcast_id = d.id GROUP BY status) s) AS counts
       FROM done d`,
  );
  return rows.map((r) => ({
    broadcastId: Number(r.id),
    createdBy: Number(r.created_by),
    counts: { pending: 0, sending: 0, sent: 0, blocked: 0, failed: 0, unknown: 0, ...r.counts },
  }));
}
