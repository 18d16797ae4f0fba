import { InlineKeyboard } from "grammy";
import type { BotContext } from "./context.js";
import type { AppLinks, FlowName, MenuState, Screen, ScreenButton } from "./services.js";

/**
 * Callback data of every button, in one place. Short (Telegram allows 64 bytes) and stable: a
 * button pressed weeks later either still means the same thing or reaches the stale handler.
 */
export const Cb = {
  menu: "menu",
  settings: "settings",
  instructions: "instructions",
  support: "support",
  about: "about",
  languagePicker: "lang",
  /** A language choice; `first` during onboarding, `set` from settings or /language. */
  language: (mode: LanguagePickMode, code: string) => `lang:${mode}:${code}`,
  flow: (name: FlowName) => `f:${name}`,
} as const;

export type LanguagePickMode = "first" | "set";

export const LANGUAGE_DATA = /^lang:(first|set):([a-z]{2,3}(?:-[a-z0-9]{2,8})?)$/;
export const FLOW_DATA = /^f:(profile|buy|key|referral|topup|withdraw|trial)$/;

const MAX_CALLBACK_BYTES = 64;

export function mainMenuKeyboard(ctx: BotContext, state: MenuState): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (state.trialEligible) {
    kb.text(ctx.t("menu.trial", { days: state.trialDays }), Cb.flow("trial")).row();
  }
  return kb
    .text(ctx.t("menu.profile"), Cb.flow("profile"))
    .text(ctx.t("menu.buy"), Cb.flow("buy"))
    .row()
    .text(ctx.t("menu.instructions"), Cb.instructions)
    .text(ctx.t("menu.referral"), Cb.flow("referral"))
    .row()
    .text(ctx.t("menu.support"), Cb.support)
    .text(ctx.t("menu.about"), Cb.about)
    .row()
    .text(ctx.t("menu.settings"), Cb.settings);
}

/** One button per language, in its own name; two per row. */
export function languageKeyboard(ctx: BotContext, mode: LanguagePickMode): InlineKeyboard {
  const kb = new InlineKeyboard();
  ctx.i18n.codes().forEach((code, i) => {
    if (i > 0 && i % 2 === 0) kb.row();
    const mark = mode === "set" && code === ctx.locale ? "✓ " : "";
    kb.text(`${mark}${ctx.i18n.nameOf(code)}`, Cb.language(mode, code));
  });
  if (mode === "set") kb.row().text(ctx.t("nav.back"), Cb.settings);
  return kb;
}

export function settingsKeyboard(ctx: BotContext): InlineKeyboard {
  return new InlineKeyboard()
    .text(ctx.t("settings.language"), Cb.languagePicker)
    .row()
    .text(ctx.t("nav.menu"), Cb.menu);
}

export function backToMenuKeyboard(ctx: BotContext): InlineKeyboard {
  return new InlineKeyboard().text(ctx.t("nav.menu"), Cb.menu);
}

const APP_BUTTONS = [
  ["ios", "instructions.ios"],
  ["android", "instructions.android"],
  ["windows", "instructions.windows"],
  ["macos", "instructions.macos"],
  ["linux", "instructions.linux"],
] as const;

export function instructionsKeyboard(ctx: BotContext, apps: AppLinks): InlineKeyboard {
  const kb = new InlineKeyboard();
  let inRow = 0;
  for (const [platform, label] of APP_BUTTONS) {
    const url = apps[platform];
    if (!url) continue;
    if (inRow === 2) {
      kb.row();
      inRow = 0;
    }
    kb.url(ctx.t(label), url);
    inRow++;
  }
  if (inRow > 0) kb.row();
  return kb.text(ctx.t("instructions.key"), Cb.flow("key")).row().text(ctx.t("nav.menu"), Cb.menu);
}

export function linkKeyboard(ctx: BotContext, label: string, url: string | null): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (url) kb.url(label, url).row();
  return kb.text(ctx.t("nav.menu"), Cb.menu);
}

/** A flow screen's buttons, plus the "main menu" row unless the screen opts out. */
export function screenKeyboard(ctx: BotContext, screen: Screen): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const row of screen.buttons ?? []) {
    for (const button of row) addScreenButton(ctx, kb, button);
    kb.row();
  }
  if (!screen.noMenuButton) kb.text(ctx.t("nav.menu"), Cb.menu);
  return kb;
}

function addScreenButton(ctx: BotContext, kb: InlineKeyboard, button: ScreenButton): void {
  const label = ctx.t(button.label.key, button.label.vars);
  if ("url" in button) {
    kb.url(label, button.url);
    return;
  }
  const data = "flow" in button ? Cb.flow(button.flow) : button.callbackData;
  if (Buffer.byteLength(data, "utf8") > MAX_CALLBACK_BYTES) {
    throw new Error(`callback data longer than ${MAX_CALLBACK_BYTES} bytes: ${data}`);
  }
  kb.text(label, data);
}

/** "@handle" → https://t.me/handle; URLs pass through; anything else has no link. */
export function contactUrl(contact: string | null): string | null {
  if (!contact) return null;
  const handle = /^@([A-Za-z0-9_]{4,32})$/.exec(contact.trim());
  if (handle) return `https://t.me/${handle[1]}`;
  return /^(https?|tg):\/\//.test(contact.trim()) ? contact.trim() : null;
}
