import { performance } from "node:perf_hooks";
import type { MiddlewareFn } from "grammy";
import type { Logger } from "pino";
import { toError } from "../../util/errors.js";
import type { BotContext } from "../context.js";
import type { UsersPort } from "../services.js";

/**
 * Reachable/unreachable marks (SPEC: a 403 marks the customer unreachable; any later update
 * marks them reachable). `markReachable` is throttled per customer, because it runs on every
 * update; marking someone unreachable resets the throttle, so their next update is never lost.
 */
export class Reachability {
  readonly #lastMarked = new Map<number, number>();
  /** When this process last marked each customer unreachable (`performance.now()`). */
  readonly #unreachableAt = new Map<number, number>();

  constructor(
    private readonly users: UsersPort,
    private readonly throttleMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async reachable(telegramId: number, opts: { force?: boolean } = {}): Promise<void> {
    const now = this.now();
    const last = this.#lastMarked.get(telegramId);
    if (!opts.force && last !== undefined && now - last < this.throttleMs) return;
    this.#lastMarked.set(telegramId, now);
    this.#forgetOld(now);
    try {
      await this.users.markReachable(telegramId);
    } catch (err) {
      // Not marked: the next update tries again.
      this.#lastMarked.delete(telegramId);
      throw err;
    }
  }

  /**
   * With the customer's row as read at `readAt` (`performance.now()`): writes only when the
   * mark changes it (`due`), unless this process marked them unreachable since.
   */
  async reachableKnown(telegramId: number, due: boolean, readAt: number): Promise<void> {
    const marked = this.#unreachableAt.get(telegramId);
    if (marked !== undefined && marked >= readAt)
      return this.reachable(telegramId, { force: true });
    if (due) await this.reachable(telegramId, { force: true });
  }

  async unreachable(telegramId: number): Promise<void> {
    this.#lastMarked.delete(telegramId);
    this.#unreachableAt.set(telegramId, performance.now());
    if (this.#unreachableAt.size > 10_000) {
      const oldest = this.#unreachableAt.keys().next().value;
      if (oldest !== undefined) this.#unreachableAt.delete(oldest);
    }
    await this.users.markUnreachable(telegramId);
    this.logger.info({ user_id: telegramId }, "customer is unreachable (blocked the bot)");
  }

  #forgetOld(now: number): void {
    if (this.#lastMarked.size < 10_000) return;
    for (const [id, at] of this.#lastMarked) {
      if (now - at >= this.throttleMs) this.#lastMarked.delete(id);
    }
  }
}

/**
 * Any update from a customer marks them reachable — except the one saying they blocked us. When
 * the inbox read their row with the update, only a mark that changes it is written (none for a
 * customer with no row yet: /start creates it reachable).
 */
export function markReachable(reachability: Reachability): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    const skip =
      !from ||
      from.is_bot ||
      ctx.myChatMember !== undefined ||
      // Answered within Telegram's 10 s: nothing before it that need not be.
      ctx.preCheckoutQuery !== undefined;
    if (!skip) {
      const state = ctx.senderState;
      const known = state?.customer;
      try {
        if (!state || !known) await reachability.reachable(from.id);
        else if (known.known) {
          await reachability.reachableKnown(from.id, known.reachableDue, state.readAt);
        }
      } catch (err) {
        ctx.logger.warn({ err: toError(err).message }, "could not mark the customer reachable");
      }
    }
    await next();
  };
}
