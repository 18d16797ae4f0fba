import { type Api, Context } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "pino";
import type { CustomerNotifier } from "../domain/notifications/notices.js";
import type { I18n, MessageKey, MessageVars } from "../locales/index.js";
import type { AfterReply } from "./after-reply.js";
import type { Conversation, ConversationStore } from "./conversation.js";
import type { SenderState } from "./inbox.js";
import type { BotOptions } from "./options.js";
import type { QrCodes } from "./qr.js";
import type { BotServices, Customer, InputPrompt } from "./services.js";

/** Translation in the customer's language (set by the locale middleware). */
export interface I18nFlavor {
  i18n: I18n;
  /** The language this update is answered in. */
  locale: string;
  /**
   * The language the customer chose, as stored: null when they have none (a newcomer, or one
   * who never picked), undefined when it was not read (no sender, pre-checkout, DB failure).
   */
  chosenLanguage: string | null | undefined;
  t(key: MessageKey, vars?: MessageVars): string;
}

/** What every handler gets besides grammY's context. */
export interface AppFlavor {
  services: BotServices;
  options: BotOptions;
  /** Child logger with `update_id` and `user_id`. */
  logger: Logger;
  /**
   * Open questions and the buy session, per customer (`conversation_state`). When the sender's
   * state came with the update, their reads cost no statement.
   */
  conversation: Conversation;
  /**
   * What the update's claim read about its sender (language, reachability, conversation), or
   * undefined when it was not read or may be out of date: then each is read when needed.
   */
  senderState: SenderState | undefined;
  /** Sends notices to other people (referrers, admins) through this bot's guarded API. */
  notifier: CustomerNotifier;
  /** The QR code PNGs of recently shown keys. */
  qrCodes: QrCodes;
  /** The customer this update is from; throws for updates without a sender. */
  customer(): Customer;
  /**
   * Runs `task` after this handler, outside the chat's queue (`AfterReply`): for work with a
   * durable fallback only. False when too many run and the fallback is left to do it.
   */
  afterReply(what: string, task: () => Promise<void>): boolean;
  /**
   * The question that was open when this update arrived: read once per update, so every feature
   * looking for its own prompt shares one statement. A button or command closes the question
   * (`closeOpenPrompt`), but the feature whose button it is still reads what it collected here
   * (a confirm button of a multi-step form), and only in this update.
   */
  openPrompt(): Promise<InputPrompt | undefined>;
}

/** The bot's context type, built from flavours (bot-base style). */
export type BotContext = Context & I18nFlavor & AppFlavor;

export interface ContextDeps {
  services: BotServices;
  i18n: I18n;
  logger: Logger;
  options: BotOptions;
  conversation: ConversationStore;
  /** The sender state the inbox handed over with the update, if any. */
  senderState(update: Update): SenderState | undefined;
  /** Set once the bot (and so its API) exists; read per update. */
  notifier: () => CustomerNotifier;
  qrCodes: QrCodes;
  afterReply: AfterReply;
}

type Update = ConstructorParameters<typeof Context>[0];

/** The context class grammY instantiates for every update. */
export function createContextConstructor(deps: ContextDeps) {
  return class AppContext extends Context implements I18nFlavor, AppFlavor {
    readonly services = deps.services;
    readonly options = deps.options;
    readonly i18n = deps.i18n;
    readonly qrCodes = deps.qrCodes;
    readonly conversation: Conversation;
    readonly senderState: SenderState | undefined;
    readonly logger: Logger;
    locale = deps.i18n.defaultLocale;
    chosenLanguage: string | null | undefined = undefined;

    constructor(update: Update, api: Api, me: UserFromGetMe) {
      super(update, api, me);
      this.logger = deps.logger.child({ update_id: update.update_id, user_id: this.from?.id });
      // Until the stored choice is known (and when it cannot be), Telegram's language.
      this.locale = deps.i18n.negotiate(this.from?.language_code);
      const from = this.from;
      this.senderState = from ? deps.senderState(update) : undefined;
      this.conversation =
        from && this.senderState
          ? deps.conversation.forSender(from.id, this.senderState)
          : deps.conversation;
    }

    get notifier(): CustomerNotifier {
      return deps.notifier();
    }

    t(key: MessageKey, vars?: MessageVars): string {
      return this.i18n.t(this.locale, key, vars);
    }

    private promptRead: Promise<InputPrompt | undefined> | undefined;

    openPrompt(): Promise<InputPrompt | undefined> {
      const from = this.from;
      if (!from) return Promise.resolve(undefined);
      this.promptRead ??= this.conversation.prompt(from.id);
      return this.promptRead;
    }

    afterReply(what: string, task: () => Promise<void>): boolean {
      return deps.afterReply.start(what, this.logger, task);
    }

    customer(): Customer {
      const from = this.from;
      if (!from) throw new Error(`update ${this.update.update_id} has no sender`);
      return { telegramId: from.id, language: this.locale, botUsername: this.me.username ?? "" };
    }
  };
}
