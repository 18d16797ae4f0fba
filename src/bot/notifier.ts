import { type Api, GrammyError, InlineKeyboard } from "grammy";
import type { I18n, MessageKey, MessageVars } from "../locales/index.js";
import type { CustomerNotifier, Notice, SendOutcome } from "../notifications/notices.js";
import { Cb } from "./keyboards.js";
import type { FlowName, UsersPort } from "./services.js";

export interface NotifierDeps {
  /** `runtime.bot.api`: every send passes the API guard (R2, metrics, timeouts, 403 marks). */
  api: Api;
  i18n: I18n;
  users: Pick<UsersPort, "languageOf">;
}

/** The text and the one button of a notice, in the customer's language. */
export function renderNotice(
  i18n: I18n,
  locale: string,
  notice: Notice,
): { text: string; button: { key: MessageKey; flow: FlowName } | undefined } {
  const key = `notice.${notice.kind}` as MessageKey;
  let vars: MessageVars = {};
  let button: { key: MessageKey; flow: FlowName } | undefined;
  switch (notice.kind) {
    case "activation_done":
    case "key_reissued":
      vars = { link: notice.link };
      button = { key: "notice.button_key", flow: "key" };
      break;
    case "reminder_3d":
    case "reminder_24h":
    case "reminder_3h":
      vars = { expiresAt: notice.expiresAt };
      button = { key: "notice.button_renew", flow: "buy" };
      break;
    case "trial_ends_soon":
    case "trial_last_hours":
      vars = { expiresAt: notice.expiresAt };
      button = { key: "notice.button_buy", flow: "buy" };
      break;
    case "subscription_expired":
      button = { key: "notice.button_renew", flow: "buy" };
      break;
    case "trial_over":
      button = { key: "notice.button_buy", flow: "buy" };
      break;
    case "trial_nudge":
      break;
    case "auto_renew_success":
      vars = {
        days: notice.days,
        expiresAt: notice.expiresAt,
        amount: { kopecks: notice.amountKopecks },
      };
      break;
    case "auto_renew_insufficient":
      vars = {
        missing: { kopecks: notice.missingKopecks },
        price: { kopecks: notice.priceKopecks },
      };
      button = { key: "notice.button_topup", flow: "topup" };
      break;
    default: {
      // A new notice kind needs its `notice.<kind>` texts in src/locales and a case here.
      const unknown: never = notice;
      throw new Error(`no texts for notice ${(unknown as Notice).kind}`);
    }
  }
  return { text: i18n.t(locale, key, vars), button };
}

/**
 * The `CustomerNotifier` port (src/notifications) on top of the bot's API: renders the notice
 * in the customer's language and sends it. A customer who blocked the bot is "unreachable" (the
 * API guard has already marked them); other failures throw, as the port says.
 */
export function createCustomerNotifier(deps: NotifierDeps): CustomerNotifier {
  return {
    async send(userId: number, notice: Notice, signal?: AbortSignal): Promise<SendOutcome> {
      const locale = deps.i18n.negotiate(await deps.users.languageOf(userId));
      const { text, button } = renderNotice(deps.i18n, locale, notice);
      const markup = button
        ? new InlineKeyboard().text(deps.i18n.t(locale, button.key), Cb.flow(button.flow))
        : undefined;
      try {
        await deps.api.sendMessage(
          userId,
          text,
          { parse_mode: "HTML", ...(markup ? { reply_markup: markup } : {}) },
          signal as Parameters<Api["sendMessage"]>[3],
        );
        return "sent";
      } catch (err) {
        if (err instanceof GrammyError && err.error_code === 403) return "unreachable";
        throw err;
      }
    },
  };
}
