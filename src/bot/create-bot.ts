import { sequentialize } from "@grammyjs/runner";
import { Bot, BotError, Composer } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Db } from "../db/pool.js";
import type { DbScope } from "../db/scope.js";
import { paymentsFeature } from "../features/buy/telegram-payments.js";
import type { Feature } from "../features/feature.js";
import { closeOpenPrompt } from "../features/flows/index.js";
import { chatFeatures } from "../features/index.js";
import { I18n, LOCALES } from "../locales/index.js";
import type { Metrics } from "../ops/metrics.js";
import { toError } from "../util/errors.js";
import { AfterReply } from "./after-reply.js";
import { installApiGuard } from "./api-guard.js";
import { type BotContext, createContextConstructor } from "./context.js";
import { ConversationStore } from "./conversation.js";
import type { RunUpdate, SenderState } from "./inbox.js";
import { handleUpdateError } from "./middlewares/errors.js";
import { chooseLocale } from "./middlewares/locale.js";
import { membershipFeature } from "./middlewares/membership.js";
import { markReachable, Reachability } from "./middlewares/reachability.js";
import { sequentialKey } from "./middlewares/sequential.js";
import { trackUpdates, UpdateTracker } from "./middlewares/track.js";
import { unhandledFeature } from "./middlewares/unhandled.js";
import { type BotNotifier, createCustomerNotifier, type NoticeSentHook } from "./notifier.js";
import { type BotOptions, botOptionsFrom, DEFAULT_BOT_OPTIONS } from "./options.js";
import { QrCodes } from "./qr.js";
import { RateLimiter } from "./rate-limit.js";
import type { BotServices } from "./services.js";

export interface CreateBotDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  scope: DbScope;
  db: Db;
  services: BotServices;
  /** Overrides `config.bot.apiRoot` (tests point it at the sandbox). */
  apiRoot?: string;
  /** Skips the `getMe` at start when known. */
  botInfo?: UserFromGetMe;
  options?: Partial<BotOptions>;
  /** Defaults to the locale files in src/locales. */
  i18n?: I18n;
  /**
   * Features built outside the bot (the operator console), run after the platform's own
   * features and before the customer flows. A `Feature`'s prefixes and exact data are checked
   * against every other feature's; a bare composer claims none.
   */
  features?: ReadonlyArray<Feature | Composer<BotContext>>;
  /** Told of every notice sent (the console remembers the copies of withdrawal requests). */
  noticeSent?: NoticeSentHook;
}

/** The bot and the pieces its runtime (polling or webhook) needs. */
export interface CreatedBot {
  bot: Bot<BotContext>;
  i18n: I18n;
  options: BotOptions;
  /** Updates being handled now (watchdog, drain on stop). */
  updates: UpdateTracker;
  reachability: Reachability;
  /** Notices through this bot's guarded API (workers, the crypto payment announcer). */
  notifier: BotNotifier;
  /** Handles one update; errors go to the bot's error handler, the promise never rejects. */
  run: RunUpdate;
}

/**
 * Builds the grammY bot (bot-base style): a context type built from flavours, the Telegram API
 * guard on every call, then the update pipeline —
 *   track (metrics, in-flight) → sequentialize per chat (not pre-checkout) → error boundary
 *   { locale → reachable mark → private-chat features… → unhandled }.
 * De-duplication happens before the pipeline: the runtime stores each update in the inbox and
 * runs only the ones it claimed (src/bot/inbox.ts); the claim also reads the sender's language,
 * reachability and conversation state, which the locale, reachable mark and prompt steps use
 * instead of statements of their own. Customer features: close an open question on any button or command → start,
 *   language, menu, info → the operator console and the support and devices features → the flows (profile, buy, key,
 *   referral, wallet, trial: buttons, commands, typed answers) → unhandled.
 */
export function createBot(deps: CreateBotDeps): CreatedBot {
  const token = deps.config.bot.token;
  if (!token) throw new Error("createBot: config.bot.token is not set");
  const options: BotOptions = {
    ...DEFAULT_BOT_OPTIONS,
    ...botOptionsFrom(deps.config),
    ...deps.options,
  };
  const logger = deps.logger.child({ component: "bot" });
  const i18n = deps.i18n ?? new I18n(LOCALES, { timeZone: options.timeZone });

  // grammY's own timeout is only a backstop: the guard enforces a budget per method.
  const longestCallMs = Math.max(
    50_000 + options.getUpdatesGraceMs,
    options.uploadTimeoutMs,
    options.requestTimeoutMs,
  );
  const conversation = new ConversationStore(deps.db, {
    promptTtlMs: options.promptTtlMs,
    sessionTtlMs: options.sessionTtlMs,
  });
  let notifier: BotNotifier | undefined;
  const qrCodes = new QrCodes();
  const updates = new UpdateTracker();
  // As many follow-ups (a paid key's VPN call) as handlers may run at once.
  const afterReply = new AfterReply({ updates, limit: options.concurrency });
  // The sender state the inbox read with an update, until its context is built.
  const senderStates = new WeakMap<Update, SenderState>();
  const bot = new Bot<BotContext>(token, {
    client: {
      apiRoot: deps.apiRoot ?? deps.config.bot.apiRoot,
      timeoutSeconds: Math.ceil(longestCallMs / 1000) + 5,
    },
    ContextConstructor: createContextConstructor({
      services: deps.services,
      i18n,
      logger,
      options,
      conversation,
      senderState: (update) => senderStates.get(update),
      qrCodes,
      afterReply,
      notifier: () => {
        if (!notifier) throw new Error("the notifier is created with the bot");
        return notifier;
      },
    }),
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
  });

  const reachability = new Reachability(deps.services.users, options.reachableThrottleMs, logger);
  installApiGuard(bot.api, {
    scope: deps.scope,
    metrics: deps.metrics,
    logger,
    options,
    onUnreachable: (telegramId) => reachability.unreachable(telegramId),
  });

  notifier = createCustomerNotifier({
    api: bot.api,
    qrCodes,
    i18n,
    users: deps.services.users,
    ...(deps.noticeSent ? { sent: deps.noticeSent } : {}),
  });

  bot.use(trackUpdates(updates, deps.metrics));
  // Enter the chat's queue before any await, so one chat's updates run in the order received.
  bot.use(sequentialize(sequentialKey));

  const limiter = new RateLimiter(options.rateLimitCapacity, options.rateLimitRefillPerSecond);
  const guarded = new Composer<BotContext>();
  guarded.use(chooseLocale(), markReachable(reachability));
  guarded.use(membershipFeature(reachability));
  guarded.use(paymentsFeature().composer);
  // Customer features talk in private chats only (the bot is not for groups).
  const customer = guarded.filter((ctx) => ctx.chat === undefined || ctx.chat.type === "private");
  const features = chatFeatures({
    adminIds: deps.config.bot.adminIds,
    limiter,
    extra: (deps.features ?? []).map((f, i) =>
      f instanceof Composer ? { name: `extra-${i}`, prefixes: [], composer: f } : f,
    ),
  });
  customer.use(closeOpenPrompt(), ...features.map((f) => f.composer), unhandledFeature());
  bot.errorBoundary(handleUpdateError, guarded);

  // Last resort for errors outside the boundary (tracking, de-duplication): log only.
  bot.catch((err) => {
    logger.error(
      { update_id: err.ctx.update.update_id, err: toError(err.error).message },
      "update failed outside the error boundary",
    );
  });

  const run: RunUpdate = async (update, sender) => {
    if (sender) senderStates.set(update, sender);
    try {
      await bot.handleUpdate(update);
    } catch (err) {
      try {
        if (err instanceof BotError) await bot.errorHandler(err);
        else logger.error({ err: toError(err).message }, "update handling failed");
      } catch (inner) {
        logger.error({ err: toError(inner).message }, "bot error handler failed");
      }
    }
  };

  return { bot, i18n, options, updates, reachability, notifier, run };
}
