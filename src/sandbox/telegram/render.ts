import type { BotMessage, Chat } from "./chats.js";
import { inlineOnly } from "./markup.js";
import type { TgUser } from "./types.js";

export function privateChat(user: TgUser): Record<string, unknown> {
  return {
    id: user.id,
    first_name: user.first_name,
    ...(user.last_name ? { last_name: user.last_name } : {}),
    ...(user.username ? { username: user.username } : {}),
    type: "private",
  };
}

/** A bot message as the Bot API returns it: plain text plus entities, inline markup only. */
export function renderMessage(bot: TgUser, chat: Chat, m: BotMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    message_id: m.message_id,
    from: bot,
    chat: privateChat(chat.user),
    date: m.date,
  };
  if (m.edit_date !== null) out.edit_date = m.edit_date;
  if (m.text !== null) {
    out.text = m.plain ?? m.text;
    if (m.entities.length > 0) out.entities = m.entities;
  }
  if (m.photo) out.photo = [m.photo];
  if (m.document) out.document = m.document;
  if (m.caption !== null) {
    out.caption = m.plain ?? m.caption;
    if (m.entities.length > 0) out.caption_entities = m.entities;
  }
  if (m.invoice) {
    out.invoice = {
      title: m.invoice.title,
      description: m.invoice.description,
      start_parameter: "",
      currency: m.invoice.currency,
      total_amount: m.invoice.total_amount,
    };
  }
  const markup = inlineOnly(m.reply_markup);
  if (markup) out.reply_markup = markup;
  return out;
}
