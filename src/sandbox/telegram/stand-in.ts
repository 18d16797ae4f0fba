import type { Logger } from "pino";
import { MalformedBodyError, parseParams } from "../http/body.js";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";
import { ChatStore, type ChatStoreState } from "./chats.js";
import type { MethodTable, TelegramContext } from "./context.js";
import { Customers } from "./customers.js";
import {
  BotApiError,
  badRequest,
  methodNotFound,
  tooManyRequests,
  unauthorized,
} from "./errors.js";
import { FileStore, type SavedFile } from "./files.js";
import { LongPoller } from "./long-poll.js";
import { botMethods } from "./methods/bot.js";
import { messageMethods } from "./methods/messages.js";
import { paymentMethods } from "./methods/payments.js";
import { updateMethods } from "./methods/updates.js";
import { BotParams } from "./params.js";
import { QueryBook, type QueryBookState } from "./queries.js";
import type { TgUser } from "./types.js";
import { UpdateQueue, type UpdateQueueState } from "./updates.js";
import { type WebhookConfig, WebhookDeliverer } from "./webhook.js";

export interface TelegramStandInOptions {
  botToken: string;
  logger: Logger;
  botUsername?: string;
  webhookRetryDelaysMs?: readonly number[];
  webhookTimeoutMs?: number;
  maxFiles?: number;
  maxMessagesPerChat?: number;
  /** State changed outside a request (a webhook delivery settled): the state file saves it. */
  onStateChange?: () => void;
}

/** Uploaded files kept across a restart: the newest ones (the key QR codes customers see). */
const SAVED_FILES = 1_000;

/** What the Telegram stand-in keeps across a restart. */
export interface TelegramState {
  chats: ChatStoreState;
  files: SavedFile[];
  updates: UpdateQueueState;
  queries: QueryBookState;
  commands: Array<[string, unknown[]]>;
  webhook: WebhookConfig | null;
}

const PATH = /^\/bot([^/]+)\/([^/?]*)$/;

/** The Telegram Bot API stand-in: `/bot<token>/<method>`. */
export class TelegramStandIn implements StandIn {
  readonly target = "telegram";
  readonly ctx: TelegramContext;
  readonly customers: Customers;
  private readonly methods: MethodTable;

  constructor(private readonly opts: TelegramStandInOptions) {
    const bot: TgUser = {
      id: botIdOf(opts.botToken),
      is_bot: true,
      first_name: "Sandbox VPN Bot",
      username: opts.botUsername ?? "sandbox_vpn_bot",
    };
    const queue = new UpdateQueue();
    const webhook = new WebhookDeliverer({
      queue,
      logger: opts.logger,
      retryDelaysMs: opts.webhookRetryDelaysMs ?? [200, 500, 1000],
      timeoutMs: opts.webhookTimeoutMs ?? 30_000,
      runReplyMethod: async (method, params) => {
        await this.call(method, new BotParams(params), AbortSignal.timeout(30_000));
      },
      ...(opts.onStateChange ? { onSettled: opts.onStateChange } : {}),
    });
    this.ctx = {
      bot,
      chats: new ChatStore(opts.maxMessagesPerChat ?? 5000),
      files: new FileStore(opts.maxFiles ?? 10_000),
      queue,
      poller: new LongPoller(queue, () => webhook.active),
      webhook,
      queries: new QueryBook(10_000),
      commands: new Map(),
    };
    this.methods = {
      ...botMethods(this.ctx),
      ...updateMethods(this.ctx),
      ...messageMethods(this.ctx),
      ...paymentMethods(this.ctx),
    };
    this.customers = new Customers(this.ctx);
  }

  /** Chats, files, pending updates and the id sequence, queries, charges, commands, webhook. */
  saveState(): TelegramState {
    return {
      chats: this.ctx.chats.saveState(),
      files: this.ctx.files.saveState(SAVED_FILES),
      updates: this.ctx.queue.saveState(),
      queries: this.ctx.queries.saveState(),
      commands: [...this.ctx.commands],
      webhook: this.ctx.webhook.current,
    };
  }

  restoreState(state: TelegramState): void {
    this.ctx.chats.restoreState(state.chats);
    this.ctx.files.restoreState(state.files);
    this.ctx.queries.restoreState(state.queries);
    this.ctx.commands.clear();
    for (const [key, list] of state.commands) this.ctx.commands.set(key, list);
    this.ctx.queue.restoreState(state.updates);
    if (state.webhook) this.ctx.webhook.set(state.webhook);
  }

  methodOf(path: string): string {
    return PATH.exec(path)?.[2] ?? "";
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    const match = PATH.exec(req.path);
    let request: unknown = null;
    try {
      if (!match || match[1] !== this.opts.botToken) throw unauthorized();
      let params: BotParams;
      try {
        const parsed = parseParams(req.headers["content-type"], req.body, req.query);
        params = new BotParams(parsed.fields, parsed.files);
        request = describeParams(parsed.fields, parsed.files);
      } catch (err) {
        if (err instanceof MalformedBodyError) throw badRequest(err.message);
        throw err;
      }
      const result = await this.call(match[2] ?? "", params, req.signal);
      return { reply: { status: 200, json: { ok: true, result } }, request };
    } catch (err) {
      if (err instanceof BotApiError) return { reply: { status: err.code, json: err }, request };
      throw err;
    }
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    const error =
      kind === "rate_limit"
        ? tooManyRequests(retryAfter)
        : new BotApiError(status, status >= 500 ? "Internal Server Error" : `Error ${status}`);
    return {
      status: error.code,
      json: error,
      ...(kind === "rate_limit" ? { headers: { "retry-after": String(retryAfter) } } : {}),
    };
  }

  close(): void {
    this.ctx.webhook.close();
  }

  private async call(method: string, params: BotParams, signal: AbortSignal): Promise<unknown> {
    const handler = this.methods[method.toLowerCase()];
    if (!handler) throw methodNotFound();
    return handler(params, signal);
  }
}

/** A bot's id is the numeric part of its token before the colon. */
function botIdOf(token: string): number {
  const id = Number(token.split(":")[0]);
  return Number.isSafeInteger(id) && id > 0 ? id : 1000000;
}

/** Parameters that carry JSON; multipart and urlencoded calls send them as text. */
const JSON_FIELDS = new Set([
  "reply_markup",
  "prices",
  "entities",
  "caption_entities",
  "allowed_updates",
  "commands",
  "scope",
  "link_preview_options",
  "reply_parameters",
]);

/** The call as recorded in the call log: JSON fields parsed, uploads summarised. */
function describeParams(
  fields: Record<string, unknown>,
  files: ReadonlyMap<string, { filename: string | null; data: Buffer }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === "string" && JSON_FIELDS.has(key)) {
      try {
        out[key] = JSON.parse(value);
      } catch {
        // Left as text: the method itself reports the parse error.
      }
    } else if (typeof value === "string" && value.startsWith("attach://")) {
      const file = files.get(value.slice("attach://".length));
      if (file) out[key] = { upload: file.filename, size: file.data.length };
    }
  }
  return out;
}
