import { GrammyError, type InlineKeyboard, InputFile } from "grammy";
import { deliverNotices } from "../domain/notifications/notices.js";
import { escapeHtml, plainText } from "../locales/format.js";
import { toError } from "../util/errors.js";
import type { BotContext } from "./context.js";
import { screenKeyboard } from "./keyboards.js";
import type { Delivery, InvoiceRequest, MessageRef, Screen } from "./services.js";

/** A rendered message: HTML text and its inline keyboard. */
export interface View {
  text: string;
  keyboard: InlineKeyboard;
}

/** Telegram's limit for a photo's caption. */
export const CAPTION_LIMIT = 1024;

export function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.description.includes("message is not modified");
}

/** The message under a pressed button cannot take a text edit (gone, too old, a photo…). */
function cannotEdit(err: unknown): boolean {
  return (
    err instanceof GrammyError &&
    err.error_code === 400 &&
    /message to edit not found|message can't be edited|no text in the message/.test(err.description)
  );
}

/**
 * Shows a view where the customer is looking: a button press edits its own message in place;
 * anything else (or a message that cannot be edited) gets a new message.
 */
export async function show(ctx: BotContext, view: View): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message && "text" in message && typeof message.text === "string") {
    try {
      await ctx.editMessageText(view.text, { parse_mode: "HTML", reply_markup: view.keyboard });
      return;
    } catch (err) {
      if (isNotModified(err)) return;
      if (!cannotEdit(err)) throw err;
    }
  }
  await ctx.reply(view.text, { parse_mode: "HTML", reply_markup: view.keyboard });
}

/** Answers a button press once; a press already answered or expired is not an error. */
export async function answerCallback(
  ctx: BotContext,
  options: { text?: string; show_alert?: boolean } = {},
): Promise<void> {
  if (!ctx.callbackQuery) return;
  try {
    await ctx.answerCallbackQuery(options);
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 400) return;
    throw err;
  }
}

export function renderRef(ctx: BotContext, ref: MessageRef): string {
  return ctx.t(ref.key, ref.vars);
}

export function paragraphs(...parts: Array<string | null | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n\n");
}

/** Operator-written text (settings), shown as plain text. */
export function operatorText(text: string): string {
  return escapeHtml(text);
}

export { QR_OPTIONS, renderQrPng } from "./qr.js";

/**
 * Renders what a flow port returned: the text (a QR code goes out as a photo with it), then
 * what the screen asks for — remember the session, wait for a typed answer, send an invoice,
 * tell other people.
 */
export async function showScreen(ctx: BotContext, screen: Screen): Promise<void> {
  const refs = Array.isArray(screen.text) ? screen.text : [screen.text];
  const view: View = {
    text: paragraphs(...refs.map((r) => renderRef(ctx, r))),
    keyboard: screenKeyboard(ctx, screen),
  };
  const customerId = ctx.from?.id;
  if (customerId !== undefined) {
    if (screen.remember) await ctx.conversation.remember(customerId, screen.remember);
    if (screen.awaitInput) await ctx.conversation.expect(customerId, screen.awaitInput);
  }
  if (screen.qrCode === undefined || !(await showWithQr(ctx, view, screen.qrCode))) {
    await show(ctx, view);
  }
  if (screen.invoice) await sendInvoice(ctx, screen.invoice);
  if (screen.notify) await deliver(ctx, screen.notify);
}

/**
 * The key message: the QR code as a photo with the text (the link as copyable text) and the
 * buttons. Returns false when the photo could not be sent (a timeout, a 400, a Bot API without
 * photos): the caller then shows the text, so the customer always gets the link. The photo is a
 * new message; once it is out, the pressed message loses its buttons, so a pay button on it
 * cannot be pressed again later.
 */
async function showWithQr(ctx: BotContext, view: View, qrCode: string): Promise<boolean> {
  try {
    const photo = new InputFile(await ctx.qrCodes.png(qrCode), "qr.png");
    if (view.text.length <= CAPTION_LIMIT) {
      await ctx.replyWithPhoto(photo, {
        caption: view.text,
        parse_mode: "HTML",
        reply_markup: view.keyboard,
      });
    } else {
      await ctx.replyWithPhoto(photo);
      await ctx.reply(view.text, { parse_mode: "HTML", reply_markup: view.keyboard });
    }
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 403) throw err;
    ctx.logger.warn({ err: toError(err).message }, "QR photo not sent; the key goes as text");
    return false;
  }
  if (ctx.callbackQuery?.message) {
    await ctx.editMessageReplyMarkup().catch((err: unknown) => {
      ctx.logger.debug(
        { err: toError(err).message },
        "could not clear the pressed message's buttons",
      );
    });
  }
  return true;
}

/** Telegram's limits for invoice texts. */
const INVOICE_TITLE_MAX = 32;
const INVOICE_DESCRIPTION_MAX = 255;

async function sendInvoice(ctx: BotContext, invoice: InvoiceRequest): Promise<void> {
  const title = plainText(renderRef(ctx, invoice.title), INVOICE_TITLE_MAX);
  const description = plainText(renderRef(ctx, invoice.description), INVOICE_DESCRIPTION_MAX);
  const label = plainText(renderRef(ctx, invoice.priceLabel), INVOICE_TITLE_MAX);
  await ctx.replyWithInvoice(
    title,
    description,
    invoice.payload,
    invoice.currency,
    [{ label, amount: invoice.amount }],
    // Stars take no payment provider; the card provider comes from TG_PROVIDER_TOKEN.
    invoice.currency === "XTR" ? {} : { provider_token: invoice.providerToken },
  );
}

/** Best effort: the customer's own answer must not fail because an admin or referrer is away. */
function deliver(ctx: BotContext, deliveries: readonly Delivery[]): Promise<void> {
  return deliverNotices(ctx.notifier, deliveries, ctx.logger);
}
