import { randomBytes } from "node:crypto";
import { HttpError } from "../http/errors.js";
import type { BotMessage, Chat } from "./chats.js";
import type { TelegramContext } from "./context.js";
import { findCallbackButton } from "./markup.js";
import { queryId } from "./queries.js";
import { privateChat, renderMessage } from "./render.js";
import { botCommandEntities, MAX_TEXT_LENGTH } from "./text.js";
import type { TgUser } from "./types.js";

export interface CustomerProfile {
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** Longest a pay request waits for answerPreCheckoutQuery: Telegram's own 10 s limit. */
export const PRE_CHECKOUT_TIMEOUT_MS = 10_000;

/**
 * What sandbox customers do in Telegram: write, press buttons, pay invoices, block the bot.
 * Each action becomes the update Telegram would send the bot.
 */
export class Customers {
  constructor(private readonly ctx: TelegramContext) {}

  /**
   * `forward`: the message is a forward (Telegram's `forward_origin`) of another user's message,
   * or of one whose sender hides their account in forwards.
   */
  message(
    userId: number,
    text: string,
    profile: CustomerProfile = {},
    forward?: { userId: number } | { hiddenName: string },
  ) {
    if (text.trim() === "" || text.length > MAX_TEXT_LENGTH) {
      throw new HttpError(400, `text must have 1..${MAX_TEXT_LENGTH} characters`);
    }
    const chat = this.ctx.chats.open(this.profile(userId, profile));
    this.ensureNotBlocked(chat);
    const entities = botCommandEntities(text);
    const messageId = this.ctx.chats.nextMessageId(chat);
    const updateId = this.ctx.queue.push({
      message: {
        message_id: messageId,
        from: chat.user,
        chat: privateChat(chat.user),
        date: this.ctx.chats.unixTime(),
        text,
        ...(entities.length > 0 ? { entities } : {}),
        ...(forward ? { forward_origin: this.forwardOrigin(forward) } : {}),
      },
    });
    return { update_id: updateId, message_id: messageId };
  }

  /**
   * Presses a button of a message. `forged`: the data need not be on the message (a modified
   * client sending callback data it was never shown).
   */
  press(userId: number, messageId: number, data: string, forged = false) {
    const chat = this.existingChat(userId);
    this.ensureNotBlocked(chat);
    const message = this.liveMessage(chat, messageId);
    if (!forged && !findCallbackButton(message.reply_markup, data)) {
      throw new HttpError(
        409,
        `message ${messageId} has no inline button with callback_data ${JSON.stringify(data)}`,
      );
    }
    const id = queryId();
    this.ctx.queries.openCallback(id);
    const updateId = this.ctx.queue.push({
      callback_query: {
        id,
        from: chat.user,
        message: renderMessage(this.ctx.bot, chat, message),
        chat_instance: chat.instance,
        data,
      },
    });
    return { update_id: updateId, callback_query_id: id };
  }

  /**
   * Pays an invoice message: a pre_checkout_query, then (if the bot says ok in time) the
   * successful_payment message. Resolves with what happened.
   */
  async pay(
    userId: number,
    messageId: number,
    timeoutMs: number,
    signal: AbortSignal,
    opts: { dropUpdate?: boolean } = {},
  ) {
    const chat = this.existingChat(userId);
    this.ensureNotBlocked(chat);
    const message = this.liveMessage(chat, messageId);
    const invoice = message.invoice;
    if (!invoice) throw new HttpError(409, `message ${messageId} is not an invoice`);
    const id = queryId();
    const answer = this.ctx.queries.awaitPreCheckout(
      id,
      Math.min(Math.max(timeoutMs, 1), PRE_CHECKOUT_TIMEOUT_MS),
      signal,
    );
    const preCheckoutUpdateId = this.ctx.queue.push({
      pre_checkout_query: {
        id,
        from: chat.user,
        currency: invoice.currency,
        total_amount: invoice.total_amount,
        invoice_payload: invoice.payload,
      },
    });
    const preCheckout = { id, update_id: preCheckoutUpdateId };
    const result = await answer;
    if (!result) return { status: "timeout", pre_checkout_query: preCheckout, answer: null };
    if (!result.ok) return { status: "rejected", pre_checkout_query: preCheckout, answer: result };

    const stars = invoice.currency === "XTR";
    const payment = {
      currency: invoice.currency,
      total_amount: invoice.total_amount,
      invoice_payload: invoice.payload,
      telegram_payment_charge_id: stars
        ? `stx${randomBytes(30).toString("base64url")}`
        : `${Date.now()}_${randomBytes(8).toString("hex")}`,
      // Stars payments have no provider; Telegram leaves the provider charge id empty.
      provider_payment_charge_id: stars ? "" : `ch_sandbox_${randomBytes(12).toString("hex")}`,
    };
    this.ctx.queries.recordCharge(
      { ...payment, user_id: userId, refunded: false },
      this.ctx.chats.unixTime(),
      chat.user.first_name,
    );
    if (opts.dropUpdate) {
      // The money moved, but the bot never hears of it (an update Telegram lost or the bot
      // acknowledged without handling): only getStarTransactions shows it.
      return {
        status: "paid",
        pre_checkout_query: preCheckout,
        answer: result,
        update_id: null,
        successful_payment: payment,
      };
    }
    const paidMessageId = this.ctx.chats.nextMessageId(chat);
    const updateId = this.ctx.queue.push({
      message: {
        message_id: paidMessageId,
        from: chat.user,
        chat: privateChat(chat.user),
        date: this.ctx.chats.unixTime(),
        successful_payment: payment,
      },
    });
    return {
      status: "paid",
      pre_checkout_query: preCheckout,
      answer: result,
      update_id: updateId,
      message_id: paidMessageId,
      successful_payment: payment,
    };
  }

  /** Blocks or unblocks the bot; Telegram tells the bot with a my_chat_member update. */
  setBlocked(userId: number, blocked: boolean) {
    const chat = this.existingChat(userId);
    if (chat.blocked === blocked) return { blocked, update_id: null };
    this.ctx.chats.setBlocked(chat, blocked);
    const member = (status: string) => ({
      user: this.ctx.bot,
      status,
      ...(status === "kicked" ? { until_date: 0 } : {}),
    });
    const updateId = this.ctx.queue.push({
      my_chat_member: {
        chat: privateChat(chat.user),
        from: chat.user,
        date: this.ctx.chats.unixTime(),
        old_chat_member: member(blocked ? "member" : "kicked"),
        new_chat_member: member(blocked ? "kicked" : "member"),
      },
    });
    return { blocked, update_id: updateId };
  }

  private forwardOrigin(forward: { userId: number } | { hiddenName: string }) {
    const date = this.ctx.chats.unixTime();
    if ("hiddenName" in forward) {
      return { type: "hidden_user", date, sender_user_name: forward.hiddenName };
    }
    const known = this.ctx.chats.find(forward.userId)?.user;
    return {
      type: "user",
      date,
      sender_user: known ?? {
        id: forward.userId,
        is_bot: false,
        first_name: `Customer ${forward.userId}`,
      },
    };
  }

  private profile(userId: number, given: CustomerProfile): TgUser {
    const previous = this.ctx.chats.find(userId)?.user;
    const user: TgUser = {
      id: userId,
      is_bot: false,
      first_name: given.first_name ?? previous?.first_name ?? `Customer ${userId}`,
    };
    const lastName = given.last_name ?? previous?.last_name;
    const username = given.username ?? previous?.username ?? `customer_${userId}`;
    const language = given.language_code ?? previous?.language_code ?? "ru";
    if (lastName) user.last_name = lastName;
    if (username) user.username = username;
    if (language) user.language_code = language;
    return user;
  }

  private existingChat(userId: number): Chat {
    const chat = this.ctx.chats.find(userId);
    if (!chat) throw new HttpError(404, `customer ${userId} has never written to the bot`);
    return chat;
  }

  private liveMessage(chat: Chat, messageId: number): BotMessage {
    const message = this.ctx.chats.liveMessage(chat, messageId);
    if (!message) throw new HttpError(404, `no bot message ${messageId} in this chat`);
    return message;
  }

  private ensureNotBlocked(chat: Chat): void {
    if (chat.blocked) {
      throw new HttpError(409, `customer ${chat.user.id} has blocked the bot; unblock first`);
    }
  }
}
