/**
 * The bot's ports: what the bot needs from the rest of the service, as interfaces it owns. The
 * composition root implements them with the domain (SQL, VPN, payments); tests implement them
 * with small in-memory fakes. The bot never imports the domain, and the domain never imports
 * grammY.
 *
 * Customer-visible text never crosses a port as prose: ports return data, or `Screen`s made of
 * locale keys with variables, which the bot renders in the customer's language.
 *
 * The customer flows' ports (buy, key, profile, referral, wallet, trial) are declared in their
 * feature folders (src/features/<feature>/port.ts), next to the composer that calls them.
 */

import type { NoticeDelivery } from "../domain/notifications/notices.js";
import type { BuyPort } from "../features/buy/port.js";
import type { KeyPort } from "../features/key/port.js";
import type { ProfilePort } from "../features/profile/port.js";
import type { ReferralPort } from "../features/referral/port.js";
import type { TrialPort } from "../features/trial/port.js";
import type { WalletPort } from "../features/wallet/port.js";
import type { MessageKey, MessageVars } from "../locales/index.js";

/** The customer an action is for, with the language the bot is talking to them in. */
export interface Customer {
  telegramId: number;
  language: string;
  /** The bot's own @username (for links such as the referral link); "" when unknown. */
  botUsername: string;
}

// --- users --------------------------------------------------------------------------------

export interface StartInput {
  telegramId: number;
  username: string | null;
  firstName: string | null;
  /** Telegram's `language_code` of the client, a hint only (the customer picks a language). */
  languageCode: string | null;
  /** From a `ref_<telegram_id>` deep link. The domain refuses self, loops, and changes. */
  referrerTelegramId?: number;
}

export interface StartRegistration {
  /** The user row was created by this call. */
  isNew: boolean;
  /** The referrer was attached by this call (tell the referrer). */
  referrerAttached: boolean;
  /** The referrer's id when `referrerAttached` (to tell them). */
  referrerTelegramId?: number;
  /** The language the customer chose earlier, or null: first-time users pick one. */
  language: string | null;
  trialEligible: boolean;
}

export interface UsersPort {
  /** Registers (or updates the profile of) the user on /start; attaches the referrer once. */
  registerOnStart(input: StartInput): Promise<StartRegistration>;
  setLanguage(telegramId: number, language: string): Promise<void>;
  /** The stored language choice, or null (unknown user, or not chosen yet). One cheap read. */
  languageOf(telegramId: number): Promise<string | null>;
  /** Telegram said "blocked"/"deactivated" (403), or the customer blocked the bot. */
  markUnreachable(telegramId: number): Promise<void>;
  /** Any update from the customer. Throttled by the bot; must be cheap and idempotent. */
  markReachable(telegramId: number): Promise<void>;
  /**
   * True when customers are rows of the bot's own database's `users` table (the domain's
   * implementation): the update inbox then reads the sender's language and reachability with
   * the update's claim, and the bot asks `languageOf` and `markReachable` only when that read
   * is missing or the mark would change the row.
   */
  readonly rowsInDatabase?: boolean;
}

// --- main menu and operator content ----------------------------------------------------------

export interface MenuState {
  /** Show the trial button (SPEC: never paid, no active subscription, trial unused). */
  trialEligible: boolean;
  trialDays: number;
  /** Operator's incident banner while incident mode is on (shown verbatim, escaped), else null. */
  incidentBanner: string | null;
}

export interface MenuPort {
  /**
   * `known.trialEligible`: the eligibility the update has just read (/start reads it with the
   * registration), so the menu does not read it again.
   */
  state(customer: Customer, known?: Pick<MenuState, "trialEligible">): Promise<MenuState>;
}

/** Client app download links shown on the instructions screen; each optional. */
export interface AppLinks {
  ios?: string;
  android?: string;
  windows?: string;
  macos?: string;
  linux?: string;
}

/**
 * Operator-configurable content (settings table / environment). Texts are the operator's own
 * words in the customer's language (the implementation picks the language), shown escaped;
 * null means "use the locale's default".
 */
export interface OperatorInfo {
  /** "@handle" or an https:// / tg:// URL. */
  supportContact: string | null;
  apps: AppLinks;
  privacyPolicyUrl: string | null;
  texts: {
    instructions: string | null;
    support: string | null;
    about: string | null;
    privacy: string | null;
  };
}

export interface InfoPort {
  info(customer: Customer): Promise<OperatorInfo>;
}

// --- flows built on top of the platform ------------------------------------------------------

/** A locale message with its variables. */
export interface MessageRef {
  key: MessageKey;
  vars?: MessageVars;
}

/** How a subscription is paid. Stars are always offered; card and crypto when configured. */
export type PayMethod = "balance" | "stars" | "card" | "crypto";
/** Top-ups are real money only (SPEC "Money"). */
export type TopUpMethod = "card" | "crypto";

/**
 * A question a feature asked: `feature` names the feature that reads the answer, `step` what is
 * asked, `data` what earlier steps collected. The customer's next text message answers it (the
 * bot remembers it, with a TTL).
 */
export interface FeaturePrompt {
  kind: "feature";
  feature: string;
  step: string;
  data?: Record<string, string | number | boolean | null>;
}

/** What the customer's next text message answers. */
export type InputPrompt = FeaturePrompt;

/** What the bot remembers for a customer between screens (conversation_state, with a TTL). */
export interface FlowSession {
  /** A promo code accepted on the buy screen; prices and purchases use it. */
  promoCode: string | null;
}

export type ScreenButton =
  /** Callback data (≤ 64 bytes) made by the target feature's codec, e.g. `BuyData.open()`. */
  { label: MessageRef; callbackData: string } | { label: MessageRef; url: string };

/** A Telegram invoice (Stars or card) the bot sends after the screen's text. */
export interface InvoiceRequest {
  /** 1–32 characters once rendered (the bot truncates). */
  title: MessageRef;
  /** 1–255 characters once rendered. */
  description: MessageRef;
  /** The one price line. */
  priceLabel: MessageRef;
  /** `invoicePayload(purchase.id)`: nothing secret. */
  payload: string;
  currency: "XTR" | "RUB";
  /** Stars for XTR, kopecks for RUB. */
  amount: number;
  /** Empty for Stars. */
  providerToken: string;
}

/** A notice for someone else (a referrer, the admins), sent after the screen, best effort. */
export type Delivery = NoticeDelivery;

/** What a flow port returns: the bot renders it in the customer's language. */
export interface Screen {
  /** Paragraphs, joined by a blank line. */
  text: MessageRef | MessageRef[];
  buttons?: ScreenButton[][];
  /** Content for a QR code image (e.g. the vless:// link); sent as a photo with the text. */
  qrCode?: string;
  /** Leave out the "main menu" row the bot appends by default. */
  noMenuButton?: boolean;
  /** The customer's next text message answers this prompt (read by the feature it names). */
  awaitInput?: InputPrompt;
  /** Session changes to remember (a promo code entered or removed). */
  remember?: Partial<FlowSession>;
  /** A Telegram invoice to send after the text. */
  invoice?: InvoiceRequest;
  /** Notices for other people this action concerns. */
  notify?: Delivery[];
}

// --- Telegram payments -------------------------------------------------------------------------

export interface PreCheckoutInput {
  queryId: string;
  telegramId: number;
  currency: string;
  totalAmount: number;
  invoicePayload: string;
}

/**
 * Must be decided from the database alone (no network call before the answer, SPEC §6); the
 * bot answers Telegram within its 10 s deadline whatever happens.
 */
export type PreCheckoutVerdict = ({ ok: true } | { ok: false; reason: MessageRef }) & {
  /** The language the customer chose in the bot, if known: a refusal is worded in it. */
  language?: string | null;
};

export interface SuccessfulPaymentInput {
  currency: string;
  totalAmount: number;
  invoicePayload: string;
  telegramPaymentChargeId: string;
  providerPaymentChargeId: string;
}

/** What a recorded payment shows, and the key to put on the VPN server once it is shown. */
export interface PaidScreen {
  screen: Screen;
  /** A subscription whose key goes on the VPN server after the screen (`activateKey`). */
  activate?: number;
}

export interface PaymentsPort {
  preCheckout(query: PreCheckoutInput): Promise<PreCheckoutVerdict>;
  /**
   * Finalizes the payment (idempotent by charge id) and returns the screen to show at once: no
   * VPN call comes before it.
   */
  successfulPayment(customer: Customer, payment: SuccessfulPaymentInput): Promise<PaidScreen>;
  /**
   * Puts a paid subscription's key on the VPN server (no connection held). Returns the key
   * screen when that activated it (the customer's key was waiting for this); undefined when the
   * key was already live (a renewal) or the call failed — the activation worker then retries and
   * sends the key as its notice.
   */
  activateKey(customer: Customer, subscriptionId: number): Promise<Screen | undefined>;
}

export interface BotServices {
  users: UsersPort;
  menu: MenuPort;
  info: InfoPort;
  buy: BuyPort;
  key: KeyPort;
  profile: ProfilePort;
  referral: ReferralPort;
  wallet: WalletPort;
  trial: TrialPort;
  payments: PaymentsPort;
}
