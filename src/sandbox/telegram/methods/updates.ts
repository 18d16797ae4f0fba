import type { MethodTable, TelegramContext } from "../context.js";
import { badRequest, conflict } from "../errors.js";
import type { BotParams } from "../params.js";

const MAX_LIMIT = 100;
/** Telegram caps the long-poll timeout; values above are shortened silently. */
const MAX_TIMEOUT_S = 50;
const DEFAULT_MAX_CONNECTIONS = 40;

function allowedUpdates(p: BotParams): string[] | undefined {
  const value = p.json("allowed_updates", "can't parse allowed updates JSON array");
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw badRequest("can't parse allowed updates JSON array");
  }
  return value;
}

/** getUpdates and the webhook methods. */
export function updateMethods(ctx: TelegramContext): MethodTable {
  return {
    getupdates(p, signal) {
      const limit = Math.min(Math.max(p.int("limit") ?? MAX_LIMIT, 1), MAX_LIMIT);
      const timeout = Math.min(Math.max(p.int("timeout") ?? 0, 0), MAX_TIMEOUT_S);
      return ctx.poller.getUpdates(
        {
          offset: p.int("offset") ?? 0,
          limit,
          timeoutSeconds: timeout,
          allowedUpdates: allowedUpdates(p),
        },
        signal,
      );
    },

    setwebhook(p) {
      const url = p.string("url") ?? "";
      if (p.bool("drop_pending_updates")) ctx.queue.clear();
      ctx.queue.setAllowed(allowedUpdates(p));
      if (url === "") {
        ctx.webhook.remove();
        return true;
      }
      // Telegram insists on HTTPS and a few ports; the sandbox delivers to plain local HTTP too.
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw badRequest("bad webhook: HTTPS url must be provided for webhook");
      }
      const secret = p.string("secret_token") ?? null;
      if (secret !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
        throw badRequest("secret token contains unallowed characters");
      }
      const maxConnections = p.int("max_connections") ?? DEFAULT_MAX_CONNECTIONS;
      if (maxConnections < 1 || maxConnections > 100) {
        throw badRequest("bad webhook: max_connections must be between 1 and 100");
      }
      ctx.poller.endPending(
        conflict(
          "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ),
      );
      ctx.webhook.set({ url, secretToken: secret, maxConnections });
      return true;
    },

    deletewebhook(p) {
      if (p.bool("drop_pending_updates")) ctx.queue.clear();
      ctx.webhook.remove();
      return true;
    },

    getwebhookinfo() {
      return ctx.webhook.info();
    },
  };
}
