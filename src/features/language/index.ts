import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { answerCallback, paragraphs, show } from "../../bot/ui.js";
import type { Feature } from "../feature.js";
import { menuView } from "../menu/screens.js";
import { LANGUAGE_DATA, LanguageData } from "./codec.js";
import { languageKeyboard } from "./screens.js";

/** Language choice: the onboarding picker, /language, and the settings button. *
 * Owns "lang" (the picker) and "lang:<first|set>:<code>" (a choice).
 */
export function languageFeature(): Feature {
  const feature = new Composer<BotContext>();

  feature.command("language", async (ctx) => {
    await ctx.reply(ctx.t("language.prompt"), {
      parse_mode: "HTML",
      reply_markup: languageKeyboard(ctx, "set"),
    });
  });

  feature.callbackQuery(LanguageData.picker, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, { text: ctx.t("language.prompt"), keyboard: languageKeyboard(ctx, "set") });
  });

  feature.callbackQuery(LANGUAGE_DATA, async (ctx) => {
    const mode = ctx.match[1];
    const code = ctx.i18n.match(ctx.match[2]);
    if (code === undefined) {
      // A language that is no longer offered: ask again with the current list.
      await answerCallback(ctx, { text: ctx.t("callback.stale") });
      await show(ctx, {
        text: ctx.t("language.prompt"),
        keyboard: languageKeyboard(ctx, mode === "first" ? "first" : "set"),
      });
      return;
    }
    await ctx.services.users.setLanguage(ctx.from.id, code);
    ctx.locale = code;
    const changed = ctx.t("language.changed", { language: ctx.i18n.nameOf(code) });
    await answerCallback(ctx, { text: changed });
    ctx.logger.info({ language: code, mode }, "customer chose a language");

    if (mode === "first") {
      const state = await ctx.services.menu.state(ctx.customer());
      const name = ctx.from.first_name || ctx.from.username || "";
      const lead = paragraphs(
        ctx.t("start.welcome", { name, bot: ctx.me.first_name }),
        state.trialEligible ? ctx.t("start.trial_offer", { days: state.trialDays }) : null,
      );
      await show(ctx, await menuView(ctx, lead));
    } else {
      await show(ctx, await menuView(ctx, changed));
    }
  });

  return { name: "language", prefixes: [LanguageData.picker], composer: feature };
}
