import { resendDueNotices, type SendOnceDeps } from "../domain/notifications/send-once.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface NoticeRetryWorkerDeps {
  notices: SendOnceDeps;
  /** Notices claimed per pass; passes repeat within the budget while they come back full. */
  batchSize: number;
  /** Sends at once (default 1). */
  concurrency?: number;
  /** Sends started per second, at most (default: no limit). */
  perSecond?: number;
  /** A send begun longer ago than this was cut off by a crash (no send lasts nearly as long). */
  interruptedAfterMs: number;
}

/**
 * The notice sender: notices queued by the workers (`queueNotices`, e.g. "subscription expired")
 * and notices that did not arrive (Telegram unreachable, 5xx, 429) are sent under the retry rule
 * of send-once.ts, and sends cut off by a crash are settled as `unknown`. Passes of `batchSize`
 * repeat until one comes back short, Telegram is unreachable or asks to wait, or the budget is
 * spent, so a backlog drains at
 * the pace `perSecond` allows. Runs often and on every replica.
 */
export function noticeRetryIteration(deps: NoticeRetryWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const total = { interrupted: 0, due: 0, sent: 0, failed: 0, unknown: 0, unreachable: 0 };
    let paused = false;
    for (;;) {
      const report = await resendDueNotices(deps.notices, {
        limit: deps.batchSize,
        interruptedAfterMs: deps.interruptedAfterMs,
        ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
        ...(deps.perSecond === undefined ? {} : { perSecond: deps.perSecond }),
        signal: ctx.signal,
        deadline: ctx.deadline,
      });
      for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += report[key];
      paused ||= report.paused;
      const full = report.due === deps.batchSize;
      if (!full || paused || ctx.signal.aborted || Date.now() >= ctx.deadline) break;
    }
    const degraded = total.failed > 0;
    return { outcome: degraded ? "degraded" : "ok", counts: total };
  };
}
