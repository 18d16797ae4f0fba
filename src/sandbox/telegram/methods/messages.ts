import { isDeepStrictEqual } from "node:util";
import type { BotMessage, Chat, MessageContent } from "../chats.js";
import type { MethodTable, TelegramContext } from "../context.js";
import { badRequest } from "../errors.js";
import { validateReplyMarkup } from "../markup.js";
import type { BotParams } from "../params.js";
import { renderMessage } from "../render.js";
import { checkedCaption, checkedText, normaliseParseMode } from "../text.js";
import { resolveDocument, resolvePhoto } from "./uploads.js";

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

const EMPTY_CONTENT: MessageContent = {
  text: null,
  caption: null,
  parse_mode: null,
  reply_markup: null,
  plain: null,
  entities: [],
  photo: null,
  document: null,
  invoice: null,
};

export function markupParam(p: BotParams) {
  return validateReplyMarkup(
    p.json("reply_markup", "can't parse reply keyboard markup JSON object"),
  );
}

/** sendMessage, sendPhoto, sendDocument, edits and deleteMessage over the chat store. */
export function messageMethods(ctx: TelegramContext): MethodTable {
  const rendered = (chat: Chat, m: BotMessage) => renderMessage(ctx.bot, chat, m);

  const editTarget = (
    p: BotParams,
    writable: boolean,
  ): { chat: Chat; message: BotMessage | undefined } => {
    if (p.has("inline_message_id")) throw badRequest("MESSAGE_ID_INVALID");
    const chatId = p.chatId();
    const chat = writable ? ctx.chats.requireWritable(chatId) : ctx.chats.require(chatId);
    const messageId = p.int("message_id");
    if (messageId === undefined) throw badRequest("message identifier is not specified");
    return { chat, message: ctx.chats.liveMessage(chat, messageId) };
  };

  return {
    sendmessage(p) {
      const chat = ctx.chats.requireWritable(p.chatId());
      const parseMode = normaliseParseMode(p.string("parse_mode"));
      const text = p.string("text");
      const formatted = checkedText(
        text,
        parseMode,
        p.json("entities", "can't parse entities JSON object"),
      );
      const message = ctx.chats.addBotMessage(chat, {
        ...EMPTY_CONTENT,
        text: text ?? "",
        parse_mode: parseMode,
        reply_markup: markupParam(p),
        plain: formatted.plain,
        entities: formatted.entities,
      });
      return rendered(chat, message);
    },

    sendphoto(p) {
      const chat = ctx.chats.requireWritable(p.chatId());
      const parseMode = normaliseParseMode(p.string("parse_mode"));
      const caption = p.string("caption");
      const formatted = checkedCaption(
        caption,
        parseMode,
        p.json("caption_entities", "can't parse caption entities JSON object"),
      );
      const photo = resolvePhoto(p, ctx.files);
      const message = ctx.chats.addBotMessage(chat, {
        ...EMPTY_CONTENT,
        caption: caption ?? null,
        parse_mode: parseMode,
        reply_markup: markupParam(p),
        plain: formatted.plain,
        entities: formatted.entities,
        photo,
      });
      return rendered(chat, message);
    },

    senddocument(p) {
      const chat = ctx.chats.requireWritable(p.chatId());
      const parseMode = normaliseParseMode(p.string("parse_mode"));
      const caption = p.string("caption");
      const formatted = checkedCaption(
        caption,
        parseMode,
        p.json("caption_entities", "can't parse caption entities JSON object"),
      );
      const document = resolveDocument(p, ctx.files);
      const message = ctx.chats.addBotMessage(chat, {
        ...EMPTY_CONTENT,
        caption: caption ?? null,
        parse_mode: parseMode,
        reply_markup: markupParam(p),
        plain: formatted.plain,
        entities: formatted.entities,
        document,
      });
      return rendered(chat, message);
    },

    editmessagetext(p) {
      const { chat, message } = editTarget(p, true);
      if (!message) throw badRequest("message to edit not found");
      if (message.text === null) throw badRequest("there is no text in the message to edit");
      const parseMode = normaliseParseMode(p.string("parse_mode"));
      const text = p.string("text");
      const formatted = checkedText(
        text,
        parseMode,
        p.json("entities", "can't parse entities JSON object"),
      );
      // Without reply_markup an edit removes the inline keyboard, as on Telegram.
      const markup = markupParam(p);
      if (
        formatted.plain === message.plain &&
        isDeepStrictEqual(formatted.entities, message.entities) &&
        isDeepStrictEqual(markup, message.reply_markup)
      ) {
        throw badRequest(NOT_MODIFIED);
      }
      ctx.chats.edit(message, {
        text: text ?? "",
        parse_mode: parseMode,
        plain: formatted.plain,
        entities: formatted.entities,
        reply_markup: markup,
      });
      return rendered(chat, message);
    },

    editmessagecaption(p) {
      const { chat, message } = editTarget(p, true);
      if (!message) throw badRequest("message to edit not found");
      if (message.photo === null && message.document === null) {
        throw badRequest("there is no caption in the message to edit");
      }
      const parseMode = normaliseParseMode(p.string("parse_mode"));
      const caption = p.string("caption");
      const formatted = checkedCaption(
        caption,
        parseMode,
        p.json("caption_entities", "can't parse caption entities JSON object"),
      );
      const markup = markupParam(p);
      if (
        formatted.plain === (message.caption === null ? null : message.plain) &&
        isDeepStrictEqual(markup, message.reply_markup)
      ) {
        throw badRequest(NOT_MODIFIED);
      }
      ctx.chats.edit(message, {
        caption: caption ?? null,
        parse_mode: parseMode,
        plain: formatted.plain,
        entities: formatted.entities,
        reply_markup: markup,
      });
      return rendered(chat, message);
    },

    editmessagereplymarkup(p) {
      const { chat, message } = editTarget(p, true);
      if (!message) throw badRequest("message to edit not found");
      const markup = markupParam(p);
      if (isDeepStrictEqual(markup, message.reply_markup)) throw badRequest(NOT_MODIFIED);
      ctx.chats.edit(message, { reply_markup: markup });
      return rendered(chat, message);
    },

    deletemessage(p) {
      const { message } = editTarget(p, false);
      if (!message) throw badRequest("message to delete not found");
      ctx.chats.delete(message);
      return true;
    },
  };
}
