import type { ChatStore } from "./chats.js";
import type { FileStore } from "./files.js";
import type { LongPoller } from "./long-poll.js";
import type { BotParams } from "./params.js";
import type { QueryBook } from "./queries.js";
import type { TgUser } from "./types.js";
import type { UpdateQueue } from "./updates.js";
import type { WebhookDeliverer } from "./webhook.js";

/** The state one Telegram stand-in works on, shared by its method handlers. */
export interface TelegramContext {
  bot: TgUser;
  chats: ChatStore;
  files: FileStore;
  queue: UpdateQueue;
  poller: LongPoller;
  webhook: WebhookDeliverer;
  queries: QueryBook;
  /** setMyCommands lists by scope and language. */
  commands: Map<string, unknown[]>;
}

export type BotMethod = (params: BotParams, signal: AbortSignal) => unknown;

/** Handlers by lower-cased method name: Telegram matches method names case-insensitively. */
export type MethodTable = Record<string, BotMethod>;
