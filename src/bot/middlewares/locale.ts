import type { MiddlewareFn } from "grammy";
import { toError } from "../../util/errors.js";
import type { BotContext } from "../context.js";

/**
 * The language to answer in: the customer's stored choice, else what their Telegram client
 * says, else the default. The choice comes with the update when the inbox read it (no
 * statement), else it is read here. A database failure keeps the Telegram guess (the context starts with
 * it) and lets the update through to its handler and the error boundary.
 */
export function chooseLocale(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    // A pre-checkout query is answered from Telegram's language: no round trip before it.
    const known = ctx.senderState?.customer;
    if (from && known) {
      ctx.chosenLanguage = known.language;
      ctx.locale = ctx.i18n.negotiate(known.language, from.language_code);
    } else if (from && !from.is_bot && ctx.update.pre_checkout_query === undefined) {
      try {
        const stored = await ctx.services.users.languageOf(from.id);
        ctx.chosenLanguage = stored;
        ctx.locale = ctx.i18n.negotiate(stored, from.language_code);
      } catch (err) {
        ctx.logger.warn({ err: toError(err).message }, "customer language unavailable");
      }
    }
    await next();
  };
}
