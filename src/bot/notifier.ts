import { type Api, GrammyError, InlineKeyboard, InputFile } from "grammy";
import type { BroadcastMessage } from "../domain/broadcasts/broadcasts.js";
import type { CustomerNotifier, Notice, SendOutcome } from "../domain/notifications/notices.js";
import { BuyData } from "../features/buy/codec.js";
import { KeyData } from "../features/key/codec.js";
import { ProfileData } from "../features/profile/codec.js";
import { ReferralData } from "../features/referral/codec.js";
import { WalletData } from "../features/wallet/codec.js";
import type { I18n, MessageKey, MessageVars } from "../locales/index.js";
import { sendBroadcastMessage } from "./broadcast-message.js";
import { Cb } from "./keyboards.js";
import type { QrCodes } from "./qr.js";
import type { UsersPort } from "./services.js";
import { CAPTION_LIMIT } from "./ui.js";

export interface NotifierDeps {
  /** `runtime.bot.api`: every send passes the API guard (R2, metrics, timeouts, 403 marks). */
  api: Api;
  i18n: I18n;
  users: Pick<UsersPort, "languageOf">;
  /** The QR code PNGs of recently shown keys (the bot's, shared with its key screen). */
  qrCodes: QrCodes;
  /** Told of every notice that went out, with its message (the console tracks request copies). */
  sent?: NoticeSentHook;
}

/** Must not throw (the notice is already out). */
export type NoticeSentHook = (userId: number, notice: Notice, messageId: number) => Promise<void>;

/** A button under a notice, with callback data made by the target feature's codec. */
export interface NoticeButton {
  key: MessageKey;
  data: string;
}

/** What a notice says: its text key (`notice.<kind>` unless given), the key's variables, buttons. */
interface NoticeText {
  key?: MessageKey;
  vars?: MessageVars;
  buttons?: NoticeButton[];
}

type NoticeOf<K extends Notice["kind"]> = Extract<Notice, { kind: K }>;

/** One renderer per notice kind: a new kind is a type error until it has one (and its texts). */
type NoticeTexts = { [K in Notice["kind"]]: (notice: NoticeOf<K>) => NoticeText };

const keyButton = (): NoticeButton[] => [{ key: "notice.button_key", data: KeyData.open() }];
const renewButton = (): NoticeButton[] => [{ key: "notice.button_renew", data: BuyData.open() }];
const buyButton = (): NoticeButton[] => [{ key: "notice.button_buy", data: BuyData.open() }];

const keyLink = (notice: { link: string }): NoticeText => ({
  vars: { link: notice.link },
  buttons: keyButton(),
});
const renewBy = (notice: { expiresAt: Date }): NoticeText => ({
  vars: { expiresAt: notice.expiresAt },
  buttons: renewButton(),
});
const trialEndsBy = (notice: { expiresAt: Date }): NoticeText => ({
  vars: { expiresAt: notice.expiresAt },
  buttons: buyButton(),
});
const amountAndBalance = (notice: {
  amountKopecks: number;
  balanceKopecks: number;
}): MessageVars => ({
  amount: { kopecks: notice.amountKopecks },
  balance: { kopecks: notice.balanceKopecks },
});

function paymentAppliedText(notice: NoticeOf<"payment_applied">): NoticeText {
  switch (notice.outcome) {
    case "granted":
      return {
        key: notice.link ? "notice.payment_granted" : "notice.payment_granted_pending",
        vars: notice.link
          ? { expiresAt: notice.expiresAt, link: notice.link }
          : { expiresAt: notice.expiresAt },
        buttons: keyButton(),
      };
    case "topped_up":
    case "credited_to_balance":
      return {
        key:
          notice.outcome === "topped_up" ? "notice.payment_topped_up" : "notice.payment_credited",
        vars: amountAndBalance(notice),
        buttons: buyButton(),
      };
    case "manual_review":
      return { key: "notice.payment_review" };
  }
}

function paymentAlertText(notice: NoticeOf<"admin_payment_alert">): NoticeText {
  return {
    vars: {
      alert: notice.alert,
      method: notice.method,
      user: notice.userId === null ? "—" : String(notice.userId),
      purchase: notice.purchaseId === null ? "—" : `#${notice.purchaseId}`,
      payment: notice.paymentId === null ? "—" : `#${notice.paymentId}`,
      amount: notice.amountKopecks === null ? "—" : { kopecks: notice.amountKopecks },
      reference: notice.reference ?? "—",
    },
  };
}

function withdrawalRequestText(notice: NoticeOf<"withdrawal_requested">): NoticeText {
  return {
    vars: {
      id: String(notice.withdrawalId),
      user: String(notice.userId),
      username: notice.username ? `@${notice.username}` : "—",
      amount: { kopecks: notice.amountKopecks },
      requisites: notice.requisites,
    },
    buttons: [
      { key: "notice.button_approve", data: Cb.withdrawalDecision(notice.withdrawalId, true) },
      { key: "notice.button_reject", data: Cb.withdrawalDecision(notice.withdrawalId, false) },
    ],
  };
}

function discountText(notice: NoticeOf<"account_discount">): NoticeText {
  return {
    key:
      notice.percent === 0
        ? "notice.account_discount_removed"
        : notice.until
          ? "notice.account_discount_until"
          : "notice.account_discount",
    vars: notice.until
      ? { percent: notice.percent, until: notice.until }
      : { percent: notice.percent },
  };
}

const NOTICE_TEXTS: NoticeTexts = {
  activation_done: keyLink,
  key_reissued: keyLink,
  reminder_3d: renewBy,
  reminder_24h: renewBy,
  reminder_3h: renewBy,
  trial_ends_soon: trialEndsBy,
  trial_last_hours: trialEndsBy,
  subscription_expired: () => ({ buttons: renewButton() }),
  trial_over: () => ({ buttons: buyButton() }),
  trial_nudge: () => ({}),
  auto_renew_success: (notice) => ({
    vars: {
      days: notice.days,
      expiresAt: notice.expiresAt,
      amount: { kopecks: notice.amountKopecks },
    },
  }),
  auto_renew_insufficient: (notice) => ({
    vars: {
      missing: { kopecks: notice.missingKopecks },
      price: { kopecks: notice.priceKopecks },
    },
    buttons: [{ key: "notice.button_topup", data: WalletData.topUp() }],
  }),
  payment_applied: paymentAppliedText,
  referral_cashback: (notice) => ({
    vars: { amount: { kopecks: notice.amountKopecks }, percent: notice.percent },
    buttons: [{ key: "notice.button_referral", data: ReferralData.open() }],
  }),
  admin_payment_alert: paymentAlertText,
  withdrawal_requested: withdrawalRequestText,
  withdrawal_approved: (notice) => ({ vars: { amount: { kopecks: notice.amountKopecks } } }),
  withdrawal_rejected: (notice) => ({
    vars: amountAndBalance(notice),
    buttons: [{ key: "notice.button_profile", data: ProfileData.open() }],
  }),
  account_time_granted: (notice) => ({
    vars: { expiresAt: notice.expiresAt },
    buttons: keyButton(),
  }),
  account_revoked: () => ({}),
  account_credited: (notice) => ({ vars: amountAndBalance(notice) }),
  account_debited: (notice) => ({ vars: amountAndBalance(notice) }),
  account_discount: discountText,
  account_vip: (notice) => ({
    key: notice.on ? "notice.account_vip_on" : "notice.account_vip_off",
  }),
  operator_message: (notice) => ({ vars: { text: notice.text } }),
};

/**
 * The text and the buttons (one per row) of a notice, in the recipient's language, and the
 * content of its QR code when it carries a key (the key message: link as text and as QR).
 */
export function renderNotice(
  i18n: I18n,
  locale: string,
  notice: Notice,
): { text: string; buttons: NoticeButton[]; qrCode?: string } {
  const render = NOTICE_TEXTS[notice.kind] as ((notice: Notice) => NoticeText) | undefined;
  // A new notice kind needs its `notice.<kind>` texts in src/locales and a renderer above.
  if (!render) throw new Error(`no texts for notice ${notice.kind}`);
  const { key = `notice.${notice.kind}` as MessageKey, vars = {}, buttons = [] } = render(notice);
  const text = i18n.t(locale, key, vars);
  const link = "link" in notice ? notice.link : null;
  return link ? { text, buttons, qrCode: link } : { text, buttons };
}

function noticeKeyboard(
  i18n: I18n,
  locale: string,
  buttons: NoticeButton[],
): InlineKeyboard | undefined {
  if (buttons.length === 0) return undefined;
  const kb = new InlineKeyboard();
  buttons.forEach((button, i) => {
    if (i > 0) kb.row();
    kb.text(i18n.t(locale, button.key), button.data);
  });
  return kb;
}

/**
 * The service's one way out to Telegram: customer notices, broadcasts and admin messages all
 * go through the bot's guarded API (timeouts, 429 waits and retries, 403 marks, R2, metrics).
 */
export interface BotNotifier extends CustomerNotifier {
  /** A plain-text message (an admin alert or report); throws Telegram's error as it came. */
  sendText(chatId: number, text: string, signal?: AbortSignal): Promise<void>;
  /** A broadcast message (HTML, optional photo and URL button); throws Telegram's error. */
  sendBroadcast(chatId: number, message: BroadcastMessage, signal?: AbortSignal): Promise<void>;
}

/**
 * The `CustomerNotifier` port (src/domain/notifications) on top of the bot's API: renders the notice
 * in the recipient's language and sends it. A customer who blocked the bot is "unreachable" (the
 * API guard has already marked them); other failures throw, as the port says.
 */
export function createCustomerNotifier(deps: NotifierDeps): BotNotifier {
  return {
    async sendText(chatId, text, signal) {
      await deps.api.sendMessage(chatId, text, {}, signal as Parameters<Api["sendMessage"]>[3]);
    },
    sendBroadcast: (chatId, message, signal) =>
      sendBroadcastMessage(deps.api, chatId, message, signal),
    async send(userId: number, notice: Notice, signal?: AbortSignal): Promise<SendOutcome> {
      // Without the database the notice still goes out, in the default language.
      const language = await deps.users.languageOf(userId).catch(() => undefined);
      const locale = deps.i18n.negotiate(language);
      const { text, buttons, qrCode } = renderNotice(deps.i18n, locale, notice);
      const markup = noticeKeyboard(deps.i18n, locale, buttons);
      const options = { parse_mode: "HTML" as const, ...(markup ? { reply_markup: markup } : {}) };
      try {
        if (qrCode !== undefined && text.length <= CAPTION_LIMIT) {
          try {
            const photo = await deps.api.sendPhoto(
              userId,
              new InputFile(await deps.qrCodes.png(qrCode), "qr.png"),
              { ...options, caption: text },
              signal as Parameters<Api["sendPhoto"]>[3],
            );
            await deps.sent?.(userId, notice, photo.message_id);
            return "sent";
          } catch (err) {
            if (err instanceof GrammyError && (err.error_code === 403 || err.error_code === 429)) {
              throw err;
            }
            // The photo could not go (a 400, a Bot API without photos, a timeout): the key
            // still reaches the customer as text.
          }
        }
        const message = await deps.api.sendMessage(
          userId,
          text,
          options,
          signal as Parameters<Api["sendMessage"]>[3],
        );
        await deps.sent?.(userId, notice, message.message_id);
        return "sent";
      } catch (err) {
        if (err instanceof GrammyError && err.error_code === 403) return "unreachable";
        throw err;
      }
    },
  };
}
