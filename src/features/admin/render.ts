import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { MessageRef, Screen } from "../../bot/services.js";
import { paragraphs } from "../../bot/ui.js";
import type { I18n } from "../../locales/index.js";

/** A screen with callback and URL buttons only, rendered for a chat outside an update. */
export function renderScreen(
  i18n: I18n,
  locale: string,
  screen: Screen,
): { text: string; markup: InlineKeyboardMarkup } {
  const refs = (Array.isArray(screen.text) ? screen.text : [screen.text]) as MessageRef[];
  const text = paragraphs(...refs.map((r) => i18n.t(locale, r.key, r.vars)));
  const inline_keyboard = (screen.buttons ?? []).map((row) =>
    row.flatMap((b): InlineKeyboardButton[] => {
      const label = i18n.t(locale, b.label.key, b.label.vars);
      if ("url" in b) return [{ text: label, url: b.url }];
      if ("callbackData" in b) return [{ text: label, callback_data: b.callbackData }];
      return [];
    }),
  );
  return { text, markup: { inline_keyboard } };
}
