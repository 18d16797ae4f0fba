import { Composer } from "grammy";
import { menuView } from "../../features/menu/screens.js";
import type { BotContext } from "../context.js";
import { answerCallback, show } from "../ui.js";

/**
 * Registered last. A button no feature knows (from an older message or an older version of the
 * bot) is answered and replaced by the current menu; a message the bot does not understand
 * gets a hint and the menu. Nothing here hints at admin commands.
 */
export function unhandledFeature(): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  feature.on("callback_query", async (ctx) => {
    ctx.logger.info({ data: ctx.callbackQuery.data }, "stale or unknown button");
    await answerCallback(ctx, { text: ctx.t("callback.stale") });
    if (ctx.from) await show(ctx, await menuView(ctx));
  });

  feature.chatType("private").on("message", async (ctx) => {
    await show(ctx, await menuView(ctx, ctx.t("unhandled.text")));
  });

  return feature;
}
