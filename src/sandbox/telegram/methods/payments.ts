import type { MethodTable, TelegramContext } from "../context.js";
import { badRequest, queryTooOld } from "../errors.js";
import { renderMessage } from "../render.js";
import { markupParam } from "./messages.js";

interface LabeledPrice {
  label: string;
  amount: number;
}

function parsePrices(value: unknown): LabeledPrice[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (p) =>
        typeof p === "object" &&
        p !== null &&
        typeof (p as LabeledPrice).label === "string" &&
        Number.isSafeInteger((p as LabeledPrice).amount),
    );
  if (!ok) throw badRequest("can't parse prices JSON object");
  return value as LabeledPrice[];
}

/** sendInvoice, answerPreCheckoutQuery, refundStarPayment and getStarTransactions. */
export function paymentMethods(ctx: TelegramContext): MethodTable {
  return {
    sendinvoice(p) {
      const chat = ctx.chats.requireWritable(p.chatId());
      const title = p.string("title") ?? "";
      const description = p.string("description") ?? "";
      const payload = p.string("payload") ?? "";
      const currency = (p.string("currency") ?? "").toUpperCase();
      const providerToken = p.string("provider_token") ?? "";
      if (title.length < 1 || title.length > 32) throw badRequest("INVOICE_TITLE_INVALID");
      if (description.length < 1 || description.length > 255) {
        throw badRequest("INVOICE_DESCRIPTION_INVALID");
      }
      const payloadBytes = Buffer.byteLength(payload);
      if (payloadBytes < 1 || payloadBytes > 128) throw badRequest("INVOICE_PAYLOAD_INVALID");
      if (!/^[A-Z]{3}$/.test(currency)) throw badRequest("CURRENCY_INVALID");
      const prices = parsePrices(p.json("prices", "can't parse prices JSON object"));
      if (currency === "XTR") {
        // Stars: no payment provider, and exactly one price item.
        if (providerToken !== "") throw badRequest("PAYMENT_PROVIDER_INVALID");
        if (prices.length !== 1) throw badRequest("STARS_INVOICE_INVALID");
      } else if (providerToken === "") {
        throw badRequest("PAYMENT_PROVIDER_INVALID");
      }
      const total = prices.reduce((sum, price) => sum + price.amount, 0);
      if (total <= 0) throw badRequest("CURRENCY_TOTAL_AMOUNT_INVALID");
      const message = ctx.chats.addBotMessage(chat, {
        text: null,
        caption: null,
        parse_mode: null,
        reply_markup: markupParam(p),
        plain: null,
        entities: [],
        photo: null,
        document: null,
        invoice: { title, description, currency, total_amount: total, payload },
      });
      return renderMessage(ctx.bot, chat, message);
    },

    answerprecheckoutquery(p) {
      const ok = p.bool("ok");
      if (ok === undefined) throw badRequest('parameter "ok" is required');
      const errorMessage = p.string("error_message") ?? null;
      if (!ok && !errorMessage) throw badRequest("ERROR_MESSAGE_EMPTY");
      const id = p.string("pre_checkout_query_id") ?? "";
      if (!ctx.queries.answerPreCheckout(id, { ok, error_message: ok ? null : errorMessage })) {
        throw queryTooOld();
      }
      return true;
    },

    refundstarpayment(p) {
      const userId = p.int("user_id");
      const charge = ctx.queries.charge(p.string("telegram_payment_charge_id") ?? "");
      if (!charge || charge.user_id !== userId || charge.currency !== "XTR") {
        throw badRequest("CHARGE_NOT_FOUND");
      }
      if (charge.refunded) throw badRequest("CHARGE_ALREADY_REFUNDED");
      ctx.queries.refund(charge, ctx.chats.unixTime());
      return true;
    },

    getstartransactions(p) {
      const offset = p.int("offset") ?? 0;
      const limit = p.int("limit") ?? 100;
      if (offset < 0) throw badRequest("offset must be non-negative");
      if (limit < 1 || limit > 100) throw badRequest("limit must be between 1 and 100");
      return { transactions: ctx.queries.starTransactions(offset, limit) };
    },
  };
}
