/** The subset of Bot API objects the sandbox produces. Field names are Telegram's. */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface MessageEntity {
  type:
    | "bot_command"
    | "bold"
    | "italic"
    | "underline"
    | "strikethrough"
    | "spoiler"
    | "text_link"
    | "code"
    | "pre"
    | "blockquote"
    | "expandable_blockquote"
    | "custom_emoji";
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  pay?: boolean;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

/** Any reply markup as sent: inline keyboards, reply keyboards, removals, force replies. */
export type ReplyMarkup = InlineKeyboardMarkup | Record<string, unknown>;

export interface InvoiceData {
  title: string;
  description: string;
  currency: string;
  total_amount: number;
  payload: string;
}

/** A Bot API update without its id; the queue numbers it. */
export type UpdateBody = { [type: string]: unknown };

export interface Update extends UpdateBody {
  update_id: number;
}

export function updateType(update: UpdateBody): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "unknown";
}
