import type { DbAccess, DbClient } from "../../db/pool.js";

export type Segment = "all" | "active" | "none" | "trial";

const SEGMENT_FILTER: Record<Segment, string> = {
  all: "true",
  active: `EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id
                    AND s.status IN ('pending', 'active') AND s.expires_at > now() AND NOT s.is_trial)`,
  none: `NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id
                      AND s.status IN ('pending', 'active') AND s.expires_at > now())`,
  trial: `EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.telegram_id
                   AND s.status IN ('pending', 'active') AND s.expires_at > now() AND s.is_trial)`,
};

/** How many reachable customers a broadcast to `segment` would reach (the admin's preview). */
export async function countSegment(db: DbAccess, segment: Segment): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "broadcast_preview",
    `SELECT count(*)::int AS n FROM users u WHERE u.reachable AND ${SEGMENT_FILTER[segment]}`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Starts a broadcast: the recipients are the segment's reachable customers at this moment,
 * alternating between variants A and B when a B text is given.
 */
export async function startBroadcast(
  db: DbAccess,
  input: { adminId: number; segment: Segment; textA: string; textB?: string | null },
): Promise<{ broadcastId: number; recipients: number }> {
  return db.tx("broadcast_start", async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO broadcasts (created_by, segment, text_a, text_b) VALUES ($1, $2, $3, $4) RETURNING id`,
      [input.adminId, input.segment, input.textA, input.textB ?? null],
    );
    const broadcastId = Number(rows[0]?.id);
    const { rowCount } = await c.query(
      `INSERT INTO broadcast_recipients (broadcast_id, user_id, variant)
       SELECT $1, u.telegram_id,
              CASE WHEN $2 AND row_number() OVER (ORDER BY u.telegram_id) % 2 = 0 THEN 'b' ELSE 'a' END
         FROM users u WHERE u.reachable AND ${SEGMENT_FILTER[input.segment]}`,
      [broadcastId, input.textB != null],
    );
    return { broadcastId, recipients: rowCount ?? 0 };
  });
}

export interface ClaimedRecipient {
  broadcastId: number;
  userId: number;
  text: string;
}

/** Claims the next recipients of running, unpaused broadcasts as 'sending' (R5: SKIP LOCKED). */
export async function claimRecipients(db: DbAccess, limit: number): Promise<ClaimedRecipient[]> {
  const { rows } = await db.query<{ broadcast_id: string; user_id: string; text: string }>(
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
      RETURNING r.broadcast_id, r.user_id, CASE r.variant WHEN 'b' THEN b.text_b ELSE b.text_a END AS text`,
    [limit],
  );
  return rows.map((r) => ({
    broadcastId: Number(r.broadcast_id),
    userId: Number(r.user_id),
    text: r.text,
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
