import { performance } from "node:perf_hooks";
import { autoRetry } from "@grammyjs/auto-retry";
import type { Api, Transformer } from "grammy";
import type { Logger } from "pino";
import type { DbScope } from "../db/scope.js";
import type { Metrics } from "../ops/metrics.js";
import { toError } from "../util/errors.js";
import type { BotOptions } from "./options.js";

/** A Bot API call that ran past its per-method budget and was aborted. */
class TelegramTimeoutError extends Error {
  override name = "TelegramTimeoutError";
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
    override readonly cause?: unknown,
  ) {
    super(`Telegram ${method} did not answer within ${timeoutMs} ms`);
  }
}

export interface ApiGuardDeps {
  scope: DbScope;
  metrics: Metrics;
  logger: Logger;
  options: BotOptions;
  /** Telegram answered 403 for a private chat: the customer blocked the bot (or is gone). */
  onUnreachable(telegramId: number, method: string): Promise<void>;
}

/**
 * Never retried: the runner's own loop handles getUpdates; a pre-checkout answer is due in 10 s;
 * the Stars backstop reads its transactions again at its next iteration (a worker must not sit
 * out a 429 storm inside one iteration).
 */
const NOT_RETRIED = new Set(["getUpdates", "answerPreCheckoutQuery", "getStarTransactions"]);
const UPLOADS = new Set([
  "sendPhoto",
  "sendDocument",
  "sendVideo",
  "sendAudio",
  "sendAnimation",
  "sendVoice",
  "sendMediaGroup",
  "editMessageMedia",
]);

/**
 * Installs the transformers every `bot.api` and `ctx.api` call passes (grammY copies them to
 * each update's Api). Outermost first:
 *   1. guard   — R2 check before anything (counted, then thrown or logged by the scope), and on
 *                403 for a private chat marks the customer unreachable;
 *   2. retry   — @grammyjs/auto-retry, bounded (attempts and `retry_after`); network errors are
 *                not retried here (the caller decides; auto-retry would retry them forever);
 *   3. measure — per attempt: `telegram_api_request_duration_seconds{method,outcome}` and the
 *                per-method timeout, enforced through the `signal` grammY passes to fetch.
 */
export function installApiGuard(api: Api, deps: ApiGuardDeps): void {
  api.config.use(measure(deps), boundedRetry(deps.options), guard(deps));
}

function guard(deps: ApiGuardDeps): Transformer {
  return async (prev, method, payload, signal) => {
    deps.scope.assertNoDbScope(`telegram.${method}`);
    const res = await prev(method, payload, signal);
    if (!res.ok && res.error_code === 403) {
      const chatId = privateChatId(payload);
      if (chatId !== undefined) {
        try {
          await deps.onUnreachable(chatId, method);
        } catch (err) {
          deps.logger.warn(
            { user_id: chatId, method, err: toError(err).message },
            "could not mark the customer unreachable",
          );
        }
      }
    }
    return res;
  };
}

function boundedRetry(options: BotOptions): Transformer {
  const retry = autoRetry({
    maxRetryAttempts: options.maxRetryAttempts,
    maxDelaySeconds: options.maxRetryDelaySeconds,
    rethrowHttpErrors: true,
  });
  return (prev, method, payload, signal) =>
    NOT_RETRIED.has(method) ? prev(method, payload, signal) : retry(prev, method, payload, signal);
}

/** The budget of one attempt of `method`. */
export function timeoutFor(method: string, payload: unknown, options: BotOptions): number {
  if (method === "getUpdates") {
    const seconds = Number((payload as { timeout?: unknown } | undefined)?.timeout ?? 0);
    return (Number.isFinite(seconds) ? seconds : 0) * 1000 + options.getUpdatesGraceMs;
  }
  if (method === "answerPreCheckoutQuery") return options.preCheckoutAnswerTimeoutMs;
  if (UPLOADS.has(method)) return options.uploadTimeoutMs;
  return options.requestTimeoutMs;
}

function measure(deps: ApiGuardDeps): Transformer {
  const histogram = deps.metrics.telegramRequest;
  return async (prev, method, payload, shimSignal) => {
    // grammY types the signal with its fetch shim's AbortSignal; at run time it is Node's.
    const signal = shimSignal as unknown as AbortSignal | undefined;
    const timeoutMs = timeoutFor(method, payload, deps.options);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const started = performance.now();
    let outcome = "network";
    try {
      const res = await prev(method, payload, controller.signal as unknown as typeof shimSignal);
      outcome = res.ok ? "ok" : errorOutcome(res.error_code);
      return res;
    } catch (err) {
      if (timedOut) {
        outcome = "timeout";
        throw new TelegramTimeoutError(method, timeoutMs, err);
      }
      if (signal?.aborted) outcome = "aborted";
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      histogram.observe({ method, outcome }, (performance.now() - started) / 1000);
    }
  };
}

function errorOutcome(code: number): string {
  if (code >= 500) return "error_5xx";
  if ([400, 401, 403, 404, 409, 429].includes(code)) return `error_${code}`;
  return "error";
}

/** The chat id of a call addressed to a private chat (positive ids are users). */
function privateChatId(payload: unknown): number | undefined {
  const raw = (payload as { chat_id?: unknown } | undefined)?.chat_id;
  const id = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
