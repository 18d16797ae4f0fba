import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { Cb, settingsKeyboard } from "../../bot/keyboards.js";
import { answerCallback, menuView, show } from "../../bot/ui.js";
import type { Feature } from "../feature.js";

/** The main menu and the settings screen. *
 * Owns "menu" and "settings".
 */
export function menuFeature(): Feature {
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

  return { name: "menu", prefixes: ["menu", "settings"], composer: feature };
}
