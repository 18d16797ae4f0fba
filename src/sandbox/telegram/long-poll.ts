import { type BotApiError, conflict } from "./errors.js";
import type { Update } from "./types.js";
import type { UpdateQueue } from "./updates.js";

export interface GetUpdatesArgs {
  offset: number;
  limit: number;
  timeoutSeconds: number;
  allowedUpdates: string[] | undefined;
}

/**
 * getUpdates with Telegram's semantics: waits up to `timeout` for updates, answers as soon as
 * one arrives, and a newer call ends the older pending one with 409 Conflict.
 */
export class LongPoller {
  private pending: { end(error: BotApiError): void } | null = null;

  constructor(
    private readonly queue: UpdateQueue,
    private readonly webhookActive: () => boolean,
  ) {}

  async getUpdates(args: GetUpdatesArgs, signal: AbortSignal): Promise<Update[]> {
    if (this.webhookActive()) {
      throw conflict(
        "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    this.endPending(
      conflict(
        "terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    );
    this.queue.confirm(args.offset);
    this.queue.setAllowed(args.allowedUpdates);
    const ready = this.queue.peek(args.limit);
    if (ready.length > 0 || args.timeoutSeconds <= 0) return ready;

    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    let endedBy: BotApiError | null = null;
    const self = {
      end(error: BotApiError) {
        endedBy = error;
        stop.abort();
      },
    };
    this.pending = self;
    try {
      const updates = await this.queue.changed.waitFor(
        () => {
          const found = this.queue.peek(args.limit);
          return found.length > 0 ? found : undefined;
        },
        args.timeoutSeconds * 1000,
        stop.signal,
      );
      if (endedBy) throw endedBy;
      return updates ?? [];
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (this.pending === self) this.pending = null;
    }
  }

  /** Ends a waiting getUpdates call, e.g. when a webhook is set. */
  endPending(error: BotApiError): void {
    const pending = this.pending;
    this.pending = null;
    pending?.end(error);
  }
}
