import { randomBytes } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import { parseInvoicePayload } from "../domain/billing/purchases.js";
import type { CustomerNotifier } from "../domain/notifications/notices.js";
import type { WatchedPart } from "../ops/watchdog.js";
import { abortableDelay } from "../util/delay.js";
import { toError } from "../util/errors.js";
import { replicaName } from "../util/replica.js";
import type { StarTransactionsSource } from "../workers/stars-backstop.js";
import { registerCommands } from "./commands.js";
import type { BotContext } from "./context.js";
import { type CreateBotDeps, createBot } from "./create-bot.js";
import { UpdateInbox } from "./inbox.js";
import type { BotNotifier } from "./notifier.js";
import { type PollingStatus, PollingSupervisor } from "./polling.js";
import { WebhookReceiver } from "./webhook.js";

export type BotRuntimeDeps = CreateBotDeps;

export type BotRuntimeStatus =
  | ({ mode: "polling"; inFlight: number } & PollingStatus)
  | { mode: "webhook"; accepting: boolean; registered: boolean; inFlight: number };

export interface BotRuntime {
  bot: Bot<BotContext>;
  /**
   * Polling: starts the standby/leader loop (resolves after the first lock attempt). Webhook:
   * registers the webhook and accepts updates — call it after the HTTP server listens.
   */
  start(): Promise<void>;
  /** Stops intake and drains in-flight updates (bounded); call before closing HTTP and the pool. */
  stop(): Promise<void>;
  /** Watchdog parts (R6): the update source by role. */
  parts(): WatchedPart[];
  /** Undefined when ready (a polling standby is ready); else why not. */
  readinessReason(): string | undefined;
  /** Webhook mode only: register on the Fastify instance before `listen`. */
  webhookPlugin?: FastifyPluginAsync;
  /** Lifecycle notices for workers (src/domain/notifications), sent through this bot's guarded API. */
  notifier: BotNotifier;
  /** The bot's Star transactions (getStarTransactions), for the Stars backstop. */
  starTransactions: StarTransactionsSource;
  status(): BotRuntimeStatus;
}

/** The bot with its update source, as the composition root runs it. */
export function createBotRuntime(deps: BotRuntimeDeps): BotRuntime {
  const created = createBot(deps);
  const { bot, i18n, options, updates, notifier, run } = created;
  const logger = deps.logger.child({ component: "bot" });
  const inbox = new UpdateInbox({
    db: deps.db,
    logger: deps.logger,
    metrics: deps.metrics,
    options: options.inbox,
    owner: `${replicaName()}:${randomBytes(4).toString("hex")}`,
    readsCustomers: deps.services.users.rowsInDatabase === true,
    onGaveUp: (update, attempts) =>
      reportGivenUp(update, attempts, { notifier, adminIds: deps.config.bot.adminIds, logger }),
  });

  // The command list is registered once per process after the first successful contact, and
  // retried with a growing pause until it is (a failure at start would otherwise stand).
  const life = new AbortController();
  let commands: Promise<void> | undefined;
  const registerCommandsOnce = () => {
    commands ??= (async () => {
      for (let pauseMs = options.conflictBackoffMs; !life.signal.aborted; ) {
        try {
          await registerCommands(bot.api, i18n);
          return;
        } catch (err) {
          logger.warn(
            { err: toError(err).message, retry_in_ms: pauseMs },
            "could not register bot commands; will retry",
          );
        }
        await abortableDelay(pauseMs, life.signal);
        pauseMs = Math.min(pauseMs * 2, options.conflictBackoffMaxMs * 10);
      }
    })();
  };
  const startInbox = () => inbox.start(run);
  // grammY types signals with its fetch shim's AbortSignal; at run time it is Node's.
  type ShimSignal = Parameters<typeof bot.api.getStarTransactions>[1];
  const starTransactions: StarTransactionsSource = async (offset, limit, signal) =>
    (await bot.api.getStarTransactions({ offset, limit }, signal as unknown as ShimSignal))
      .transactions;
  const stopBackground = async () => {
    life.abort();
    await Promise.all([commands, inbox.stop()]);
  };

  let started = false;
  const delivery = deps.config.bot.delivery;
  if (delivery.mode === "webhook") {
    const webhook = new WebhookReceiver({
      bot,
      logger: deps.logger,
      options,
      publicUrl: delivery.publicUrl,
      secret: delivery.webhookSecret,
      updates,
      inbox,
      run,
      onRegistered: registerCommandsOnce,
    });
    return {
      bot,
      notifier,
      starTransactions,
      webhookPlugin: webhook.plugin,
      async start() {
        started = true;
        startInbox();
        await webhook.start();
      },
      async stop() {
        await webhook.stop();
        await stopBackground();
      },
      parts: () => [webhook.part()],
      readinessReason: () => (started ? undefined : "bot not started"),
      status: () => ({
        mode: "webhook",
        accepting: webhook.accepting,
        registered: webhook.registered,
        inFlight: updates.size,
      }),
    };
  }

  const polling = new PollingSupervisor({
    bot,
    db: deps.db,
    logger: deps.logger,
    options,
    graceMs: deps.config.watchdog.pollingGraceMs,
    updates,
    inbox,
    run,
    onLeadership: registerCommandsOnce,
  });
  return {
    bot,
    notifier,
    starTransactions,
    async start() {
      // Every replica, standby or leader, runs stored updates left by a process that died.
      startInbox();
      await polling.start();
    },
    async stop() {
      await polling.stop();
      await stopBackground();
    },
    parts: () => [polling.part()],
    readinessReason: () => polling.readinessReason(),
    status: () => ({ mode: "polling", inFlight: updates.size, ...polling.status() }),
  };
}

/**
 * An update run `maxAttempts` times without finishing (each run stopped the process). A
 * successful payment among them is money that is not recorded: the admins get its charge id
 * (the Stars backstop credits a Stars payment on its own later).
 */
function reportGivenUp(
  update: Update,
  attempts: number,
  deps: { notifier: CustomerNotifier; adminIds: readonly number[]; logger: Logger },
): void {
  const message = update.message;
  const payment = message?.successful_payment;
  if (!message || !payment) return;
  const method = payment.currency === "XTR" ? "stars" : "card";
  const purchaseId = parseInvoicePayload(payment.invoice_payload);
  deps.logger.error(
    {
      event: "payment_not_recorded",
      update_id: update.update_id,
      attempts,
      user_id: message.from?.id,
      purchase_id: purchaseId,
      method,
      currency: payment.currency,
      total_amount: payment.total_amount,
      telegram_payment_charge_id: payment.telegram_payment_charge_id,
    },
    "payment update given up; the admins must check it",
  );
  for (const adminId of deps.adminIds) {
    deps.notifier
      .send(adminId, {
        kind: "admin_payment_alert",
        alert: "not_recorded",
        method,
        userId: message.from?.id ?? null,
        purchaseId,
        paymentId: null,
        amountKopecks: payment.currency === "RUB" ? payment.total_amount : null,
        reference: payment.telegram_payment_charge_id,
      })
      .catch((err: unknown) =>
        deps.logger.warn({ err: toError(err).message }, "could not alert an admin"),
      );
  }
}
