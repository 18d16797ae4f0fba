import { InlineKeyboard } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { MenuData } from "../menu/codec.js";
import { LanguageData, type LanguagePickMode } from "./codec.js";

/** One button per language, in its own name; two per row. */
export function languageKeyboard(ctx: BotContext, mode: LanguagePickMode): InlineKeyboard {
  const kb = new InlineKeyboard();
  ctx.i18n.codes().forEach((code, i) => {
    if (i > 0 && i % 2 === 0) kb.row();
    const mark = mode === "set" && code === ctx.locale ? "✓ " : "";
    kb.text(`${mark}${ctx.i18n.nameOf(code)}`, LanguageData.choice(mode, code));
  });
  if (mode === "set") kb.row().text(ctx.t("nav.back"), MenuData.settings);
  return kb;
}
