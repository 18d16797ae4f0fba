import type { Context, MiddlewareFn } from "grammy";
import type { BotContext } from "../context.js";
import { fingerprintOf, type ProcessedUpdates } from "../processed-updates.js";

/**
 * Handles each update once across deliveries and replicas (R5): claim the update_id before
 * handling, mark it done after. When the database cannot be asked, the update is handled anyway
 * (availability first; payment finalization is idempotent on its own).
 */
export function dedupUpdates(store: ProcessedUpdates): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    // Telegram never redelivers a pre-checkout query (answering one twice is refused anyway),
    // and its 10 s are better spent on the answer than on a database round trip.
    if (ctx.update.pre_checkout_query !== undefined) return next();
    const updateId = ctx.update.update_id;
    const fingerprint = fingerprintOf(ctx.update);
    let claimed = true;
    try {
      claimed = await store.claim(updateId, fingerprint);
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, "update de-duplication unavailable");
    }
    if (!claimed) {
      ctx.logger.info("update already handled (redelivery); skipped");
      return;
    }
    try {
      await next();
    } finally {
      await store.finish(updateId, fingerprint).catch((err: Error) => {
        ctx.logger.warn({ err: err.message }, "could not mark the update done");
      });
      if (store.pruneDue()) {
        void store.prune().catch((err: Error) => {
          ctx.logger.warn({ err: err.message }, "could not prune processed updates");
        });
      }
    }
  };
}

/**
 * Before the chat queue, without awaiting anything (order is kept): a redelivery of an update
 * this process is still handling is acknowledged at once instead of queueing behind it (and
 * timing out again). Other replicas' redeliveries are caught by the database claim.
 */
export function skipUpdatesInFlight<C extends Context>(): MiddlewareFn<C> {
  const inFlight = new Set<number>();
  return async (ctx, next) => {
    const id = ctx.update.update_id;
    if (inFlight.has(id)) return;
    inFlight.add(id);
    try {
      await next();
    } finally {
      inFlight.delete(id);
    }
  };
}
