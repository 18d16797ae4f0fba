import type {
  PaymentsPort,
  PreCheckoutVerdict,
  Screen,
  SuccessfulPaymentInput,
} from "../bot/services.js";
import { finalizePayment } from "../domain/finalizer.js";
import { parseInvoicePayload, validatePreCheckout } from "../domain/purchases.js";
import { referrerAndAdminNotices } from "../payments/announce.js";
import { keyScreen } from "./account.js";
import { type FlowDeps, finalizerDeps, flowButton, money, msg } from "./common.js";

/**
 * Telegram payments (Stars and card). Pre-checkout is one indexed read and no network call
 * (SPEC §6). A successful payment goes through the one finalizer (idempotent by
 * `telegram_payment_charge_id`), which provisions the key after commit; the payer sees the
 * result here, the referrer and the admins get their notices as deliveries.
 */
export function paymentsPort(deps: FlowDeps): PaymentsPort {
  return {
    async preCheckout(query): Promise<PreCheckoutVerdict> {
      const verdict = await validatePreCheckout(
        deps.db,
        query.invoicePayload,
        query.currency,
        query.totalAmount,
        query.telegramId,
      );
      if (verdict.ok) return { ok: true };
      deps.logger.warn(
        { user_id: query.telegramId, payload: query.invoicePayload, reason: verdict.reason },
        "pre-checkout refused",
      );
      return {
        ok: false,
        reason: msg(
          verdict.reason === "not_payable" ? "precheckout.expired" : "precheckout.invalid",
        ),
      };
    },

    async successfulPayment(customer, payment: SuccessfulPaymentInput): Promise<Screen> {
      const stars = payment.currency === "XTR";
      const outcome = await finalizePayment(finalizerDeps(deps), {
        method: stars ? "stars" : "card",
        purchaseId: parseInvoicePayload(payment.invoicePayload),
        telegramChargeId: payment.telegramPaymentChargeId,
        totalAmount: payment.totalAmount,
        currency: payment.currency,
        raw: payment,
      });
      const notify = referrerAndAdminNotices(outcome, deps.config.bot.adminIds, {
        userId: customer.telegramId,
        method: stars ? "stars" : "card",
        reference: payment.telegramPaymentChargeId,
      });
      const { result } = outcome;
      let screen: Screen;
      switch (result.outcome) {
        case "granted":
          screen = {
            ...(await keyScreen(deps, customer, [
              msg("payment.granted", { expiresAt: result.expiresAt }),
            ])),
            // A promo code the purchase carried is spent now: the next buy screen starts clean.
            remember: { promoCode: null },
          };
          break;
        case "topped_up":
          screen = {
            text: msg("payment.topped_up", {
              amount: money(result.amountKopecks),
              balance: money(result.balanceAfter),
            }),
            buttons: [
              [flowButton("profile.button_buy", "buy"), flowButton("menu.profile", "profile")],
            ],
          };
          break;
        case "credited_to_balance":
          screen = {
            text: msg("payment.credited", {
              amount: money(result.amountKopecks),
              balance: money(result.balanceAfter),
            }),
            buttons: [[flowButton("profile.button_buy", "buy")]],
          };
          break;
        default:
          screen = { text: msg("payment.review", { id: String(customer.telegramId) }) };
      }
      return notify.length > 0 ? { ...screen, notify } : screen;
    },
  };
}
