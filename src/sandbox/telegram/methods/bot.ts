import type { MethodTable, TelegramContext } from "../context.js";
import { badRequest, queryTooOld } from "../errors.js";
import type { BotParams } from "../params.js";
import { privateChat } from "../render.js";

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

function commandsKey(p: BotParams): string {
  const scope = p.json("scope", "can't parse BotCommandScope JSON object") ?? { type: "default" };
  return `${JSON.stringify(scope)}|${p.string("language_code") ?? ""}`;
}

function parseCommands(value: unknown): { command: string; description: string }[] {
  if (!Array.isArray(value)) throw badRequest("can't parse commands JSON object");
  if (value.length > 100) throw badRequest("too many commands");
  return value.map((c: unknown) => {
    const { command, description } = (c ?? {}) as Record<string, unknown>;
    if (typeof command !== "string" || !/^[a-z0-9_]{1,32}$/.test(command)) {
      throw badRequest("BOT_COMMAND_INVALID");
    }
    if (typeof description !== "string" || description.length < 1 || description.length > 256) {
      throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
    return { command, description };
  });
}

/** getMe, commands, callback answers, chat actions and getChat. */
export function botMethods(ctx: TelegramContext): MethodTable {
  return {
    getme() {
      return {
        ...ctx.bot,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
        has_topics_enabled: false,
        allows_users_to_create_topics: false,
        can_manage_bots: false,
        supports_join_request_queries: false,
      };
    },

    setmycommands(p) {
      const commands = parseCommands(p.json("commands", "can't parse commands JSON object"));
      ctx.commands.set(commandsKey(p), commands);
      return true;
    },

    getmycommands(p) {
      return ctx.commands.get(commandsKey(p)) ?? [];
    },

    deletemycommands(p) {
      ctx.commands.delete(commandsKey(p));
      return true;
    },

    answercallbackquery(p) {
      const text = p.string("text");
      if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
      if (!ctx.queries.answerCallback(p.string("callback_query_id") ?? "")) throw queryTooOld();
      return true;
    },

    sendchataction(p) {
      ctx.chats.requireWritable(p.chatId());
      if (!CHAT_ACTIONS.has(p.string("action") ?? ""))
        throw badRequest("wrong parameter action in request");
      return true;
    },

    getchat(p) {
      const chat = ctx.chats.require(p.chatId());
      return { ...privateChat(chat.user), accent_color_id: 0, max_reaction_count: 11 };
    },
  };
}
