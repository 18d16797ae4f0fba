import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { BroadcastMessage } from "../domain/broadcasts/broadcasts.js";

/** The URL button under a broadcast message. */
function markupOf(message: BroadcastMessage): InlineKeyboardMarkup | undefined {
  return message.button
    ? { inline_keyboard: [[{ text: message.button.text, url: message.button.url }]] }
    : undefined;
}

/**
 * Sends a broadcast message as recipients get it (the admin's preview goes the same way): HTML
 * text, or the photo with the text as its caption, and the URL button.
 */
export async function sendBroadcastMessage(
  api: Api,
  chatId: number,
  message: BroadcastMessage,
  signal?: AbortSignal,
): Promise<void> {
  const markup = markupOf(message);
  const extra = { parse_mode: "HTML" as const, ...(markup ? { reply_markup: markup } : {}) };
  if (message.photoFileId !== null) {
    await api.sendPhoto(
      chatId,
      message.photoFileId,
      { ...extra, caption: message.text },
      signal as Parameters<Api["sendPhoto"]>[3],
    );
  } else {
    await api.sendMessage(chatId, message.text, extra, signal as Parameters<Api["sendMessage"]>[3]);
  }
}
