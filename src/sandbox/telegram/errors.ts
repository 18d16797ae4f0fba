/** A Bot API failure, answered in Telegram's own shape. */
export class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }

  toJSON(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.code,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);
const forbidden = (what: string) => new BotApiError(403, `Forbidden: ${what}`);
export const conflict = (what: string) => new BotApiError(409, `Conflict: ${what}`);

export const unauthorized = () => new BotApiError(401, "Unauthorized");
export const methodNotFound = () => new BotApiError(404, "Not Found");
export const chatNotFound = () => badRequest("chat not found");
export const botBlocked = () => forbidden("bot was blocked by the user");
export const queryTooOld = () =>
  badRequest("query is too old and response timeout expired or query ID is invalid");
export const tooManyRequests = (retryAfter: number) =>
  new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, {
    retry_after: retryAfter,
  });
