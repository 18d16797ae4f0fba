import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { answerCallback, operatorText, paragraphs, show, type View } from "../../bot/ui.js";
import type { Feature } from "../feature.js";
import { backToMenuKeyboard } from "../menu/screens.js";
import { writeToSupportKeyboard } from "../support/index.js";
import { InfoData } from "./codec.js";
import { clientAppPlatforms, contactUrl, instructionsKeyboard, linkKeyboard } from "./screens.js";

/** /help and the operator-configurable screens: instructions, support, about/privacy. *
 * Owns "instructions", "support" and "about".
 */
export function infoFeature(): Feature {
  const feature = new Composer<BotContext>();

  feature.command("help", async (ctx) => {
    await ctx.reply(ctx.t("help.text"), {
      parse_mode: "HTML",
      reply_markup: backToMenuKeyboard(ctx),
    });
  });

  feature.callbackQuery(InfoData.instructions, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await instructionsView(ctx));
  });

  feature.callbackQuery(InfoData.support, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await supportView(ctx));
  });

  feature.callbackQuery(InfoData.about, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await aboutView(ctx));
  });

  return { name: "info", prefixes: Object.values(InfoData), composer: feature };
}

async function instructionsView(ctx: BotContext): Promise<View> {
  const info = await ctx.services.info.info(ctx.customer());
  const hasApps = Object.values(info.apps).some(Boolean);
  // The default steps name apps per platform; an operator's own text names its own.
  const steps = info.texts.instructions
    ? [operatorText(info.texts.instructions)]
    : [
        ctx.t("instructions.steps"),
        [
          ctx.t("instructions.recommended"),
          ...clientAppPlatforms(info.apps).map(({ platform, label }) =>
            ctx.t("instructions.app_line", { label: { msg: label }, platform }),
          ),
        ].join("\n"),
      ];
  return {
    text: paragraphs(
      ctx.t("instructions.title"),
      ...steps,
      ctx.t(hasApps ? "instructions.apps" : "instructions.any_app"),
    ),
    keyboard: instructionsKeyboard(ctx, info.apps),
  };
}

async function supportView(ctx: BotContext): Promise<View> {
  const info = await ctx.services.info.info(ctx.customer());
  const contact = info.supportContact?.trim() || null;
  const body = info.texts.support
    ? operatorText(info.texts.support)
    : contact
      ? ctx.t("support.contact", { contact })
      : ctx.t("support.no_contact");
  return {
    text: paragraphs(
      ctx.t("support.title"),
      body,
      ctx.t("support.your_id", { id: String(ctx.customer().telegramId) }),
    ),
    keyboard: contact
      ? linkKeyboard(ctx, ctx.t("support.button"), contactUrl(contact))
      : writeToSupportKeyboard(ctx),
  };
}

async function aboutView(ctx: BotContext): Promise<View> {
  const info = await ctx.services.info.info(ctx.customer());
  return {
    text: paragraphs(
      ctx.t("about.title"),
      info.texts.about
        ? operatorText(info.texts.about)
        : ctx.t("about.text", { bot: ctx.me.first_name }),
      ctx.t("about.privacy_title"),
      info.texts.privacy ? operatorText(info.texts.privacy) : ctx.t("about.privacy"),
    ),
    keyboard: linkKeyboard(ctx, ctx.t("about.privacy_link"), info.privacyPolicyUrl),
  };
}
