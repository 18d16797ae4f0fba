import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "../logger.js";
import {
  type CryptoInvoice,
  verifyCryptoPaySignature,
  webhookUpdateSchema,
} from "../payments/cryptopay.js";

export interface CryptoPayWebhookDeps {
  token: string;
  logger: Logger;
  /** Credits a paid invoice through the same idempotent finalizer as the watcher. */
  onInvoicePaid(invoice: CryptoInvoice): Promise<void>;
}

/**
 * `POST /webhooks/cryptopay` (contracts/cryptopay.md). The raw-body parser is registered inside
 * this plugin, so it applies to this route only: the signature is checked over the exact bytes
 * received, before anything is parsed or written.
 *
 * There is no age limit on `request_date`: Crypto Pay does not document how long it retries or
 * whether a retry is re-dated, and a redelivery is the same signed body, so a limit could only
 * refuse the provider's own late retries (after an outage of ours, when they matter). A replay
 * gains nothing: the body cannot be altered without the token, crediting is idempotent on
 * `invoice_id`, and an invoice of no purchase of ours is recorded and reported once.
 */
export function cryptoPayWebhook(deps: CryptoPayWebhookDeps): FastifyPluginAsync {
  return async (app) => {
    // Inside this encapsulated plugin only: every body arrives as the raw bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const log = deps.logger.child({ component: "cryptopay_webhook" });

    app.post("/webhooks/cryptopay", async (req, reply) => {
      const raw = req.body as Buffer;
      const signature = req.headers["crypto-pay-api-signature"];
      if (
        !Buffer.isBuffer(raw) ||
        !verifyCryptoPaySignature(
          raw,
          typeof signature === "string" ? signature : undefined,
          deps.token,
        )
      ) {
        log.warn({ ip: req.ip }, "crypto webhook refused: bad signature");
        return reply.code(401).send({ ok: false, error: "bad signature" });
      }
      let update: ReturnType<typeof webhookUpdateSchema.parse>;
      try {
        update = webhookUpdateSchema.parse(JSON.parse(raw.toString("utf8")));
      } catch {
        log.warn("crypto webhook refused: signed but malformed body");
        return reply.code(400).send({ ok: false, error: "malformed body" });
      }
      if (update.update_type !== "invoice_paid" || update.payload.status !== "paid") {
        return reply.send({ ok: true });
      }
      await deps.onInvoicePaid(update.payload);
      log.info(
        { update_id: update.update_id, invoice_id: update.payload.invoice_id },
        "crypto webhook processed",
      );
      return reply.send({ ok: true });
    });
  };
}
