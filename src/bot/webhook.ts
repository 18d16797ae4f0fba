import type { FastifyPluginAsync } from "fastify";
import { type Bot, webhookCallback } from "grammy";
import type { Logger } from "pino";
import type { WatchedPart } from "../ops/watchdog.js";
import { abortableDelay } from "../util/delay.js";
import type { BotContext } from "./context.js";
import type { UpdateTracker } from "./middlewares/track.js";
import { ALLOWED_UPDATES, type BotOptions } from "./options.js";

export const WEBHOOK_PATH = "/webhooks/telegram";

export interface WebhookDeps {
  bot: Bot<BotContext>;
  logger: Logger;
  options: BotOptions;
  /** PUBLIC_URL: Telegram posts to `<publicUrl>/webhooks/telegram`. */
  publicUrl: string;
  /** TELEGRAM_WEBHOOK_SECRET, checked on every request (X-Telegram-Bot-Api-Secret-Token). */
  secret: string;
  updates: UpdateTracker;
  /** Runs once the webhook is registered (e.g. the command list). */
  onRegistered?(): void;
}

/**
 * Webhook mode (runs on every replica): a Fastify route through grammY's `webhookCallback`,
 * which answers 401 to a wrong or missing secret before anything is processed. A handler that
 * runs past `webhookTimeoutMs` makes the request fail so Telegram redelivers; the redelivery is
 * recognised by update_id (the de-duplication middleware) and skipped while the first run is
 * still going or done.
 */
export class WebhookReceiver {
  readonly #d: WebhookDeps;
  readonly #log: Logger;
  #accepting = false;
  #registered = false;
  #retry: Promise<void> | undefined;
  #life = new AbortController();

  constructor(deps: WebhookDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: "bot.webhook" });
  }

  get url(): string {
    return `${this.#d.publicUrl.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  }

  readonly plugin: FastifyPluginAsync = async (app) => {
    const callback = webhookCallback(this.#d.bot, "fastify", {
      secretToken: this.#d.secret,
      timeoutMilliseconds: this.#d.options.webhookTimeoutMs,
      onTimeout: "throw",
    });
    app.post(WEBHOOK_PATH, async (request, reply) => {
      if (!this.#accepting) {
        // Starting or draining: Telegram retries, maybe on another replica.
        return reply.code(503).send({ ok: false, error: "not accepting updates" });
      }
      try {
        return await callback(request, reply);
      } catch (err) {
        this.#log.warn(
          { err: (err as Error).message, update_id: updateIdOf(request.body) },
          "webhook update not finished in time; Telegram will redeliver",
        );
        if (!reply.sent) return reply.code(503).send({ ok: false, error: "timeout" });
        return reply;
      }
    });
  };

  /**
   * Accepts updates and registers the webhook (with the secret, never dropping pending
   * updates). A failure is retried in the background: Telegram may be unreachable at start, and
   * an earlier registration usually still stands.
   */
  async start(): Promise<void> {
    this.#accepting = true;
    this.#life = new AbortController();
    if (await this.#register()) return;
    this.#retry = this.#retryRegistration();
  }

  /** Stops accepting (503) and lets in-flight updates finish. The webhook stays set. */
  async stop(): Promise<void> {
    this.#accepting = false;
    this.#life.abort();
    await this.#retry;
    const drained = await this.#d.updates.drain(this.#d.options.stopDrainMs);
    if (!drained) {
      this.#log.warn({ in_flight: this.#d.updates.size }, "stopped with updates in flight");
    }
  }

  get registered(): boolean {
    return this.#registered;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /** R6, webhook mode: only an update handled for longer than its budget counts as stuck. */
  part(): WatchedPart {
    return {
      name: "telegram_webhook",
      check: () => {
        const running = this.#d.updates.oldestRunningMs();
        return running > this.#d.options.handlerStuckMs
          ? { stuck: true, detail: `an update has been handled for ${Math.round(running)} ms` }
          : { stuck: false };
      },
    };
  }

  async #register(): Promise<boolean> {
    try {
      await this.#d.bot.init();
      await this.#d.bot.api.setWebhook(this.url, {
        secret_token: this.#d.secret,
        allowed_updates: [...ALLOWED_UPDATES],
        drop_pending_updates: false,
        max_connections: this.#d.options.webhookMaxConnections,
      });
      this.#registered = true;
      this.#log.info({ url: this.url }, "webhook registered");
      this.#d.onRegistered?.();
      return true;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, "could not register the webhook; will retry");
      return false;
    }
  }

  async #retryRegistration(): Promise<void> {
    let waitMs = this.#d.options.conflictBackoffMs;
    while (!this.#life.signal.aborted) {
      await abortableDelay(waitMs, this.#life.signal);
      if (this.#life.signal.aborted || (await this.#register())) return;
      waitMs = Math.min(waitMs * 2, this.#d.options.conflictBackoffMaxMs);
    }
  }
}

function updateIdOf(body: unknown): number | undefined {
  const id = (body as { update_id?: unknown } | null)?.update_id;
  return typeof id === "number" ? id : undefined;
}
