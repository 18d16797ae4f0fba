import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import { toError } from "../../util/errors.js";
import { callbackData } from "../feature.js";
import { loadDashboard } from "./dashboard/data.js";
import { dashboardLines } from "./dashboard/screen.js";
import type { AdminDeps, SystemHealth } from "./deps.js";
import type { AdminGroup } from "./group.js";

const HOME_PREFIX = "adm";
/** The console's home screen (every group's "back" button); pressing it refreshes the numbers. */
export const HOME_DATA = callbackData(HOME_PREFIX);

/**
 * `/admin`, `/stats` (and the home button): the console's home screen — the dashboard's numbers
 * above a button per screen group.
 */
export function homeGroup(deps: AdminDeps, groups: readonly AdminGroup[]): AdminGroup {
  const composer = new Composer<BotContext>();
  const open = async (ctx: BotContext) => {
    const data = await loadDashboard(deps.db, deps.config.bot.timeZone);
    const health = await readHealth(deps, ctx);
    await showScreen(ctx, homeScreen(groups, dashboardLines(data, health)));
  };
  composer.command(["admin", "stats"], open);
  composer.callbackQuery(HOME_DATA, async (ctx) => {
    await answerCallback(ctx);
    await open(ctx);
  });
  return { name: "admin.home", prefixes: [HOME_PREFIX], composer };
}

/** The health line is best effort: the numbers are shown without it when it cannot be read. */
async function readHealth(deps: AdminDeps, ctx: BotContext): Promise<SystemHealth | undefined> {
  if (!deps.health) return undefined;
  try {
    return await deps.health();
  } catch (err) {
    ctx.logger.warn({ err: toError(err).message }, "console health line not available");
    return undefined;
  }
}

/** Pure: the home screen — title, the dashboard lines, refresh, then two group buttons a row. */
export function homeScreen(groups: readonly AdminGroup[], dashboard: MessageRef[] = []): Screen {
  const rows: ScreenButton[][] = [
    [{ label: { key: "admin.home.refresh" }, callbackData: HOME_DATA }],
  ];
  let pair: ScreenButton[] | undefined;
  for (const group of groups) {
    if (!group.entry) continue;
    const button: ScreenButton = {
      label: { key: group.entry.label },
      callbackData: group.entry.data,
    };
    if (pair && pair.length < 2) pair.push(button);
    else {
      pair = [button];
      rows.push(pair);
    }
  }
  return { text: [{ key: "admin.home.title" }, ...dashboard], buttons: rows, noMenuButton: true };
}
