import { resendDueNotices, type SendOnceDeps } from "../domain/notifications/send-once.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface NoticeRetryWorkerDeps {
  notices: SendOnceDeps;
  batchSize: number;
  /** A send begun longer ago than this was cut off by a crash (no send lasts nearly as long). */
  interruptedAfterMs: number;
}

/**
 * Notice retries: notices that did not arrive (Telegram unreachable, 5xx, 429) are sent again
 * under the retry rule of send-once.ts, and sends cut off by a crash are settled as `unknown`.
 * Light work (a small batch, one message at a time), so it runs often and on every replica.
 */
export function noticeRetryIteration(deps: NoticeRetryWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const report = await resendDueNotices(deps.notices, {
      limit: deps.batchSize,
      interruptedAfterMs: deps.interruptedAfterMs,
      signal: ctx.signal,
      deadline: ctx.deadline,
    });
    const degraded = report.failed > 0;
    return { outcome: degraded ? "degraded" : "ok", counts: { ...report } };
  };
}
