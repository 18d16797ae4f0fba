import { Composer } from "grammy";
import { writeToSupportKeyboard } from "../../features/support/index.js";
import type { BotContext } from "../context.js";
import {
  backToMenuKeyboard,
  Cb,
  contactUrl,
  instructionsKeyboard,
  linkKeyboard,
} from "../keyboards.js";
import { answerCallback, operatorText, paragraphs, show, type View } from "../ui.js";

/** /help and the operator-configurable screens: instructions, support, about/privacy. */
export function infoFeature(): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  feature.command("help", async (ctx) => {
    await ctx.reply(ctx.t("help.text"), {
      parse_mode: "HTML",
      reply_markup: backToMenuKeyboard(ctx),
    });
  });

  feature.callbackQuery(Cb.instructions, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await instructionsView(ctx));
  });

  feature.callbackQuery(Cb.support, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await supportView(ctx));
  });

  feature.callbackQuery(Cb.about, async (ctx) => {
    await answerCallback(ctx);
    await show(ctx, await aboutView(ctx));
  });

  return feature;
}

async function instructionsView(ctx: BotContext): Promise<View> {
  const info = await ctx.services.info.info(ctx.customer());
  const hasApps = Object.values(info.apps).some(Boolean);
  return {
    text: paragraphs(
      ctx.t("instructions.title"),
      info.texts.instructions ? operatorText(info.texts.instructions) : ctx.t("instructions.steps"),
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
