import type {
  Customer,
  PaidScreen,
  PaymentsPort,
  PreCheckoutVerdict,
  Screen,
  SuccessfulPaymentInput,
} from "../../bot/services.js";
import {
  type FinalizeOutcome,
  finalizePayment,
  type PaymentEvent,
} from "../../domain/billing/finalizer.js";
import { referrerAndAdminNotices } from "../../domain/billing/payment-announcer.js";
import {
  type PreCheckoutResult,
  parseInvoicePayload,
  validatePreCheckout,
} from "../../domain/billing/purchases.js";
import { type Provisioner, provisionAfterCommit } from "../../domain/subscriptions/after-commit.js";
import {
  type ProvisionResult,
  provisionSubscription,
} from "../../domain/subscriptions/provisioning.js";
import type { MessageKey } from "../../locales/index.js";
import { abortableDelay } from "../../util/delay.js";
import { toError } from "../../util/errors.js";
import { dataButton, type FlowDeps, finalizerDeps, money, msg } from "../flows/common.js";
import { keyScreen } from "../key/flow.js";
import { ProfileData } from "../profile/codec.js";
import { BuyData } from "./codec.js";

type TelegramPaymentEvent = Extract<PaymentEvent, { method: "stars" | "card" }>;

/**
 * Telegram sends a successful payment once: if it cannot be recorded now (the database is
 * restarting, the pool is exhausted), it is tried again a few times, as the finalizer is
 * idempotent. Returns the last error when every attempt failed.
 */
async function finalizeWithRetries(
  deps: FlowDeps,
  event: PaymentEvent,
  provisioner: Provisioner,
): Promise<FinalizeOutcome | Error> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await finalizePayment({ ...finalizerDeps(deps), provisioner }, event);
    } catch (err) {
      const pause = deps.limits.paymentRecordRetryPausesMs[attempt];
      if (pause === undefined) return toError(err);
      deps.logger.warn(
        { purchase_id: event.purchaseId, attempt: attempt + 1, err: toError(err).message },
        "could not record a payment yet; retrying",
      );
      await abortableDelay(pause);
    }
  }
}

/**
 * The money arrived but could not be recorded: everything needed to credit it by hand goes to
 * the error log and to the admins, and the customer is told a person will check it.
 */
function notRecorded(
  deps: FlowDeps,
  customer: Customer,
  event: TelegramPaymentEvent,
  err: Error,
): Screen {
  deps.metrics.payments.inc({ method: event.method, outcome: "not_recorded" });
  deps.logger.error(
    {
      event: "payment_not_recorded",
      user_id: customer.telegramId,
      purchase_id: event.purchaseId,
      method: event.method,
      currency: event.currency,
      total_amount: event.totalAmount,
      telegram_payment_charge_id: event.telegramChargeId,
      err: err.message,
    },
    "payment could not be recorded; the admins must credit it by hand",
  );
  return {
    text: msg("payment.review", { id: String(customer.telegramId) }),
    notify: deps.config.bot.adminIds.map((adminId) => ({
      userId: adminId,
      notice: {
        kind: "admin_payment_alert",
        alert: "not_recorded",
        method: event.method,
        userId: customer.telegramId,
        purchaseId: event.purchaseId,
        paymentId: null,
        amountKopecks: event.currency === "RUB" ? event.totalAmount : null,
        reference: event.telegramChargeId,
      },
    })),
  };
}

function refusalKey(reason: Extract<PreCheckoutResult, { ok: false }>["reason"]): MessageKey {
  if (reason === "already_paid") return "precheckout.already_paid";
  if (reason === "not_payable") return "precheckout.expired";
  return "precheckout.invalid";
}

/**
 * Telegram payments (Stars and card). Pre-checkout is one indexed read and no network call
 * (SPEC §6). A successful payment goes through the one finalizer (idempotent by
 * `telegram_payment_charge_id`); the payer sees the result as soon as it is recorded, and the
 * key is put on the VPN server after that reply (`activateKey`), so the VPN's latency never
 * delays the confirmation. The referrer and the admins get their notices as deliveries.
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
      const language = verdict.language;
      if (verdict.ok) return { ok: true, language };
      deps.logger.warn(
        { user_id: query.telegramId, payload: query.invoicePayload, reason: verdict.reason },
        "pre-checkout refused",
      );
      return { ok: false, reason: msg(refusalKey(verdict.reason)), language };
    },

    async successfulPayment(customer, payment: SuccessfulPaymentInput): Promise<PaidScreen> {
      const stars = payment.currency === "XTR";
      const event: TelegramPaymentEvent = {
        method: stars ? "stars" : "card",
        purchaseId: parseInvoicePayload(payment.invoicePayload),
        telegramChargeId: payment.telegramPaymentChargeId,
        totalAmount: payment.totalAmount,
        currency: payment.currency,
        raw: payment,
      };
      // The finalizer asks for the key after its commit; that call waits for the reply.
      let activate: number | undefined;
      const afterReply: Provisioner = {
        provision: async (subscriptionId) => {
          activate = subscriptionId;
        },
      };
      const outcome = await finalizeWithRetries(deps, event, afterReply);
      if (outcome instanceof Error) {
        return { screen: notRecorded(deps, customer, event, outcome) };
      }
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
              [
                dataButton("profile.button_buy", BuyData.open()),
                dataButton("menu.profile", ProfileData.open()),
              ],
            ],
          };
          break;
        case "credited_to_balance":
          screen = {
            text: msg("payment.credited", {
              amount: money(result.amountKopecks),
              balance: money(result.balanceAfter),
            }),
            buttons: [[dataButton("profile.button_buy", BuyData.open())]],
          };
          break;
        default:
          screen = { text: msg("payment.review", { id: String(customer.telegramId) }) };
      }
      return {
        screen: notify.length > 0 ? { ...screen, notify } : screen,
        ...(activate === undefined ? {} : { activate }),
      };
    },

    async activateKey(customer, subscriptionId): Promise<Screen | undefined> {
      let result: ProvisionResult | undefined;
      // The same after-commit step as every grant: a failure is logged and left to the worker.
      await provisionAfterCommit(
        {
          provision: async (id) => {
            result = await provisionSubscription(deps.provisioning, id);
          },
        },
        deps.logger,
        subscriptionId,
      );
      if (result?.outcome !== "provisioned" || !result.activated) return undefined;
      return keyScreen(deps, customer);
    },
  };
}
