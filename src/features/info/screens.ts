import { InlineKeyboard } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { AppLinks } from "../../bot/services.js";
import type { MessageKey } from "../../locales/index.js";
import { KeyData } from "../key/codec.js";
import { MenuData } from "../menu/codec.js";

/** Client-app platforms in display order, with the label of each one's download button. */
const CLIENT_APPS = [
  ["ios", "instructions.ios"],
  ["android", "instructions.android"],
  ["windows", "instructions.windows"],
  ["macos", "instructions.macos"],
  ["linux", "instructions.linux"],
] as const;

/**
 * The platforms the default instructions name apps for: those with a download button (the
 * same ones, with the same labels, as on the key screen), or every platform when none is set.
 */
export function clientAppPlatforms(
  apps: AppLinks,
): Array<{ platform: (typeof CLIENT_APPS)[number][0]; label: MessageKey }> {
  const all = CLIENT_APPS.map(([platform, label]) => ({ platform, label }));
  const linked = all.filter(({ platform }) => Boolean(apps[platform]));
  return linked.length > 0 ? linked : all;
}

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
  return kb
    .text(ctx.t("instructions.key"), KeyData.open())
    .row()
    .text(ctx.t("nav.menu"), MenuData.menu);
}

export function linkKeyboard(ctx: BotContext, label: string, url: string | null): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (url) kb.url(label, url).row();
  return kb.text(ctx.t("nav.menu"), MenuData.menu);
}

/** "@handle" → https://t.me/handle; URLs pass through; anything else has no link. */
export function contactUrl(contact: string | null): string | null {
  if (!contact) return null;
  const handle = /^@([A-Za-z0-9_]{4,32})$/.exec(contact.trim());
  if (handle) return `https://t.me/${handle[1]}`;
  return /^(https?|tg):\/\//.test(contact.trim()) ? contact.trim() : null;
}
