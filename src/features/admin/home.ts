import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { Screen, ScreenButton } from "../../bot/services.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import { callbackData } from "../feature.js";
import type { AdminDeps } from "./deps.js";
import type { AdminGroup } from "./group.js";

export const HOME_PREFIX = "adm";
/** The console's home screen (every group's "back" button). */
export const HOME_DATA = callbackData(HOME_PREFIX);

/**
 * `/admin` (and the home button): the console's home screen, with a button per screen group.
 */
export function homeGroup(_deps: AdminDeps, groups: readonly AdminGroup[]): AdminGroup {
  const composer = new Composer<BotContext>();
  const open = async (ctx: BotContext) => showScreen(ctx, homeScreen(groups));
  composer.command("admin", open);
  composer.callbackQuery(HOME_DATA, async (ctx) => {
    await answerCallback(ctx);
    await open(ctx);
  });
  return { name: "admin.home", prefixes: [HOME_PREFIX], composer };
}

/** Pure: the home screen for these groups, two buttons per row. */
export function homeScreen(groups: readonly AdminGroup[]): Screen {
  const rows: ScreenButton[][] = [];
  for (const group of groups) {
    if (!group.entry) continue;
    const button: ScreenButton = {
      label: { key: group.entry.label },
      callbackData: group.entry.data,
    };
    const last = rows.at(-1);
    if (last && last.length < 2) last.push(button);
    else rows.push([button]);
  }
  return { text: { key: "admin.home.title" }, buttons: rows, noMenuButton: true };
}
