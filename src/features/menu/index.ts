import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { answerCallback, show } from "../../bot/ui.js";
import type { Feature } from "../feature.js";
import { MenuData } from "./codec.js";
import { menuView, settingsKeyboard } from "./screens.js";

/** The main menu and the settings screen. *
 * Owns "menu" and "settings".
 */
export function menuFeature(): Feature {
  const feature = new Composer<BotContext>();

  feature.command("menu", async (ctx) => {
    await show(ctx, await menuView(ctx));
  });

  feature.callbackQuery(MenuData.menu, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await menuView(ctx));
  });

  feature.callbackQuery(MenuData.settings, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, {
      text: ctx.t("settings.title", { language: ctx.i18n.nameOf(ctx.locale) }),
      keyboard: settingsKeyboard(ctx),
    });
  });

  return { name: "menu", prefixes: Object.values(MenuData), composer: feature };
}
