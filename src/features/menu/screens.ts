import { InlineKeyboard } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { MenuState } from "../../bot/services.js";
import { paragraphs, type View } from "../../bot/ui.js";
import { BuyData } from "../buy/codec.js";
import { InfoData } from "../info/codec.js";
import { LanguageData } from "../language/codec.js";
import { ProfileData } from "../profile/codec.js";
import { ReferralData } from "../referral/codec.js";
import { TrialData } from "../trial/codec.js";
import { MenuData } from "./codec.js";

/**
 * The main menu, with the incident banner on top and an optional lead paragraph; `known` is what
 * the update already read of the menu's state (see `MenuPort.state`).
 */
export async function menuView(
  ctx: BotContext,
  lead?: string,
  known?: Pick<MenuState, "trialEligible">,
): Promise<View> {
  const state = await ctx.services.menu.state(ctx.customer(), known);
  const banner = state.incidentBanner
    ? ctx.t("menu.incident", { text: state.incidentBanner })
    : null;
  return {
    text: paragraphs(banner, lead, ctx.t("menu.title")),
    keyboard: mainMenuKeyboard(ctx, state),
  };
}

function mainMenuKeyboard(ctx: BotContext, state: MenuState): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (state.trialEligible) {
    kb.text(ctx.t("menu.trial", { days: state.trialDays }), TrialData.open()).row();
  }
  return kb
    .text(ctx.t("menu.profile"), ProfileData.open())
    .text(ctx.t("menu.buy"), BuyData.open())
    .row()
    .text(ctx.t("menu.instructions"), InfoData.instructions)
    .text(ctx.t("menu.referral"), ReferralData.open())
    .row()
    .text(ctx.t("menu.support"), InfoData.support)
    .text(ctx.t("menu.about"), InfoData.about)
    .row()
    .text(ctx.t("menu.settings"), MenuData.settings);
}

export function settingsKeyboard(ctx: BotContext): InlineKeyboard {
  return new InlineKeyboard()
    .text(ctx.t("settings.language"), LanguageData.picker)
    .row()
    .text(ctx.t("nav.menu"), MenuData.menu);
}

export function backToMenuKeyboard(ctx: BotContext): InlineKeyboard {
  return new InlineKeyboard().text(ctx.t("nav.menu"), MenuData.menu);
}
