import type { Config } from "../config.js";
import { DEFAULT_INBOX_OPTIONS, type InboxOptions } from "./inbox.js";

/**
 * The bot's tunables, with production defaults. The ones an operator may want to change come
 * from the environment (`botOptionsFrom`); tests shorten the rest.
 */
export interface BotOptions {
  /** `timeout` of each getUpdates long poll, seconds (Telegram caps it at 50). */
  pollTimeoutSeconds: number;
  /** How much longer than its long-poll timeout a getUpdates call may take before it is aborted. */
  getUpdatesGraceMs: number;
  /** Timeout of an ordinary Bot API call (sends, edits, answers). */
  requestTimeoutMs: number;
  /** Timeout of calls that upload files (sendPhoto, sendDocument). */
  uploadTimeoutMs: number;
  /** Timeout of answerPreCheckoutQuery; never retried (Telegram's deadline is 10 s). */
  preCheckoutAnswerTimeoutMs: number;
  /** Time the payments port gets to judge a pre-checkout query before the bot says "try again". */
  preCheckoutDecisionMs: number;
  /** Updates handled at once by the long-polling runner (most wait in their chat's queue). */
  concurrency: number;
  /**
   * Updates fetched beyond `concurrency` wait in a buffer of this size; only a full buffer
   * stops getUpdates, so pre-checkout queries keep arriving while handlers are busy.
   */
  maxBufferedUpdates: number;
  /** auto-retry: attempts after a 429 or 5xx, and the longest `retry_after` worth waiting for. */
  maxRetryAttempts: number;
  maxRetryDelaySeconds: number;
  /** Polling leader: how often the lock connection is checked, and how long the check may take. */
  leaderKeepAliveMs: number;
  leaderKeepAliveTimeoutMs: number;
  /** A standby replica retries the polling lock this often. */
  standbyRetryMs: number;
  /** Back-off after a 409 Conflict (another poller, or a webhook set elsewhere): first and max. */
  conflictBackoffMs: number;
  conflictBackoffMaxMs: number;
  /** Pause between getUpdates retries after network errors: first and max. */
  fetchRetryMs: number;
  fetchRetryMaxMs: number;
  /**
   * The shortest time between two getUpdates calls that returned nothing: a Bot API that
   * answers a long poll at once (a proxy, an emulator) is not hammered in a tight loop.
   */
  emptyPollMinIntervalMs: number;
  webhookMaxConnections: number;
  /**
   * An update handler running longer than this is hung (webhook mode's watchdog part). Every
   * call inside a handler is bounded, so only a real hang gets here — even a 429 storm with
   * bounded retries stays below it.
   */
  handlerStuckMs: number;
  /** The durable update inbox (src/bot/inbox.ts): claim lease, heartbeat, sweep, retention. */
  inbox: InboxOptions;
  /** Per-customer token bucket for expensive actions (flows, trial, payments screens). */
  rateLimitCapacity: number;
  rateLimitRefillPerSecond: number;
  /** How long an open question ("send the amount") waits for the customer's answer. */
  promptTtlMs: number;
  /** How long the buy screen remembers an entered promo code. */
  sessionTtlMs: number;
  /** markReachable is called at most this often per customer and process. */
  reachableThrottleMs: number;
  /** On stop, how long in-flight handlers get to finish. */
  stopDrainMs: number;
  /** Time zone for dates in messages. */
  timeZone: string;
}

export const DEFAULT_BOT_OPTIONS: BotOptions = {
  pollTimeoutSeconds: 30,
  getUpdatesGraceMs: 10_000,
  requestTimeoutMs: 10_000,
  uploadTimeoutMs: 30_000,
  // Decision plus answer stay below Telegram's 10 s.
  preCheckoutAnswerTimeoutMs: 3_000,
  preCheckoutDecisionMs: 6_000,
  concurrency: 100,
  maxBufferedUpdates: 1_000,
  maxRetryAttempts: 3,
  maxRetryDelaySeconds: 10,
  leaderKeepAliveMs: 5_000,
  leaderKeepAliveTimeoutMs: 2_000,
  standbyRetryMs: 5_000,
  conflictBackoffMs: 5_000,
  conflictBackoffMaxMs: 60_000,
  fetchRetryMs: 500,
  fetchRetryMaxMs: 15_000,
  emptyPollMinIntervalMs: 1_000,
  webhookMaxConnections: 40,
  handlerStuckMs: 300_000,
  inbox: DEFAULT_INBOX_OPTIONS,
  rateLimitCapacity: 6,
  rateLimitRefillPerSecond: 0.5,
  promptTtlMs: 15 * 60_000,
  sessionTtlMs: 60 * 60_000,
  reachableThrottleMs: 60_000,
  stopDrainMs: 5_000,
  timeZone: "UTC",
};

/** The options set by environment variables (BOT_API_TIMEOUT_MS, BOT_CONCURRENCY, …). */
export function botOptionsFrom(config: Config): Partial<BotOptions> {
  const { bot } = config;
  return {
    requestTimeoutMs: bot.apiTimeoutMs,
    concurrency: bot.concurrency,
    rateLimitCapacity: bot.rateLimitBurst,
    rateLimitRefillPerSecond: bot.rateLimitPerMinute / 60,
    timeZone: bot.timeZone,
    inbox: inboxOptionsFor(bot.inboxLeaseMs),
  };
}

/** The update types the bot asks Telegram for (getUpdates and setWebhook). */
export const ALLOWED_UPDATES = [
  "message",
  "callback_query",
  "pre_checkout_query",
  "my_chat_member",
] as const;

/** Inbox options for a lease: claims are renewed three times per lease, swept twice per lease. */
function inboxOptionsFor(leaseMs: number): InboxOptions {
  return {
    ...DEFAULT_INBOX_OPTIONS,
    leaseMs,
    heartbeatMs: Math.min(DEFAULT_INBOX_OPTIONS.heartbeatMs, Math.floor(leaseMs / 3)),
    sweepMs: Math.min(DEFAULT_INBOX_OPTIONS.sweepMs, Math.floor(leaseMs / 2)),
  };
}
