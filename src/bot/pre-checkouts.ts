import { performance } from "node:perf_hooks";
import { type Api, type Bot, GrammyError } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "pino";
import { abortableDelay } from "../util/delay.js";
import { toError } from "../util/errors.js";
import type { BotContext } from "./context.js";
import type { RunUpdate } from "./inbox.js";
import { ALLOWED_UPDATES, type BotOptions } from "./options.js";

/** grammY types signals with its fetch shim's AbortSignal; at run time it is Node's. */
export type ShimSignal = Parameters<Api["getUpdates"]>[1];

/** How many answered query ids are remembered (a batch fetched again must not answer twice). */
const REMEMBERED = 1_000;

/**
 * Pre-checkout queries are handled right away, outside the runner's queue and the inbox: they
 * carry no chat, are due within 10 s, must not wait for free handler slots, and are answered
 * even while the database is down (with a refusal). Each query is run once.
 */
export class PreCheckoutDispatch {
  readonly #answered = new Set<string>();

  constructor(private readonly run: RunUpdate) {}

  /** Runs each pre-checkout query not seen before (not awaited); returns the other updates. */
  take(updates: Update[]): Update[] {
    if (!updates.some((u) => u.pre_checkout_query !== undefined)) return updates;
    const rest: Update[] = [];
    for (const update of updates) {
      const query = update.pre_checkout_query;
      if (query === undefined) {
        rest.push(update);
        continue;
      }
      if (this.#answered.has(query.id)) continue;
      this.#answered.add(query.id);
      if (this.#answered.size > REMEMBERED) {
        const oldest = this.#answered.values().next().value;
        if (oldest !== undefined) this.#answered.delete(oldest);
      }
      void this.run(update);
    }
    return rest;
  }
}

export interface OutagePollDeps {
  bot: Pick<Bot<BotContext>, "api" | "init">;
  options: BotOptions;
  logger: Logger;
  preCheckouts: PreCheckoutDispatch;
  /** Ends the polling at once (shutdown). */
  signal: AbortSignal;
  /** The offset the leader had reached; never moved here. */
  offset: number;
  /** Counts each getUpdates call. */
  onPoll(): void;
}

/**
 * While the database cannot be reached (the polling lock cannot even be asked for), Stars and
 * card payments would expire unanswered: Telegram gives a pre-checkout query 10 s. So the
 * replica that was the leader when the lock was lost polls, for `durationMs`, every
 * `emptyPollMinIntervalMs` with short long polls and hands each new pre-checkout query to the
 * bot, which refuses what it cannot check ("try again in a minute", in Telegram's language of the
 * customer). The offset never moves: every other update stays with Telegram until a leader has
 * stored it. Only the 100 oldest pending updates are seen, so a pre-checkout behind a longer
 * backlog waits for the database like everything else. Resolves `another_poller` when a 409
 * shows that someone else polls (a leader that reaches the database, or a webhook): this replica
 * then leaves it the rest of the time.
 */
export async function pollPreCheckoutsOnly(
  deps: OutagePollDeps,
  durationMs: number,
): Promise<"ended" | "another_poller"> {
  const { options: o, logger: log, signal } = deps;
  const until = performance.now() + durationMs;
  try {
    await deps.bot.init();
  } catch (err) {
    log.warn({ err: toError(err).message }, "getMe failed; not polling during the outage");
    await abortableDelay(durationMs, signal);
    return "ended";
  }
  log.warn(
    { offset: deps.offset },
    "database unreachable: polling for pre-checkout queries only, acknowledging nothing",
  );
  while (!signal.aborted) {
    const startedAt = performance.now();
    const left = until - startedAt;
    if (left <= 0) break;
    deps.onPoll();
    try {
      const updates = await deps.bot.api.getUpdates(
        {
          offset: deps.offset,
          limit: 100,
          timeout: Math.min(1, Math.floor(left / 1000)),
          allowed_updates: [...ALLOWED_UPDATES],
        },
        signal as unknown as ShimSignal,
      );
      deps.preCheckouts.take(updates);
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof GrammyError && err.error_code === 409) {
        log.info({ err: err.message }, "another poller is active: outage polling ends");
        await abortableDelay(until - performance.now(), signal);
        return "another_poller";
      }
      log.debug({ err: toError(err).message }, "outage getUpdates failed");
    }
    const rest = Math.min(
      o.emptyPollMinIntervalMs - (performance.now() - startedAt),
      until - performance.now(),
    );
    if (rest > 0) await abortableDelay(rest, signal);
  }
  return "ended";
}
