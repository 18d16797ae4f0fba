import { STATUS_CODES } from "node:http";
import type { Logger } from "pino";
import { request } from "undici";
import { toError } from "../../util/errors.js";
import { sleep } from "../wait.js";
import type { Update } from "./types.js";
import type { UpdateQueue } from "./updates.js";

export interface WebhookConfig {
  url: string;
  secretToken: string | null;
  maxConnections: number;
}

export interface WebhookDelivererDeps {
  queue: UpdateQueue;
  logger: Logger;
  /** Pauses between attempts; one more attempt than pauses, then the update is dropped. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  /** Runs a Bot API call the bot returned in the webhook response body (a "webhook reply"). */
  runReplyMethod(method: string, params: Record<string, unknown>): Promise<void>;
  /** An update left the queue (delivered, or dropped after the last attempt). */
  onSettled?: () => void;
  now?: () => number;
}

/**
 * Pushes queued updates to the bot's webhook like Telegram: JSON POST with the secret header,
 * up to `max_connections` in parallel but one at a time per chat (so a customer's updates keep
 * their order), a few retries on failure, then the update is dropped and the error reported
 * by getWebhookInfo.
 */
export class WebhookDeliverer {
  private config: WebhookConfig | null = null;
  private readonly inFlight = new Map<number, AbortController>();
  private readonly busyChats = new Set<number>();
  private lastError: { date: number; message: string } | null = null;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly now: () => number;

  constructor(private readonly deps: WebhookDelivererDeps) {
    this.now = deps.now ?? Date.now;
    this.unsubscribe = deps.queue.changed.subscribe(() => this.pump());
  }

  get active(): boolean {
    return this.config !== null;
  }

  /** The webhook the bot set, if any (kept across a sandbox restart, as Telegram keeps it). */
  get current(): WebhookConfig | null {
    return this.config;
  }

  set(config: WebhookConfig): void {
    this.config = config;
    this.lastError = null;
    this.pump();
  }

  remove(): void {
    this.config = null;
  }

  info(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      url: this.config?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.deps.queue.size,
    };
    if (this.config) {
      info.max_connections = this.config.maxConnections;
      if (this.deps.queue.allowedUpdates.length > 0) {
        info.allowed_updates = this.deps.queue.allowedUpdates;
      }
    }
    if (this.lastError) {
      info.last_error_date = this.lastError.date;
      info.last_error_message = this.lastError.message;
    }
    return info;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const controller of this.inFlight.values()) controller.abort();
  }

  private pump(): void {
    const config = this.config;
    if (!config || this.closed) return;
    for (const update of this.deps.queue.peek(Number.MAX_SAFE_INTEGER)) {
      if (this.inFlight.size >= config.maxConnections) return;
      if (this.inFlight.has(update.update_id)) continue;
      const chat = chatOf(update);
      if (chat !== null && this.busyChats.has(chat)) continue;
      const controller = new AbortController();
      this.inFlight.set(update.update_id, controller);
      if (chat !== null) this.busyChats.add(chat);
      void this.deliver(config, update, controller.signal).finally(() => {
        this.inFlight.delete(update.update_id);
        if (chat !== null) this.busyChats.delete(chat);
        this.pump();
      });
    }
  }

  private async deliver(config: WebhookConfig, update: Update, signal: AbortSignal): Promise<void> {
    const attempts = this.deps.retryDelaysMs.length + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // A webhook removed or replaced meanwhile: leave the update for whoever reads next.
      if (signal.aborted || this.config !== config) return;
      const error = await this.post(config, update, signal);
      if (error === null) {
        this.deps.queue.remove(update.update_id);
        this.deps.onSettled?.();
        return;
      }
      if (signal.aborted) return;
      this.lastError = { date: Math.floor(this.now() / 1000), message: error };
      const pause = this.deps.retryDelaysMs[attempt];
      if (pause !== undefined) await sleep(pause, signal);
    }
    this.deps.logger.warn(
      { update_id: update.update_id, error: this.lastError?.message },
      "webhook delivery failed; update dropped",
    );
    this.deps.queue.remove(update.update_id);
    this.deps.onSettled?.();
  }

  /** Returns null on success, else Telegram's wording of what went wrong. */
  private async post(
    config: WebhookConfig,
    update: Update,
    signal: AbortSignal,
  ): Promise<string | null> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.secretToken) headers["x-telegram-bot-api-secret-token"] = config.secretToken;
    try {
      const res = await request(config.url, {
        method: "POST",
        headers,
        body: JSON.stringify(update),
        signal,
        headersTimeout: this.deps.timeoutMs,
        bodyTimeout: this.deps.timeoutMs,
      });
      const body = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) {
        return `Wrong response from the webhook: ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ""}`.trim();
      }
      await this.runWebhookReply(body);
      return null;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ECONNREFUSED") return "Connection refused";
      if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
        return "Read timeout expired";
      }
      return `Connection failed: ${toError(err).message}`;
    }
  }

  private async runWebhookReply(body: string): Promise<void> {
    if (!body.trim().startsWith("{")) return;
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const { method, ...params } = parsed;
      if (typeof method === "string") await this.deps.runReplyMethod(method, params);
    } catch (err) {
      // Telegram ignores a malformed webhook reply, and so does the sandbox.
      this.deps.logger.debug({ err }, "webhook reply ignored");
    }
  }
}

function chatOf(update: Update): number | null {
  for (const [key, value] of Object.entries(update)) {
    if (key === "update_id" || typeof value !== "object" || value === null) continue;
    const v = value as { chat?: { id?: unknown }; from?: { id?: unknown } };
    const id = v.chat?.id ?? v.from?.id;
    if (typeof id === "number") return id;
  }
  return null;
}
