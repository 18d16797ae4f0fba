import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { answerCallback } from "../../bot/ui.js";
import { type Feature, prefixTrigger } from "../feature.js";

/**
 * The console exists for the ids in ADMIN_IDS only. Everyone else's updates pass through as if
 * it were not there — `/admin` from a stranger reaches the unknown-command reply — except a
 * button press carrying console callback data (forged, or forwarded from an admin's chat): it is
 * answered silently, changes nothing, and is logged.
 */
export function adminArea(
  adminIds: readonly number[],
  groups: readonly Feature[],
): Composer<BotContext> {
  const admins = new Set(adminIds);
  const isAdmin = (ctx: BotContext) => ctx.from !== undefined && admins.has(ctx.from.id);
  const area = new Composer<BotContext>();
  const triggers = groups.flatMap((g) => g.prefixes.map(prefixTrigger));

  area.on("callback_query:data", async (ctx, next) => {
    if (isAdmin(ctx)) return next();
    const data = ctx.callbackQuery.data;
    if (!triggers.some((t) => t.test(data))) return next();
    ctx.logger.warn({ data, from_id: ctx.from.id }, "console button pressed by a non-admin");
    await answerCallback(ctx);
  });

  area.filter(isAdmin, ...groups.map((g) => g.composer));
  return area;
}
