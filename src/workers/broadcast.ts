import {
  type BroadcastReport,
  type ClaimedRecipient,
  claimRecipients,
  finishCompletedBroadcasts,
  giveBackUnsent,
  markInterruptedDeliveries,
  recordDelivery,
} from "../broadcasts/broadcasts.js";
import type { DbAccess } from "../db/pool.js";
import type { IterationContext, IterationReport } from "./loop.js";

/** Sends one broadcast message; throws Telegram's error (with `error_code`, `parameters`). */
export interface BroadcastTransport {
  send(userId: number, text: string, signal?: AbortSignal): Promise<void>;
}

export interface BroadcastWorkerDeps {
  db: DbAccess;
  transport: BroadcastTransport;
  /** The final report of a finished broadcast, for the admin who started it. */
  report(report: BroadcastReport): Promise<void>;
  batchSize: number;
  /**
   * A claim older than this belongs to a process that died mid-send (no single send lasts
   * nearly as long): it becomes 'unknown', so its broadcast can finish and be reported.
   */
  interruptedAfterMs: number;
}

interface TelegramErrorShape {
  error_code?: number;
  parameters?: { retry_after?: number };
  message?: string;
}

/**
 * The broadcast sender: sends each recipient at most once (claimed as 'sending' before the
 * call; a claim interrupted by a crash becomes 'unknown', never resent), resumes where it
 * stopped, honours Telegram's retry_after by pausing the broadcast, and records customers who
 * blocked the bot. One message at a time, as grammY advises for broadcasts.
 */
export function broadcastIteration(deps: BroadcastWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const interrupted = await markInterruptedDeliveries(deps.db, deps.interruptedAfterMs);
    const claimed = await claimRecipients(deps.db, deps.batchSize);
    const counts = {
      interrupted,
      claimed: claimed.length,
      sent: 0,
      blocked: 0,
      failed: 0,
      unknown: 0,
      paused: 0,
      finished: 0,
    };
    const byBroadcast = new Map<number, ClaimedRecipient[]>();
    for (const r of claimed)
      byBroadcast.set(r.broadcastId, [...(byBroadcast.get(r.broadcastId) ?? []), r]);

    for (const [broadcastId, recipients] of byBroadcast) {
      for (let i = 0; i < recipients.length; i++) {
        const r = recipients[i] as ClaimedRecipient;
        if (ctx.signal.aborted || Date.now() >= ctx.deadline) {
          await giveBackUnsent(deps.db, broadcastId, recipients.slice(i), 0);
          break;
        }
        try {
          await deps.transport.send(r.userId, r.text, ctx.signal);
          await recordDelivery(deps.db, r, "sent");
          counts.sent++;
        } catch (err) {
          const e = err as TelegramErrorShape;
          const retryAfter = e.error_code === 429 ? (e.parameters?.retry_after ?? 1) : undefined;
          if (retryAfter !== undefined) {
            // Telegram refused this one: it and the rest wait for retry_after.
            await giveBackUnsent(deps.db, broadcastId, recipients.slice(i), retryAfter);
            counts.paused++;
            break;
          }
          const outcome =
            e.error_code === 403
              ? "blocked"
              : e.error_code !== undefined && e.error_code < 500
                ? "failed"
                : "unknown";
          await recordDelivery(deps.db, r, outcome, e.message);
          counts[outcome]++;
        }
      }
    }
    for (const report of await finishCompletedBroadcasts(deps.db)) {
      counts.finished++;
      await deps
        .report(report)
        .catch((err) =>
          ctx.logger.warn(
            { broadcast_id: report.broadcastId, err: (err as Error).message },
            "broadcast report not sent",
          ),
        );
    }
    return { counts };
  };
}
