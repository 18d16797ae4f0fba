import type { FastifyPluginAsync } from "fastify";
import type { Bot } from "grammy";
import type { CustomerNotifier } from "../notifications/notices.js";
import type { WatchedPart } from "../ops/watchdog.js";
import { registerCommands } from "./commands.js";
import type { BotContext } from "./context.js";
import { type CreateBotDeps, createBot } from "./create-bot.js";
import { type PollingStatus, PollingSupervisor } from "./polling.js";
import { WebhookReceiver } from "./webhook.js";

export type BotRuntimeDeps = CreateBotDeps;

export type BotRuntimeStatus =
  | ({ mode: "polling" } & PollingStatus)
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
  /** Lifecycle notices for workers (src/notifications), sent through this bot's guarded API. */
  notifier: CustomerNotifier;
  status(): BotRuntimeStatus;
}

/** The bot with its update source, as the composition root runs it. */
export function createBotRuntime(deps: BotRuntimeDeps): BotRuntime {
  const created = createBot(deps);
  const { bot, i18n, options, updates, notifier } = created;
  const logger = deps.logger.child({ component: "bot" });

  // The command list is registered once per process, after the first successful contact.
  let commands: Promise<void> | undefined;
  const registerCommandsOnce = () => {
    commands ??= registerCommands(bot.api, i18n).catch((err: Error) => {
      commands = undefined;
      logger.warn({ err: err.message }, "could not register bot commands; will retry");
    });
  };

  let started = false;
  if (deps.config.bot.mode === "webhook") {
    const { publicUrl, webhookSecret } = deps.config.bot;
    if (!publicUrl || !webhookSecret) {
      throw new Error("webhook mode needs PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET");
    }
    const webhook = new WebhookReceiver({
      bot,
      logger: deps.logger,
      options,
      publicUrl,
      secret: webhookSecret,
      updates,
      onRegistered: registerCommandsOnce,
    });
    return {
      bot,
      notifier,
      webhookPlugin: webhook.plugin,
      async start() {
        started = true;
        await webhook.start();
      },
      async stop() {
        await webhook.stop();
        await commands;
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
    onLeadership: registerCommandsOnce,
  });
  return {
    bot,
    notifier,
    start: () => polling.start(),
    async stop() {
      await polling.stop();
      await commands;
    },
    parts: () => [polling.part()],
    readinessReason: () => polling.readinessReason(),
    status: () => ({ mode: "polling", ...polling.status() }),
  };
}
