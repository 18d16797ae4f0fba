import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import type { WatchedPart } from "../ops/watchdog.js";
import { abortableDelay } from "../util/delay.js";
import { toError } from "../util/errors.js";
import type { BotContext } from "./context.js";
import type { RunUpdate, UpdateInbox } from "./inbox.js";
import type { UpdateTracker } from "./middlewares/track.js";
import { ALLOWED_UPDATES, type BotOptions } from "./options.js";

const WEBHOOK_PATH = "/webhooks/telegram";

export interface WebhookDeps {
  bot: Bot<BotContext>;
  logger: Logger;
  options: BotOptions;
  /** PUBLIC_URL: Telegram posts to `<publicUrl>/webhooks/telegram`. */
  publicUrl: string;
  /** TELEGRAM_WEBHOOK_SECRET, checked on every request (X-Telegram-Bot-Api-Secret-Token). */
  secret: string;
  updates: UpdateTracker;
  /** Each update (but a pre-checkout query) is stored here before the request is answered. */
  inbox: UpdateInbox;
  /** Runs one update through the bot (never rejects). */
  run: RunUpdate;
  /** Runs once the webhook is registered (e.g. the command list). */
  onRegistered?(): void;
}

/**
 * Webhook mode (runs on every replica). A request with a wrong or missing secret gets 401 before
 * anything is read. An update is stored in the inbox first and answered 200 only then; it is
 * handled after the answer, so a slow handler never makes Telegram redeliver. When the database
 * cannot store it the answer is 503 and Telegram keeps it for a later delivery. A redelivery of
 * an update already stored is answered 200 without running it again; if the replica that was
 * handling it died, the inbox's sweep runs it. Pre-checkout queries skip the inbox (they are due
 * within 10 s and are answered even while the database is down).
 */
export class WebhookReceiver {
  readonly #d: WebhookDeps;
  readonly #log: Logger;
  readonly #secret: Buffer;
  #accepting = false;
  #registered = false;
  #retry: Promise<void> | undefined;
  #life = new AbortController();

  constructor(deps: WebhookDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ component: "bot.webhook" });
    this.#secret = Buffer.from(deps.secret);
  }

  get url(): string {
    return `${this.#d.publicUrl.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  }

  readonly plugin: FastifyPluginAsync = async (app) => {
    app.post(WEBHOOK_PATH, async (request, reply) => {
      if (!this.#secretMatches(request.headers["x-telegram-bot-api-secret-token"])) {
        return reply.code(401).send("secret token is wrong");
      }
      if (!this.#accepting) {
        // Starting or draining: Telegram retries, maybe on another replica.
        return reply.code(503).send({ ok: false, error: "not accepting updates" });
      }
      const update = request.body as Update | null;
      if (typeof update?.update_id !== "number") {
        return reply.code(400).send({ ok: false, error: "not an update" });
      }
      if (update.pre_checkout_query !== undefined) {
        void this.#d.run(update);
        return reply.code(200).send({ ok: true });
      }
      let mine: Update[];
      try {
        mine = await this.#d.inbox.store([update]);
      } catch (err) {
        this.#log.warn(
          { err: toError(err).message, update_id: update.update_id },
          "could not store the update; answered 503 so Telegram delivers it again",
        );
        return reply.code(503).send({ ok: false, error: "update not stored" });
      }
      for (const stored of mine) void this.#d.inbox.handle(stored, this.#d.run);
      return reply.code(200).send({ ok: true });
    });
  };

  #secretMatches(header: string | string[] | undefined): boolean {
    if (typeof header !== "string") return false;
    const given = Buffer.from(header);
    return given.length === this.#secret.length && timingSafeEqual(given, this.#secret);
  }

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
      this.#log.warn({ err: toError(err).message }, "could not register the webhook; will retry");
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
