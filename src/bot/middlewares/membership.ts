import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Reachability } from "./reachability.js";

/**
 * The customer blocked (status "kicked") or unblocked the bot: Telegram says so with a
 * my_chat_member update in the private chat.
 */
export function membershipFeature(reachability: Reachability): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.chatType("private").on("my_chat_member", async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    if (status === "kicked") await reachability.unreachable(ctx.from.id);
    else if (status === "member") await reachability.reachable(ctx.from.id, { force: true });
  });
  return feature;
}
