import { badRequest } from "./errors.js";
import type { InlineKeyboardMarkup, ReplyMarkup } from "./types.js";

const INLINE_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
] as const;

const MAX_CALLBACK_DATA_BYTES = 64;

/** Checks a `reply_markup` the way Telegram does where mistakes actually happen. */
export function validateReplyMarkup(markup: unknown): ReplyMarkup | null {
  if (markup === undefined || markup === null) return null;
  if (typeof markup !== "object" || Array.isArray(markup)) {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  const record = markup as Record<string, unknown>;
  if ("inline_keyboard" in record) return validateInlineKeyboard(record.inline_keyboard);
  if ("keyboard" in record) {
    if (!Array.isArray(record.keyboard) || !record.keyboard.every(Array.isArray)) {
      throw badRequest('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays');
    }
    return record;
  }
  if ("remove_keyboard" in record || "force_reply" in record) return record;
  throw badRequest("can't parse reply keyboard markup JSON object");
}

function validateInlineKeyboard(rows: unknown): InlineKeyboardMarkup {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw badRequest(
      'can\'t parse inline keyboard markup: Field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
    );
  }
  for (const row of rows as unknown[][]) {
    for (const button of row) validateInlineButton(button);
  }
  return { inline_keyboard: rows as InlineKeyboardMarkup["inline_keyboard"] };
}

function validateInlineButton(button: unknown): void {
  if (typeof button !== "object" || button === null) {
    throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  }
  const b = button as Record<string, unknown>;
  if (typeof b.text !== "string") {
    throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
  }
  if (b.text.trim() === "") throw badRequest("BUTTON_TEXT_INVALID");
  const actions = INLINE_ACTIONS.filter((a) => b[a] !== undefined);
  if (actions.length === 0) {
    throw badRequest(
      "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
  }
  if (b.callback_data !== undefined) {
    const bytes = typeof b.callback_data === "string" ? Buffer.byteLength(b.callback_data) : 0;
    if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest("BUTTON_DATA_INVALID");
  }
  if (b.url !== undefined) {
    if (typeof b.url !== "string" || !isButtonUrl(b.url)) {
      throw badRequest(`inline keyboard button URL '${String(b.url)}' is invalid: Wrong HTTP URL`);
    }
  }
}

function isButtonUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return ["http:", "https:", "tg:", "ton:"].includes(parsed.protocol);
  } catch {
    return false;
  }
}

/** Telegram echoes only inline keyboards back on the Message object. */
export function inlineOnly(markup: ReplyMarkup | null): InlineKeyboardMarkup | undefined {
  return markup && "inline_keyboard" in markup ? (markup as InlineKeyboardMarkup) : undefined;
}

export function findCallbackButton(markup: ReplyMarkup | null, data: string): boolean {
  const inline = inlineOnly(markup);
  return !!inline?.inline_keyboard.some((row) => row.some((b) => b.callback_data === data));
}
