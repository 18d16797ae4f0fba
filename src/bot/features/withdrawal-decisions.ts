import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { WITHDRAWAL_DECISION_DATA } from "../keyboards.js";
import { answerCallback, showScreen } from "../ui.js";

/**
 * The Approve / Reject buttons under a withdrawal request sent to the admins. Only ids in the
 * configured admin list get here; for anyone else the press goes on to the stale-button handler,
 * exactly like any unknown button — no hint that admin actions exist.
 */
export function withdrawalDecisionsFeature(adminIds: readonly number[]): Composer<BotContext> {
  const admins = new Set(adminIds);
  const feature = new Composer<BotContext>();
  feature.callbackQuery(WITHDRAWAL_DECISION_DATA, async (ctx, next) => {
    if (!admins.has(ctx.from.id)) return next();
    await answerCallback(ctx);
    const withdrawalId = Number(ctx.match[1]);
    const approve = ctx.match[2] === "a";
    ctx.logger.info({ withdrawal_id: withdrawalId, approve }, "admin decided a withdrawal");
    await showScreen(
      ctx,
      await ctx.services.admin.decideWithdrawal(ctx.customer(), withdrawalId, approve),
    );
  });
  return feature;
}
