import type { DbAccess, WorkerDb } from "../db/pool.js";
import type { NoticeKind } from "../domain/notifications/notices.js";
import { type SendOnceDeps, sendNoticeOnce } from "../domain/notifications/send-once.js";
import type { IterationContext, IterationReport } from "./loop.js";

/** Offsets before expiry, nearest first: only the nearest due reminder is sent. */
const REMINDERS: ReadonlyArray<{
  kind: NoticeKind & `reminder_${string}`;
  beforeSeconds: number;
}> = [
  { kind: "reminder_3h", beforeSeconds: 3 * 3600 },
  { kind: "reminder_24h", beforeSeconds: 24 * 3600 },
  { kind: "reminder_3d", beforeSeconds: 3 * 86_400 },
];

interface DueReminder {
  userId: number;
  subscriptionId: number;
  expiresAt: Date;
  kind: (typeof REMINDERS)[number]["kind"];
}

/**
 * Paid, live subscriptions inside a reminder window (expires_at − offset ≤ now < expires_at),
 * each with its nearest due reminder, and only when that reminder was not sent this cycle.
 * Customers with auto-renew on hear from the auto-renewal instead; unreachable ones are skipped.
 */
async function listDueReminders(db: DbAccess, limit: number): Promise<DueReminder[]> {
  const windows = REMINDERS.map((r) => r.beforeSeconds);
  const { rows } = await db.query<{ user_id: string; id: string; expires_at: Date; kind: string }>(
    "reminders_due",
    `SELECT s.user_id, s.id, s.expires_at,
            CASE WHEN s.expires_at <= now() + make_interval(secs => $1) THEN 'reminder_3h'
                 WHEN s.expires_at <= now() + make_interval(secs => $2) THEN 'reminder_24h'
                 ELSE 'reminder_3d' END AS kind
       FROM subscriptions s JOIN users u ON u.telegram_id = s.user_id
      WHERE s.status IN ('pending', 'active') AND NOT s.is_trial AND NOT s.auto_renew
        AND u.reachable
        AND s.expires_at > now() AND s.expires_at <= now() + make_interval(secs => $3)
        AND NOT EXISTS (SELECT 1 FROM notifications n
                         WHERE n.subscription_id = s.id AND n.cycle = date_trunc('milliseconds', s.expires_at)
                           AND n.kind = CASE WHEN s.expires_at <= now() + make_interval(secs => $1) THEN 'reminder_3h'
                                             WHEN s.expires_at <= now() + make_interval(secs => $2) THEN 'reminder_24h'
                                             ELSE 'reminder_3d' END)
      ORDER BY s.expires_at LIMIT $4`,
    [windows[0], windows[1], windows[2], limit],
  );
  return rows.map((r) => ({
    userId: Number(r.user_id),
    subscriptionId: Number(r.id),
    expiresAt: r.expires_at,
    kind: r.kind as DueReminder["kind"],
  }));
}

/** Reminders before a paid subscription ends (3 days, 24 hours, 3 hours), sent before expiry. */
export function remindersIteration(deps: {
  db: WorkerDb;
  notices: SendOnceDeps;
  batchSize: number;
}) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const due = await listDueReminders(deps.db, deps.batchSize);
    const counts = { due: due.length, sent: 0 };
    for (const r of due) {
      if (ctx.signal.aborted || Date.now() >= ctx.deadline) break;
      const outcome = await sendNoticeOnce(
        deps.notices,
        { userId: r.userId, subscriptionId: r.subscriptionId, cycle: r.expiresAt },
        { kind: r.kind, expiresAt: r.expiresAt },
        ctx.signal,
      );
      if (outcome === "sent") counts.sent++;
    }
    return { counts };
  };
}
