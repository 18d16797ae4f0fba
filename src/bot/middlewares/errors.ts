import { type BotError, GrammyError } from "grammy";
import { toError } from "../../util/errors.js";
import type { BotContext } from "../context.js";
import { updateType } from "./track.js";

/**
 * The error boundary's handler: log with `update_id` and `user_id`, then answer the customer
 * politely in their language. Never throws (a failure here is logged and dropped).
 */
export async function handleUpdateError(err: BotError<BotContext>): Promise<void> {
  const ctx = err.ctx;
  const cause = err.error as { message?: string; stack?: string; name?: string } | undefined;
  ctx.logger.error(
    {
      update_type: updateType(ctx.update),
      err: cause?.message ?? String(err.error),
      err_name: cause?.name,
      stack: cause?.stack,
    },
    "update handler failed",
  );
  // The customer blocked the bot: nobody to answer.
  if (err.error instanceof GrammyError && err.error.error_code === 403) return;
  try {
    if (ctx.preCheckoutQuery) {
      await ctx.answerPreCheckoutQuery(false, { error_message: ctx.t("precheckout.failed") });
      return;
    }
    if (ctx.callbackQuery) {
      try {
        await ctx.answerCallbackQuery({ text: ctx.t("error.generic"), show_alert: true });
        return;
      } catch {
        // Already answered (or expired): say it in the chat instead.
      }
    }
    if (ctx.chat?.type === "private") await ctx.reply(ctx.t("error.generic"));
  } catch (replyErr) {
    ctx.logger.warn(
      { err: toError(replyErr).message },
      "could not tell the customer about the failure",
    );
  }
}
