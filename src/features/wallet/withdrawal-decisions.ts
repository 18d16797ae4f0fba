import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { WITHDRAWAL_DECISION_DATA } from "../../bot/keyboards.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import type { Feature } from "../feature.js";

/**
 * The Approve / Reject buttons under a withdrawal request sent to the admins. Only ids in the
 * configured admin list get here; for anyone else the press goes on to the stale-button handler,
 * exactly like any unknown button — no hint that admin actions exist.
 *
 * Owns "wd:<id>:<a|r>".
 */
export function withdrawalDecisionsFeature(adminIds: readonly number[]): Feature {
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
  return { name: "wallet.withdrawal-decisions", prefixes: ["wd"], composer: feature };
}
