import { Notifier } from "../wait.js";
import { type Update, type UpdateBody, updateType } from "./types.js";

/** Update types Telegram leaves out when `allowed_updates` was never set (or set to []). */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** The queue as the state file keeps it. */
export interface UpdateQueueState {
  nextId: number;
  pending: Update[];
  allowed: string[];
}

/**
 * Updates waiting for the bot, in order. They stay until confirmed (getUpdates with a higher
 * offset) or delivered to the webhook, as on Telegram.
 */
export class UpdateQueue {
  private pending: Update[] = [];
  private nextId = 1;
  private allowed: string[] = [];
  readonly changed = new Notifier();

  push(body: UpdateBody): number {
    const update: Update = { update_id: this.nextId++, ...body };
    this.pending.push(update);
    this.changed.notify();
    return update.update_id;
  }

  /** Forgets what the bot confirmed: ids below a positive offset, or all but the last -offset. */
  confirm(offset: number): void {
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
  }

  /** Persists like Telegram's: the list given to getUpdates or setWebhook stays in force. */
  setAllowed(types: string[] | undefined): void {
    if (types !== undefined) this.allowed = types;
  }

  /** Up to `limit` deliverable updates; updates of types the bot did not ask for are dropped. */
  peek(limit: number): Update[] {
    this.pending = this.pending.filter((u) => this.isAllowed(updateType(u)));
    return this.pending.slice(0, limit);
  }

  remove(updateId: number): void {
    this.pending = this.pending.filter((u) => u.update_id !== updateId);
  }

  clear(): void {
    this.pending = [];
  }

  saveState(): UpdateQueueState {
    return { nextId: this.nextId, pending: this.pending, allowed: this.allowed };
  }

  /** Pending updates are delivered again, and new ones continue the id sequence. */
  restoreState(state: UpdateQueueState): void {
    this.nextId = state.nextId;
    this.pending = state.pending;
    this.allowed = state.allowed;
    this.changed.notify();
  }

  get size(): number {
    return this.pending.length;
  }

  get allowedUpdates(): string[] {
    return this.allowed;
  }

  private isAllowed(type: string): boolean {
    return this.allowed.length === 0 ? !OPT_IN_TYPES.has(type) : this.allowed.includes(type);
  }
}
