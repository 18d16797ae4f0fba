import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Dispatcher } from "undici";
import { z } from "zod";
import type { Logger } from "../logger.js";
import { type CircuitBreaker, CircuitOpenError } from "../net/circuit-breaker.js";
import { createAgent, requestJson, TransportError } from "../net/json-request.js";
import type { Metrics } from "../ops/metrics.js";

/** An invoice as Crypto Pay returns it (contracts/cryptopay.md), fields we use. */
const invoiceSchema = z.object({
  invoice_id: z.number().int(),
  status: z.enum(["active", "paid", "expired"]),
  currency_type: z.string().optional(),
  amount: z.string(),
  fiat: z.string().optional(),
  payload: z.string().optional(),
  bot_invoice_url: z.string().optional(),
  created_at: z.string().optional(),
  expiration_date: z.string().optional(),
  paid_at: z.string().optional(),
  paid_asset: z.string().optional(),
  paid_amount: z.string().optional(),
  paid_fiat_rate: z.string().optional(),
});
export type CryptoInvoice = z.infer<typeof invoiceSchema>;

export const webhookUpdateSchema = z.object({
  update_id: z.number().int(),
  update_type: z.string(),
  request_date: z.string(),
  payload: invoiceSchema,
});
export type CryptoPayWebhookUpdate = z.infer<typeof webhookUpdateSchema>;

export interface CreateInvoiceInput {
  amountKopecks: number;
  description: string;
  /** The purchase id; nothing secret. */
  payload: string;
  expiresInSeconds: number;
}

export interface CryptoPayApi {
  createInvoice(input: CreateInvoiceInput, signal?: AbortSignal): Promise<CryptoInvoice>;
  /** Invoices by id, fetched in batches of at most `GET_INVOICES_BATCH` ids per call. */
  getInvoices(ids: number[], signal?: AbortSignal): Promise<CryptoInvoice[]>;
  getMe(signal?: AbortSignal): Promise<{ app_id?: number; name?: string }>;
}

const GET_INVOICES_BATCH = 100;

class CryptoPayError extends Error {
  override name = "CryptoPayError";
  constructor(
    readonly kind:
      | "circuit_open"
      | "api_error"
      | "timeout"
      | "network_error"
      | "aborted"
      | "bad_response",
    message: string,
  ) {
    super(message);
  }
}

/** 14900 → "149.00": Crypto Pay takes fiat amounts as decimal strings. */
function kopecksToAmount(kopecks: number): string {
  if (!Number.isSafeInteger(kopecks) || kopecks < 0) throw new RangeError(`bad amount ${kopecks}`);
  return `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, "0")}`;
}

/** "149.00" / "149.5" / "149" → 14900 / 14950 / 14900, exactly (no floating point). */
export function amountToKopecks(amount: string): number {
  const match = /^(\d+)(?:\.(\d{1,2})\d*)?$/.exec(amount.trim());
  if (!match) throw new RangeError(`bad amount "${amount}"`);
  const rubles = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(2, "0"));
  return rubles * 100 + fraction;
}

/**
 * Checks `crypto-pay-api-signature` over the exact bytes received: hex HMAC-SHA-256 keyed with
 * SHA-256(token) as raw bytes. Never over re-serialised JSON.
 */
export function verifyCryptoPaySignature(
  rawBody: Buffer,
  signature: string | undefined,
  token: string,
): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const secret = createHash("sha256").update(token).digest();
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(signature, "hex"));
}

export interface HttpCryptoPayOptions {
  /** e.g. https://pay.crypt.bot/api/ */
  baseUrl: string;
  token: string;
  assets: string[];
  timeoutMs: number;
  breaker: CircuitBreaker;
  metrics: Metrics;
  logger: Logger;
  assertNoDbScope(what: string): void;
  dispatcher?: Dispatcher;
}

type Method = "createInvoice" | "getInvoices" | "getMe";

export class HttpCryptoPayApi implements CryptoPayApi {
  readonly #o: HttpCryptoPayOptions;
  readonly #dispatcher: Dispatcher;
  readonly #base: string;
  readonly #log: Logger;

  constructor(options: HttpCryptoPayOptions) {
    this.#o = options;
    this.#base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
    this.#log = options.logger.child({ component: "cryptopay_api" });
    this.#dispatcher =
      options.dispatcher ?? createAgent({ connectTimeoutMs: 3_000, timeoutMs: options.timeoutMs });
  }

  async createInvoice(input: CreateInvoiceInput, signal?: AbortSignal): Promise<CryptoInvoice> {
    const result = await this.#call(
      "createInvoice",
      {
        currency_type: "fiat",
        fiat: "RUB",
        amount: kopecksToAmount(input.amountKopecks),
        accepted_assets: this.#o.assets.join(","),
        description: input.description.slice(0, 1024),
        payload: input.payload,
        expires_in: input.expiresInSeconds,
        allow_comments: false,
        allow_anonymous: false,
      },
      signal,
    );
    return parse(invoiceSchema, result, "createInvoice");
  }

  async getInvoices(ids: number[], signal?: AbortSignal): Promise<CryptoInvoice[]> {
    const found: CryptoInvoice[] = [];
    for (let i = 0; i < ids.length; i += GET_INVOICES_BATCH) {
      const batch = ids.slice(i, i + GET_INVOICES_BATCH);
      const result = await this.#call(
        "getInvoices",
        { invoice_ids: batch.join(","), count: batch.length },
        signal,
      );
      found.push(
        ...parse(z.object({ items: z.array(invoiceSchema) }), result, "getInvoices").items,
      );
    }
    return found;
  }

  async getMe(signal?: AbortSignal): Promise<{ app_id?: number; name?: string }> {
    const result = await this.#call("getMe", {}, signal);
    return parse(
      z.object({ app_id: z.number().optional(), name: z.string().optional() }),
      result,
      "getMe",
    );
  }

  async #call(
    method: Method,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    this.#o.assertNoDbScope(`cryptopay.${method}`);
    const started = performance.now();
    let outcome = "ok";
    try {
      try {
        this.#o.breaker.before();
      } catch (err) {
        if (err instanceof CircuitOpenError) throw new CryptoPayError("circuit_open", err.message);
        throw err;
      }
      let res: { status: number; body: unknown };
      try {
        res = await requestJson(this.#dispatcher, {
          method: "POST",
          url: `${this.#base}${method}`,
          headers: { "crypto-pay-api-token": this.#o.token },
          body,
          timeoutMs: this.#o.timeoutMs,
          signal,
        });
      } catch (err) {
        if (err instanceof TransportError)
          throw new CryptoPayError(err.kind, `${method}: ${err.message}`);
        throw err;
      }
      const envelope = res.body as { ok?: boolean; result?: unknown; error?: unknown } | undefined;
      if (res.status === 200 && envelope?.ok === true) {
        this.#o.breaker.success();
        return envelope.result;
      }
      const error = JSON.stringify(envelope?.error ?? envelope ?? null).slice(0, 300);
      throw new CryptoPayError("api_error", `${method}: status ${res.status}: ${error}`);
    } catch (err) {
      const e =
        err instanceof CryptoPayError ? err : new CryptoPayError("network_error", String(err));
      outcome = e.kind;
      if (e.kind !== "circuit_open" && e.kind !== "aborted") this.#o.breaker.failure(e.message);
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#o.metrics.cryptopayRequest.observe({ method, outcome }, seconds);
      const line = { method, outcome, duration_ms: Math.round(seconds * 1000) };
      if (outcome === "ok") this.#log.info(line, "cryptopay api call");
      else this.#log.warn(line, "cryptopay api call failed");
    }
  }

  async close(): Promise<void> {
    if (!this.#o.dispatcher) await this.#dispatcher.close();
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, method: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CryptoPayError(
      "bad_response",
      `${method}: unexpected result: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}
