import type { Logger } from "pino";
import { z } from "zod";
import { MalformedBodyError, parseParams } from "../http/body.js";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";
import {
  type Invoice,
  InvoiceStore,
  type InvoiceStoreState,
  SUPPORTED_ASSETS,
} from "./invoices.js";
import { spacedAsciiJson } from "./json-style.js";
import { signWebhookBody, wrongSignature } from "./signature.js";
import { type DeliveryResult, postWebhook } from "./webhook.js";

export interface CryptoPayStandInOptions {
  token: string;
  webhookUrl: string | null;
  logger: Logger;
  webhookTimeoutMs?: number;
}

const PATH = /^\/cryptopay\/api\/([^/]+)$/;
const FIATS = ["USD", "EUR", "RUB", "BYN", "UAH", "GBP", "CNY", "KZT", "UZS", "GEL", "TRY", "AMD"];
const MAX_EXPIRES_IN_S = 2_678_400;

class CryptoPayError extends Error {
  constructor(
    readonly code: number,
    readonly errorName: string,
  ) {
    super(errorName);
  }
}

const fail = (reply: CryptoPayError): Reply => ({
  status: reply.code,
  json: { ok: false, error: { code: reply.code, name: reply.errorName } },
});

export const payOptionsSchema = z.object({
  times: z.number().int().min(1).max(50).default(1),
  concurrent: z.boolean().default(false),
  bad_signature: z.boolean().default(false),
  /** false: only mark the invoice paid (for testing the watcher that polls getInvoices). */
  deliver: z.boolean().default(true),
  paid_asset: z.string().optional(),
  /** "spaced": Python-style separators and \u escapes; the signature covers those exact bytes. */
  body_format: z.enum(["compact", "spaced"]).default("compact"),
  /** Sent verbatim (and signed) instead of the generated body. */
  raw_body: z.string().optional(),
});

export type PayOptions = z.infer<typeof payOptionsSchema>;

/** What the Crypto Pay stand-in keeps across a restart. */
export interface CryptoPayState {
  invoices: InvoiceStoreState;
  nextUpdateId: number;
}

/** The Crypto Pay API stand-in (`/cryptopay/api/<method>`) and its signed webhooks. */
export class CryptoPayStandIn implements StandIn {
  readonly target = "cryptopay";
  readonly invoices = new InvoiceStore("CryptoTestnetBot");
  private webhookUrl: string | null;
  private nextUpdateId = 1;

  constructor(private readonly opts: CryptoPayStandInOptions) {
    this.webhookUrl = opts.webhookUrl;
  }

  /** Invoices, the invoice id sequence and the webhook update id sequence. */
  saveState(): CryptoPayState {
    return { invoices: this.invoices.saveState(), nextUpdateId: this.nextUpdateId };
  }

  restoreState(state: CryptoPayState): void {
    this.invoices.restoreState(state.invoices);
    this.nextUpdateId = state.nextUpdateId;
  }

  setWebhookUrl(url: string | null): void {
    this.webhookUrl = url;
  }

  methodOf(path: string): string {
    return PATH.exec(path)?.[1] ?? "";
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    let request: unknown = null;
    try {
      if (req.headers["crypto-pay-api-token"] !== this.opts.token) {
        throw new CryptoPayError(401, "UNAUTHORIZED");
      }
      let fields: Record<string, unknown>;
      try {
        fields = parseParams(req.headers["content-type"], req.body, req.query).fields;
      } catch (err) {
        if (err instanceof MalformedBodyError) throw new CryptoPayError(400, "BAD_REQUEST");
        throw err;
      }
      request = fields;
      const result = this.call(this.methodOf(req.path).toLowerCase(), fields);
      return { reply: { status: 200, json: { ok: true, result } }, request };
    } catch (err) {
      if (err instanceof CryptoPayError) return { reply: fail(err), request };
      throw err;
    }
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    if (kind === "rate_limit") {
      return {
        ...fail(new CryptoPayError(429, "TOO_MANY_REQUESTS")),
        headers: { "retry-after": String(retryAfter) },
      };
    }
    return fail(new CryptoPayError(status, status >= 500 ? "INTERNAL_ERROR" : "ERROR"));
  }

  /**
   * Marks an invoice paid and POSTs the signed `invoice_paid` webhook `times` times (the same
   * update each time, as a provider's redelivery would be), one after another or all at once.
   */
  async pay(invoiceId: number, options: PayOptions, signal: AbortSignal) {
    const invoice = this.invoices.markPaid(invoiceId, options.paid_asset);
    const update = {
      update_id: this.nextUpdateId++,
      update_type: "invoice_paid",
      request_date: new Date().toISOString(),
      payload: invoice,
    };
    const raw = Buffer.from(
      options.raw_body ??
        (options.body_format === "spaced" ? spacedAsciiJson(update) : JSON.stringify(update)),
    );
    const signature = options.bad_signature
      ? wrongSignature(this.opts.token, raw)
      : signWebhookBody(this.opts.token, raw);
    const url = this.webhookUrl;
    let deliveries: DeliveryResult[] = [];
    if (options.deliver && url) {
      const once = () =>
        postWebhook(url, raw, signature, this.opts.webhookTimeoutMs ?? 10_000, signal);
      if (options.concurrent) {
        deliveries = await Promise.all(Array.from({ length: options.times }, once));
      } else {
        for (let i = 0; i < options.times; i++) deliveries.push(await once());
      }
    }
    this.opts.logger.debug(
      { invoice_id: invoiceId, deliveries: deliveries.length },
      "invoice paid",
    );
    return {
      invoice,
      update_id: update.update_id,
      webhook_url: url,
      signature,
      body: raw.toString("utf8"),
      deliveries,
    };
  }

  private call(method: string, p: Record<string, unknown>): unknown {
    switch (method) {
      case "getme":
        return {
          app_id: 1,
          name: "Sandbox VPN",
          payment_processing_bot_username: "CryptoTestnetBot",
        };
      case "createinvoice":
        return this.createInvoice(p);
      case "getinvoices":
        return { items: this.getInvoices(p) };
      default:
        throw new CryptoPayError(405, "METHOD_NOT_FOUND");
    }
  }

  private createInvoice(p: Record<string, unknown>): Invoice {
    const currencyType = str(p.currency_type) ?? "crypto";
    if (currencyType !== "crypto" && currencyType !== "fiat") {
      throw new CryptoPayError(400, "CURRENCY_TYPE_INVALID");
    }
    const amount = str(p.amount);
    if (!amount || !/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0) {
      throw new CryptoPayError(400, "AMOUNT_INVALID");
    }
    const base = {
      amount,
      allow_comments: bool(p.allow_comments) ?? true,
      allow_anonymous: bool(p.allow_anonymous) ?? true,
    };
    const optional: Record<string, string> = {};
    for (const key of [
      "description",
      "hidden_message",
      "paid_btn_name",
      "paid_btn_url",
      "payload",
    ]) {
      const value = str(p[key]);
      if (value !== undefined) optional[key] = value;
    }
    if ((optional.description?.length ?? 0) > 1024)
      throw new CryptoPayError(400, "DESCRIPTION_TOO_LONG");
    if (Buffer.byteLength(optional.payload ?? "") > 4096)
      throw new CryptoPayError(400, "PAYLOAD_TOO_LONG");
    let expiresIn: number | undefined;
    if (p.expires_in !== undefined) {
      expiresIn = Number(p.expires_in);
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN_S) {
        throw new CryptoPayError(400, "EXPIRES_IN_INVALID");
      }
    }
    const expiry = expiresIn === undefined ? {} : { expires_in: expiresIn };
    if (currencyType === "crypto") {
      const asset = str(p.asset);
      if (!asset || !SUPPORTED_ASSETS.includes(asset))
        throw new CryptoPayError(400, "ASSET_INVALID");
      return this.invoices.create({
        currency_type: "crypto",
        asset,
        ...base,
        ...optional,
        ...expiry,
      });
    }
    const fiat = str(p.fiat);
    if (!fiat || !FIATS.includes(fiat)) throw new CryptoPayError(400, "FIAT_INVALID");
    const accepted = str(p.accepted_assets)
      ?.split(",")
      .map((a) => a.trim());
    if (accepted && !accepted.every((a) => SUPPORTED_ASSETS.includes(a))) {
      throw new CryptoPayError(400, "ACCEPTED_ASSETS_INVALID");
    }
    return this.invoices.create({
      currency_type: "fiat",
      fiat,
      ...(accepted ? { accepted_assets: accepted } : {}),
      ...base,
      ...optional,
      ...expiry,
    });
  }

  private getInvoices(p: Record<string, unknown>): Invoice[] {
    const count = p.count === undefined ? 100 : Number(p.count);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw new CryptoPayError(400, "COUNT_INVALID");
    const offset = p.offset === undefined ? 0 : Number(p.offset);
    if (!Number.isInteger(offset) || offset < 0) throw new CryptoPayError(400, "OFFSET_INVALID");
    const status = str(p.status);
    if (status !== undefined && status !== "active" && status !== "paid") {
      throw new CryptoPayError(400, "STATUS_INVALID");
    }
    let ids: number[] | undefined;
    if (p.invoice_ids !== undefined) {
      const list = Array.isArray(p.invoice_ids)
        ? p.invoice_ids.map(String)
        : (str(p.invoice_ids) ?? "").split(",");
      ids = list.map((s) => Number(s.trim()));
      if (!ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
        throw new CryptoPayError(400, "INVOICE_IDS_INVALID");
      }
    }
    return this.invoices.list({
      offset,
      count,
      ...(ids ? { ids } : {}),
      ...(status ? { status } : {}),
      ...(str(p.asset) ? { asset: str(p.asset) } : {}),
      ...(str(p.fiat) ? { fiat: str(p.fiat) } : {}),
    });
  }
}

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}
