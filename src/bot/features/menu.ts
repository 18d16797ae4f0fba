import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { Cb, settingsKeyboard } from "../keyboards.js";
import { answerCallback, menuView, show } from "../ui.js";

/** The main menu and the settings screen. */
export function menuFeature(): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  feature.command("menu", async (ctx) => {
    await show(ctx, await menuView(ctx));
  });

  feature.callbackQuery(Cb.menu, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await menuView(ctx));
  });

  feature.callbackQuery(Cb.settings, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, {
      text: ctx.t("settings.title", { language: ctx.i18n.nameOf(ctx.locale) }),
      keyboard: settingsKeyboard(ctx),
    });
  });

  return feature;
}
