import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { PreCheckoutVerdict } from "../../bot/services.js";
import { renderRef, showScreen } from "../../bot/ui.js";
import { toError } from "../../util/errors.js";
import type { Feature } from "../feature.js";

class DecisionTimeout extends Error {}

/**
 * Telegram payments. A pre-checkout query is answered within Telegram's 10 s whatever the port
 * does: the port gets `preCheckoutDecisionMs`, then the customer is told to try again. It never
 * waits behind the customer's other updates (see `sequentialKey` and the polling dispatcher).
 *
 * Pre-checkout queries and successful payments: no buttons of its own.
 */
export function paymentsFeature(): Feature {
  const feature = new Composer<BotContext>();

  feature.on("pre_checkout_query", async (ctx) => {
    const q = ctx.preCheckoutQuery;
    let verdict: PreCheckoutVerdict;
    let timer: NodeJS.Timeout | undefined;
    try {
      verdict = await Promise.race([
        ctx.services.payments.preCheckout({
          queryId: q.id,
          telegramId: q.from.id,
          currency: q.currency,
          totalAmount: q.total_amount,
          invoicePayload: q.invoice_payload,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new DecisionTimeout()),
            ctx.options.preCheckoutDecisionMs,
          );
        }),
      ]);
    } catch (err) {
      ctx.logger.warn(
        { err: toError(err).message, timed_out: err instanceof DecisionTimeout },
        "pre-checkout query could not be judged; asking the customer to retry",
      );
      verdict = { ok: false, reason: { key: "precheckout.failed" } };
    } finally {
      clearTimeout(timer);
    }
    // The locale middleware skips pre-checkout (no round trip before it); the verdict's own
    // read brings the customer's chosen language, Telegram's is the fallback.
    ctx.locale = ctx.i18n.negotiate(verdict.language, q.from.language_code);
    if (verdict.ok) {
      await ctx.answerPreCheckoutQuery(true);
    } else {
      await ctx.answerPreCheckoutQuery(false, { error_message: renderRef(ctx, verdict.reason) });
    }
    ctx.logger.info({ ok: verdict.ok, payload: q.invoice_payload }, "pre-checkout answered");
  });

  feature.on("message:successful_payment", async (ctx) => {
    const p = ctx.message.successful_payment;
    const paid = await ctx.services.payments.successfulPayment(ctx.customer(), {
      currency: p.currency,
      totalAmount: p.total_amount,
      invoicePayload: p.invoice_payload,
      telegramPaymentChargeId: p.telegram_payment_charge_id,
      providerPaymentChargeId: p.provider_payment_charge_id,
    });
    // The confirmation first. The key's VPN call comes after it, outside the chat's queue (the
    // customer's next message need not wait for the VPN server); a new key follows as its own
    // message. Left pending by a crash or a failed call, it is the activation worker's.
    await showScreen(ctx, paid.screen);
    const subscriptionId = paid.activate;
    if (subscriptionId === undefined) return;
    const customer = ctx.customer();
    ctx.afterReply("paid key", async () => {
      const key = await ctx.services.payments.activateKey(customer, subscriptionId);
      if (key) await showScreen(ctx, key);
    });
  });

  return { name: "buy.telegram-payments", prefixes: [], composer: feature };
}
