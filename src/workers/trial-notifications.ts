import type { DbAccess, WorkerDb } from "../db/pool.js";
import type { Notice } from "../domain/notifications/notices.js";
import { type SendOnceDeps, sendNoticeOnce } from "../domain/notifications/send-once.js";
import type { IterationContext, IterationReport } from "./loop.js";

const HOUR = 3600;

interface DueTrialNotice {
  userId: number;
  subscriptionId: number;
  /** The once-only key's cycle (see `listDueTrialNotices`). */
  cycle: Date;
  notice: Notice;
}

/**
 * Trials (still trials: the customer has not paid) with their one due message: a nudge 6 h
 * after activation, "ends soon" from 24 h before the end, "last hours" from 3 h before, and
 * "trial over" after it ended (within a week, so old trials are not messaged after a deploy).
 * The nearest due message wins. The nudge is sent once per trial: its once-only cycle is the
 * trial's start, so extra time granted later (which moves the expiry) does not send it again;
 * the end-of-trial messages belong to the expiry they announce.
 */
async function listDueTrialNotices(db: DbAccess, limit: number): Promise<DueTrialNotice[]> {
  const { rows } = await db.query<{
    user_id: string;
    id: string;
    expires_at: Date;
    kind: string;
    cycle: Date;
  }>(
    "trial_notices_due",
    `WITH trials AS (
       SELECT s.id, s.user_id, s.expires_at, g.granted_at,
              CASE WHEN s.expires_at <= now() THEN 'trial_over'
                   WHEN s.expires_at <= now() + make_interval(secs => $1) THEN 'trial_last_hours'
                   WHEN s.expires_at <= now() + make_interval(secs => $2) THEN 'trial_ends_soon'
                   WHEN g.granted_at <= now() - make_interval(secs => $3) THEN 'trial_nudge'
              END AS kind
         FROM subscriptions s
         JOIN users u ON u.telegram_id = s.user_id
         JOIN subscription_grants g ON g.subscription_id = s.id AND g.kind = 'trial'
        WHERE s.is_trial AND u.reachable
          AND s.expires_at > now() - interval '7 days'),
     keyed AS (
       SELECT t.*, date_trunc('milliseconds',
                CASE WHEN t.kind = 'trial_nudge' THEN t.granted_at ELSE t.expires_at END) AS cycle
         FROM trials t WHERE t.kind IS NOT NULL)
     SELECT k.user_id, k.id, k.expires_at, k.kind, k.cycle FROM keyed k
      WHERE NOT EXISTS (SELECT 1 FROM notifications n
                         WHERE n.subscription_id = k.id AND n.kind = k.kind AND n.cycle = k.cycle)
      ORDER BY k.expires_at LIMIT $4`,
    [3 * HOUR, 24 * HOUR, 6 * HOUR, limit],
  );
  return rows.map((r) => {
    const expiresAt = r.expires_at;
    const notice: Notice =
      r.kind === "trial_over"
        ? { kind: "trial_over" }
        : r.kind === "trial_nudge"
          ? { kind: "trial_nudge" }
          : { kind: r.kind as "trial_ends_soon" | "trial_last_hours", expiresAt };
    return { userId: Number(r.user_id), subscriptionId: Number(r.id), cycle: r.cycle, notice };
  });
}

/** Trial lifecycle messages (SPEC "Lifecycle notifications"). */
export function trialNotificationsIteration(deps: {
  db: WorkerDb;
  notices: SendOnceDeps;
  batchSize: number;
}) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const due = await listDueTrialNotices(deps.db, deps.batchSize);
    const counts = { due: due.length, sent: 0 };
    for (const d of due) {
      if (ctx.signal.aborted || Date.now() >= ctx.deadline) break;
      const outcome = await sendNoticeOnce(
        deps.notices,
        { userId: d.userId, subscriptionId: d.subscriptionId, cycle: d.cycle },
        d.notice,
        ctx.signal,
      );
      if (outcome === "sent") counts.sent++;
    }
    return { counts };
  };
}
