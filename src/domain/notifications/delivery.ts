/**
 * What a failed Telegram send means for the message:
 *   - `rate_limited`: Telegram refused it (429) and named when to try again;
 *   - `blocked`: the customer blocked the bot (403): never retried;
 *   - `rejected`: Telegram refused it for good (another 4xx, e.g. a chat that does not exist);
 *   - `not_delivered`: nothing arrived — Telegram answered 5xx, or the connection was refused,
 *     reset or never made (DNS, unreachable network): safe to send again;
 *   - `unknown`: the request may have reached Telegram and no answer came (a timeout, an abort):
 *     sending again could deliver it twice, so it is never repeated.
 */
export type DeliveryFailure =
  | { kind: "rate_limited"; retryAfterSeconds: number }
  | { kind: "blocked" }
  | { kind: "rejected"; code: number }
  | { kind: "not_delivered" }
  | { kind: "unknown" };

/** Socket errors that prove the request never reached Telegram's application. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Telegram's answer, when it gave one (grammY's GrammyError carries it). */
function telegramAnswer(err: unknown): { code: number; retryAfter?: number } | undefined {
  const e = err as { error_code?: unknown; parameters?: { retry_after?: unknown } } | undefined;
  if (typeof e?.error_code !== "number") return undefined;
  const retryAfter = e.parameters?.retry_after;
  return {
    code: e.error_code,
    ...(typeof retryAfter === "number" ? { retryAfter } : {}),
  };
}

/** The socket error code somewhere in the chain (grammY's HttpError wraps fetch's error). */
function socketCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT_CODES.has(code)) return code;
    const e = current as { error?: unknown; cause?: unknown };
    current = e.error ?? e.cause;
  }
  return undefined;
}

export function classifyDeliveryError(err: unknown): DeliveryFailure {
  const answer = telegramAnswer(err);
  if (answer) {
    if (answer.code === 429)
      return { kind: "rate_limited", retryAfterSeconds: answer.retryAfter ?? 1 };
    if (answer.code === 403) return { kind: "blocked" };
    if (answer.code >= 500) return { kind: "not_delivered" };
    return { kind: "rejected", code: answer.code };
  }
  // A timeout (the bot's TelegramTimeoutError) fired after the request went out: it may have
  // been delivered.
  if (err instanceof Error && err.name === "TelegramTimeoutError") return { kind: "unknown" };
  if (socketCode(err) !== undefined) return { kind: "not_delivered" };
  return { kind: "unknown" };
}
