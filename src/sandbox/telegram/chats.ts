import { Notifier } from "../wait.js";
import { botBlocked, chatNotFound } from "./errors.js";
import type { InvoiceData, MessageEntity, ReplyMarkup, TgUser } from "./types.js";

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size: number;
}

export interface DocumentInfo {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size: number;
}

/** Content of a bot message, as sent (`text`, `caption`) and as Telegram parsed it (`plain`). */
export interface MessageContent {
  text: string | null;
  caption: string | null;
  parse_mode: string | null;
  reply_markup: ReplyMarkup | null;
  plain: string | null;
  entities: MessageEntity[];
  photo: PhotoSize | null;
  document: DocumentInfo | null;
  invoice: InvoiceData | null;
}

export interface BotMessage extends MessageContent {
  seq: number;
  message_id: number;
  date: number;
  edit_date: number | null;
  deleted: boolean;
}

export interface Chat {
  user: TgUser;
  blocked: boolean;
  /** Identifies the chat in callback queries, as Telegram's `chat_instance` does. */
  instance: string;
  lastMessageId: number;
  messages: BotMessage[];
  byId: Map<number, BotMessage>;
}

/** The chats as the state file keeps them. */
export interface ChatStoreState {
  seq: number;
  chats: Array<Omit<Chat, "byId">>;
}

/** One bot message as the control plane shows it (contracts/sandbox.md). */
export interface ChatMessageView {
  seq: number;
  message_id: number;
  date: number;
  text: string | null;
  caption: string | null;
  parse_mode: string | null;
  reply_markup: ReplyMarkup | null;
  photo: { file_id: string } | null;
  document: { file_id: string; file_name: string | null } | null;
  invoice: InvoiceData | null;
  edited: boolean;
  deleted: boolean;
}

/**
 * Private chats between the bot and sandbox customers, with every bot message's current state.
 * `seq` is one counter over all chats that moves on every send, edit and deletion, so a reader
 * can ask for "anything newer than what I saw".
 */
export class ChatStore {
  private readonly chats = new Map<number, Chat>();
  private seq = 0;
  private readonly changed = new Notifier();

  constructor(
    private readonly maxMessagesPerChat: number,
    private readonly now: () => number = Date.now,
  ) {}

  saveState(): ChatStoreState {
    return {
      seq: this.seq,
      chats: [...this.chats.values()].map(({ byId: _byId, ...chat }) => chat),
    };
  }

  restoreState(state: ChatStoreState): void {
    this.seq = state.seq;
    this.chats.clear();
    for (const saved of state.chats) {
      const chat: Chat = { ...saved, byId: new Map(saved.messages.map((m) => [m.message_id, m])) };
      this.chats.set(chat.user.id, chat);
    }
  }

  unixTime(): number {
    return Math.floor(this.now() / 1000);
  }

  /** The customer's chat, created on first contact; a newer profile replaces the old one. */
  open(user: TgUser): Chat {
    const existing = this.chats.get(user.id);
    if (existing) {
      existing.user = user;
      return existing;
    }
    const chat: Chat = {
      user,
      blocked: false,
      instance: String(BigInt(user.id) * 7919n + 1000000007n),
      lastMessageId: 0,
      messages: [],
      byId: new Map(),
    };
    this.chats.set(user.id, chat);
    return chat;
  }

  find(chatId: number): Chat | undefined {
    return this.chats.get(chatId);
  }

  /** A chat the bot may read; Telegram knows no chat the customer never opened. */
  require(chatId: number): Chat {
    const chat = this.chats.get(chatId);
    if (!chat) throw chatNotFound();
    return chat;
  }

  /** A chat the bot may write to. */
  requireWritable(chatId: number): Chat {
    const chat = this.require(chatId);
    if (chat.blocked) throw botBlocked();
    return chat;
  }

  /** Message ids in a private chat are shared by both sides, as in Telegram. */
  nextMessageId(chat: Chat): number {
    chat.lastMessageId += 1;
    return chat.lastMessageId;
  }

  addBotMessage(chat: Chat, content: MessageContent): BotMessage {
    const message: BotMessage = {
      ...content,
      seq: ++this.seq,
      message_id: this.nextMessageId(chat),
      date: this.unixTime(),
      edit_date: null,
      deleted: false,
    };
    chat.messages.push(message);
    chat.byId.set(message.message_id, message);
    while (chat.messages.length > this.maxMessagesPerChat) {
      const dropped = chat.messages.shift();
      if (dropped) chat.byId.delete(dropped.message_id);
    }
    this.changed.notify();
    return message;
  }

  liveMessage(chat: Chat, messageId: number): BotMessage | undefined {
    const message = chat.byId.get(messageId);
    return message && !message.deleted ? message : undefined;
  }

  edit(message: BotMessage, changes: Partial<MessageContent>): BotMessage {
    Object.assign(message, changes);
    message.seq = ++this.seq;
    message.edit_date = this.unixTime();
    this.changed.notify();
    return message;
  }

  delete(message: BotMessage): void {
    message.deleted = true;
    message.seq = ++this.seq;
    this.changed.notify();
  }

  setBlocked(chat: Chat, blocked: boolean): void {
    chat.blocked = blocked;
  }

  /** Messages with `seq > after`, in send order. */
  view(chatId: number, after = 0): ChatMessageView[] {
    const chat = this.chats.get(chatId);
    if (!chat) return [];
    return chat.messages.filter((m) => m.seq > after).map(toView);
  }

  /** Like `view`, but waits up to `waitMs` for at least one message newer than `after`. */
  async waitForView(
    chatId: number,
    after: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<ChatMessageView[]> {
    const found = await this.changed.waitFor(
      () => {
        const messages = this.view(chatId, after);
        return messages.length > 0 ? messages : undefined;
      },
      waitMs,
      signal,
    );
    return found ?? [];
  }
}

function toView(m: BotMessage): ChatMessageView {
  return {
    seq: m.seq,
    message_id: m.message_id,
    date: m.date,
    text: m.text,
    caption: m.caption,
    parse_mode: m.parse_mode,
    reply_markup: m.reply_markup,
    photo: m.photo ? { file_id: m.photo.file_id } : null,
    document: m.document
      ? { file_id: m.document.file_id, file_name: m.document.file_name ?? null }
      : null,
    invoice: m.invoice,
    edited: m.edit_date !== null,
    deleted: m.deleted,
  };
}
