import type { Customer, MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import {
  attachCryptoInvoice,
  cancelPurchase,
  invoicePayload,
  type Purchase,
} from "../../domain/billing/purchases.js";
import { plainText } from "../../locales/format.js";
import { toError } from "../../util/errors.js";
import { type FlowDeps, msg, urlButton } from "./common.js";

/** The texts of one checkout: the invoice itself and the line shown above it. */
export interface CheckoutTexts {
  title: MessageRef;
  description: MessageRef;
  priceLabel: MessageRef;
  /** Above a Telegram invoice (Stars, card). */
  telegramLead: MessageRef;
  /** Above the Crypto Pay link. */
  cryptoLead: MessageRef;
  /** Shown before the lead (e.g. "this invoice is still open"). */
  notes?: MessageRef[];
}

/** Crypto Pay shows the description on its page: up to 1024 characters. */
const CRYPTO_DESCRIPTION_MAX = 1024;

/**
 * Hands a pending purchase to the customer: a Telegram invoice (Stars: XTR with one price and no
 * provider; card: RUB in kopecks through the provider token), or a Crypto Pay invoice in RUB
 * created now — with no connection held (R2) — and recorded on the purchase, shown as a link.
 * If Crypto Pay cannot be reached the purchase is cancelled (its promo reservation released).
 * A purchase that already has its Crypto Pay invoice (shown again) gets the same link.
 */
export async function checkoutScreen(
  deps: FlowDeps,
  customer: Customer,
  purchase: Purchase,
  texts: CheckoutTexts,
  back: ScreenButton,
): Promise<Screen> {
  const payload = invoicePayload(purchase.id);
  const notes = texts.notes ?? [];
  if (purchase.method === "stars" || purchase.method === "card") {
    const stars = purchase.method === "stars";
    return {
      text: [...notes, texts.telegramLead],
      buttons: [[back]],
      invoice: {
        title: texts.title,
        description: texts.description,
        priceLabel: texts.priceLabel,
        payload,
        currency: stars ? "XTR" : "RUB",
        amount: stars ? (purchase.starsAmount ?? 0) : purchase.amountKopecks,
        providerToken: stars ? "" : (deps.config.bot.providerToken ?? ""),
      },
    };
  }
  const cryptopay = deps.cryptopay;
  if (purchase.method !== "crypto" || !cryptopay) {
    throw new Error(`purchase ${purchase.id}: no checkout for method ${purchase.method}`);
  }
  const description = plainText(
    deps.i18n.t(customer.language, texts.description.key, texts.description.vars),
    CRYPTO_DESCRIPTION_MAX,
  );
  if (purchase.cryptoInvoiceUrl) {
    return {
      text: [...notes, texts.cryptoLead],
      buttons: [[urlButton("payment.crypto_pay_button", purchase.cryptoInvoiceUrl)], [back]],
    };
  }
  let url: string;
  try {
    const invoice = await cryptopay.createInvoice({
      amountKopecks: purchase.amountKopecks,
      description,
      payload,
      expiresInSeconds: deps.limits.cryptoInvoiceTtlSeconds,
    });
    url = invoice.bot_invoice_url ?? "";
    if (!url) throw new Error("createInvoice answered without bot_invoice_url");
    await attachCryptoInvoice(deps.db, purchase.id, { invoiceId: invoice.invoice_id, url });
  } catch (err) {
    deps.logger.warn(
      { purchase_id: purchase.id, user_id: customer.telegramId, err: toError(err).message },
      "could not create a Crypto Pay invoice; purchase cancelled",
    );
    await cancelPurchase(deps.db, customer.telegramId, purchase.id);
    return { text: msg("payment.crypto_unavailable"), buttons: [[back]] };
  }
  return {
    text: [...notes, texts.cryptoLead],
    buttons: [[urlButton("payment.crypto_pay_button", url)], [back]],
  };
}
