import { InlineKeyboard } from "grammy";
import type { MessageKey } from "../locales/index.js";
import type { BotContext } from "./context.js";
import type {
  AppLinks,
  FlowAction,
  FlowName,
  MenuState,
  PayMethod,
  Screen,
  ScreenButton,
} from "./services.js";

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
  action: (action: FlowAction) => encodeAction(action),
  /** An admin's decision on a withdrawal request (the console's withdrawals group reads it). */
  withdrawalDecision: (withdrawalId: number, approve: boolean) =>
    `wd:${withdrawalId}:${approve ? "a" : "r"}`,
} as const;

export type LanguagePickMode = "first" | "set";

export const LANGUAGE_DATA = /^lang:(first|set):([a-z]{2,3}(?:-[a-z0-9]{2,8})?)$/;
export const FLOW_DATA = /^f:(profile|buy|key|referral|topup|withdraw|trial)$/;

const MAX_CALLBACK_BYTES = 64;

// --- flow actions ---------------------------------------------------------------------------
//
//   b:<plan>                         choose a plan            b:<plan>:<days>  choose a period
//   b:<plan>:<days>:<method>:<shown> pay (shown = the price on the button)
//   promo / promo:x                  enter / remove a promo code
//   ar:<1|0>                         auto-renew on/off        kr / kr:y  reissue the key (confirm)
//   t:<kopecks> / t:custom           top-up amount            t:<kopecks>:<method>  pay a top-up
//   w:start                          start a withdrawal request

const METHOD_CODES: Record<PayMethod, string> = {
  balance: "bal",
  stars: "xtr",
  card: "card",
  crypto: "cry",
};
const METHOD_BY_CODE = new Map(
  Object.entries(METHOD_CODES).map(([method, code]) => [code, method as PayMethod]),
);

const PLAN = "([a-z][a-z0-9_]{0,31})";
/** A positive whole number (days, kopecks, ids) and the same or zero. */
const POSITIVE = "[1-9]\\d{0,8}";
const COUNT = `(${POSITIVE})`;
const COUNT_OR_ZERO = `(0|${POSITIVE})`;
const ACTION_PATTERNS: Array<[RegExp, (m: RegExpExecArray) => FlowAction | undefined]> = [
  [new RegExp(`^b:${PLAN}$`), (m) => ({ type: "buy_plan", plan: m[1] ?? "" })],
  [
    new RegExp(`^b:${PLAN}:${COUNT}$`),
    (m) => ({ type: "buy_period", plan: m[1] ?? "", days: Number(m[2]) }),
  ],
  [
    new RegExp(`^b:${PLAN}:${COUNT}:(bal|xtr|card|cry):${COUNT_OR_ZERO}$`),
    (m) => {
      const method = METHOD_BY_CODE.get(m[3] ?? "");
      return method
        ? { type: "buy_pay", plan: m[1] ?? "", days: Number(m[2]), method, shown: Number(m[4]) }
        : undefined;
    },
  ],
  [/^promo$/, () => ({ type: "promo_enter" })],
  [/^promo:x$/, () => ({ type: "promo_clear" })],
  [/^ar:([01])$/, (m) => ({ type: "auto_renew", on: m[1] === "1" })],
  [/^kr$/, () => ({ type: "key_reissue", confirmed: false })],
  [/^kr:y$/, () => ({ type: "key_reissue", confirmed: true })],
  [/^t:custom$/, () => ({ type: "topup_custom" })],
  [new RegExp(`^t:${COUNT}$`), (m) => ({ type: "topup_amount", kopecks: Number(m[1]) })],
  [
    new RegExp(`^t:${COUNT}:(card|cry)$`),
    (m) => ({
      type: "topup_pay",
      kopecks: Number(m[1]),
      method: m[2] === "card" ? "card" : "crypto",
    }),
  ],
  [/^w:start$/, () => ({ type: "withdraw_start" })],
];

/** Every callback data `encodeAction` can produce (the flows feature listens for these). */
export const ACTION_DATA = /^(?:b:|promo|ar:|kr|t:|w:)/;

export function encodeAction(action: FlowAction): string {
  switch (action.type) {
    case "buy_plan":
      return `b:${action.plan}`;
    case "buy_period":
      return `b:${action.plan}:${action.days}`;
    case "buy_pay":
      return `b:${action.plan}:${action.days}:${METHOD_CODES[action.method]}:${action.shown}`;
    case "promo_enter":
      return "promo";
    case "promo_clear":
      return "promo:x";
    case "auto_renew":
      return `ar:${action.on ? 1 : 0}`;
    case "key_reissue":
      return action.confirmed ? "kr:y" : "kr";
    case "topup_amount":
      return `t:${action.kopecks}`;
    case "topup_custom":
      return "t:custom";
    case "topup_pay":
      return `t:${action.kopecks}:${action.method === "card" ? "card" : "cry"}`;
    case "withdraw_start":
      return "w:start";
  }
}

/** The action a button's callback data stands for, or undefined (stale or not ours). */
export function decodeAction(data: string): FlowAction | undefined {
  for (const [pattern, build] of ACTION_PATTERNS) {
    const match = pattern.exec(data);
    if (match) return build(match);
  }
  return undefined;
}

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

/** Client-app platforms in display order, with the label of each one's download button. */
const CLIENT_APPS = [
  ["ios", "instructions.ios"],
  ["android", "instructions.android"],
  ["windows", "instructions.windows"],
  ["macos", "instructions.macos"],
  ["linux", "instructions.linux"],
] as const;

/** The configured client-app download links, two per row (instructions and the key screen). */
export function clientAppRows(apps: AppLinks): Array<Array<{ label: MessageKey; url: string }>> {
  const rows: Array<Array<{ label: MessageKey; url: string }>> = [];
  for (const [platform, label] of CLIENT_APPS) {
    const url = apps[platform];
    if (!url) continue;
    const last = rows.at(-1);
    if (last && last.length < 2) last.push({ label, url });
    else rows.push([{ label, url }]);
  }
  return rows;
}

export function instructionsKeyboard(ctx: BotContext, apps: AppLinks): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const row of clientAppRows(apps)) {
    for (const { label, url } of row) kb.url(ctx.t(label), url);
    kb.row();
  }
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
  const data =
    "flow" in button
      ? Cb.flow(button.flow)
      : "action" in button
        ? Cb.action(button.action)
        : button.callbackData;
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
