import type { WorkerDb } from "../db/pool.js";
import {
  type BroadcastMessage,
  type BroadcastReport,
  type ClaimedRecipient,
  claimRecipients,
  finishCompletedBroadcasts,
  giveBackUnsent,
  markInterruptedDeliveries,
  recordDelivery,
} from "../domain/broadcasts/broadcasts.js";
import { classifyDeliveryError } from "../domain/notifications/delivery.js";
import { toError } from "../util/errors.js";
import type { IterationContext, IterationReport } from "./loop.js";

/** Sends one broadcast message; throws Telegram's error (with `error_code`, `parameters`). */
export interface BroadcastTransport {
  send(userId: number, message: BroadcastMessage, signal?: AbortSignal): Promise<void>;
}

export interface BroadcastWorkerDeps {
  db: WorkerDb;
  transport: BroadcastTransport;
  /** The final report of a finished broadcast, for the admin who started it. */
  report(report: BroadcastReport): Promise<void>;
  /** After each iteration, for every broadcast that sent something: show its progress. */
  progress?(broadcastId: number): Promise<void>;
  batchSize: number;
  /**
   * A claim older than this belongs to a process that died mid-send (no single send lasts
   * nearly as long): it becomes 'unknown', so its broadcast can finish and be reported.
   */
  interruptedAfterMs: number;
  /** The pause after a send that did not arrive because Telegram was unreachable (or 5xx). */
  unreachablePauseSeconds: number;
}

/**
 * The broadcast sender: sends each recipient at most once (claimed as 'sending' before the
 * call; a claim interrupted by a crash becomes 'unknown', never resent), resumes where it
 * stopped, honours Telegram's retry_after by pausing the broadcast, pauses it while Telegram
 * is unreachable (a refused or reset connection, a 5xx: the message did not arrive and its
 * recipient keeps their turn), and records customers who blocked the bot. Only a send that may
 * have reached Telegram without an answer (a timeout) is 'unknown'. One message at a time, as
 * grammY advises for broadcasts; batch after batch while the iteration's time lasts.
 */
export function broadcastIteration(deps: BroadcastWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const interrupted = await markInterruptedDeliveries(deps.db, deps.interruptedAfterMs);
    const counts = {
      interrupted,
      claimed: 0,
      sent: 0,
      blocked: 0,
      failed: 0,
      unknown: 0,
      paused: 0,
      finished: 0,
    };
    const touched = new Set<number>();
    let more = true;
    while (more && !ctx.signal.aborted && Date.now() < ctx.deadline) {
      const claimed = await claimRecipients(deps.db, deps.batchSize);
      counts.claimed += claimed.length;
      const paused = counts.paused;
      await sendBatch(deps, ctx, claimed, counts, touched);
      // A short batch had everything there was; a pause waits for the next iteration.
      more = claimed.length === deps.batchSize && counts.paused === paused;
    }
    if (deps.progress) {
      for (const broadcastId of touched) {
        await deps
          .progress(broadcastId)
          .catch((err) =>
            ctx.logger.warn(
              { broadcast_id: broadcastId, err: toError(err).message },
              "broadcast progress not shown",
            ),
          );
      }
    }
    for (const report of await finishCompletedBroadcasts(deps.db)) {
      counts.finished++;
      await deps
        .report(report)
        .catch((err) =>
          ctx.logger.warn(
            { broadcast_id: report.broadcastId, err: toError(err).message },
            "broadcast report not sent",
          ),
        );
    }
    return { counts };
  };
}

type Counts = Record<
  "claimed" | "sent" | "blocked" | "failed" | "unknown" | "paused" | "finished" | "interrupted",
  number
>;

async function sendBatch(
  deps: BroadcastWorkerDeps,
  ctx: IterationContext,
  claimed: ClaimedRecipient[],
  counts: Counts,
  touched: Set<number>,
): Promise<void> {
  const byBroadcast = new Map<number, ClaimedRecipient[]>();
  for (const r of claimed)
    byBroadcast.set(r.broadcastId, [...(byBroadcast.get(r.broadcastId) ?? []), r]);
  for (const [broadcastId, recipients] of byBroadcast) {
    touched.add(broadcastId);
    for (let i = 0; i < recipients.length; i++) {
      const r = recipients[i] as ClaimedRecipient;
      if (ctx.signal.aborted || Date.now() >= ctx.deadline) {
        await giveBackUnsent(deps.db, broadcastId, recipients.slice(i), 0);
        break;
      }
      try {
        await deps.transport.send(r.userId, r.message, ctx.signal);
        await recordDelivery(deps.db, r, "sent");
        counts.sent++;
      } catch (err) {
        const failure = classifyDeliveryError(err);
        if (failure.kind === "rate_limited" || failure.kind === "not_delivered") {
          // Not delivered: it and the rest wait (retry_after, or until Telegram is back).
          const pause =
            failure.kind === "rate_limited"
              ? failure.retryAfterSeconds
              : deps.unreachablePauseSeconds;
          await giveBackUnsent(deps.db, broadcastId, recipients.slice(i), pause);
          counts.paused++;
          if (failure.kind === "not_delivered") {
            ctx.logger.warn(
              { broadcast_id: broadcastId, err: toError(err).message, pause_s: pause },
              "Telegram unreachable: broadcast paused",
            );
          }
          break;
        }
        const outcome =
          failure.kind === "blocked"
            ? "blocked"
            : failure.kind === "rejected"
              ? "failed"
              : "unknown";
        await recordDelivery(deps.db, r, outcome, toError(err).message);
        counts[outcome]++;
      }
    }
  }
}
