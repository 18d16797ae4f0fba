import { type Dispatcher, request } from "undici";
import type { RecordedCall } from "../../src/sandbox/calls.js";
import type { Invoice } from "../../src/sandbox/cryptopay/invoices.js";
import type { PayOptions } from "../../src/sandbox/cryptopay/stand-in.js";
import type { ActiveFault, FaultSpec } from "../../src/sandbox/faults.js";
import type { Target } from "../../src/sandbox/http/types.js";
import type { ChatMessageView } from "../../src/sandbox/telegram/chats.js";
import type { InlineKeyboardButton } from "../../src/sandbox/telegram/types.js";
import type { VpnUser } from "../../src/sandbox/vpn/stand-in.js";

export type ChatMessage = ChatMessageView;
export type { Invoice, RecordedCall, VpnUser };

export type FaultInput = Omit<FaultSpec, "probability"> & { probability?: number };

export interface CustomerProfile {
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** What `pay()` reports: see `POST /sandbox/users/{id}/pay`. */
export interface StarsPaymentResult {
  status: "paid" | "rejected" | "timeout";
  pre_checkout_query: { id: string; update_id: number };
  answer: { ok: boolean; error_message: string | null } | null;
  update_id?: number;
  message_id?: number;
  successful_payment?: {
    currency: string;
    total_amount: number;
    invoice_payload: string;
    telegram_payment_charge_id: string;
    provider_payment_charge_id: string;
  };
}

export interface CryptoPaymentResult {
  invoice: Invoice;
  update_id: number;
  webhook_url: string | null;
  signature: string;
  body: string;
  deliveries: { status: number | null; body: string | null; error: string | null }[];
}

/** A message's inline buttons, row by row flattened. */
export function buttonsOf(m: ChatMessage | undefined): Array<{
  text: string;
  callback_data?: string;
  url?: string;
}> {
  const markup = m?.reply_markup as {
    inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>>;
  } | null;
  return markup?.inline_keyboard?.flat() ?? [];
}

/** /buy → plan → period: the customer arrives at the payment methods, returned as a message. */
export async function toPaymentMethods(
  customer: Customer,
  plan: string,
  days: number,
): Promise<ChatMessage> {
  await customer.send("/buy");
  await customer.waitForMessage();
  await customer.press(`b:${plan}`);
  await customer.waitForMessage((m) => m.edited);
  await customer.press(`b:${plan}:${days}`);
  return customer.waitForMessage((m) => m.edited);
}

export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} → ${status} ${JSON.stringify(body)}`);
  }
}

const DEFAULT_WAIT_MS = 5000;
/** One long-wait request is capped server-side; longer waits loop. */
const MAX_SINGLE_WAIT_MS = 30_000;

/** Test-side client of the sandbox control plane, so end-to-end tests read like a customer's story. */
export function sandboxClient(baseUrl: string): SandboxClient {
  return new SandboxClient(baseUrl.replace(/\/+$/, ""));
}

export class SandboxClient {
  constructor(readonly url: string) {}

  customer(id: number, profile: CustomerProfile = {}): Customer {
    return new Customer(this, id, profile);
  }

  async calls(target?: Target, method?: string): Promise<RecordedCall[]> {
    const query = new URLSearchParams();
    if (target) query.set("target", target);
    if (method) query.set("method", method);
    const res = await this.json<{ calls: RecordedCall[] }>("GET", `/sandbox/calls?${query}`);
    return res.calls;
  }

  async clearCalls(): Promise<void> {
    await this.json("DELETE", "/sandbox/calls");
  }

  fault(spec: FaultInput): Promise<ActiveFault> {
    return this.json("POST", "/sandbox/faults", spec);
  }

  async clearFaults(target?: Target): Promise<void> {
    await this.json("DELETE", `/sandbox/faults${target ? `?target=${target}` : ""}`);
  }

  async vpnUsers(): Promise<VpnUser[]> {
    return (await this.json<{ users: VpnUser[] }>("GET", "/sandbox/vpn/users")).users;
  }

  async cryptoInvoices(): Promise<Invoice[]> {
    return (await this.json<{ invoices: Invoice[] }>("GET", "/sandbox/cryptopay/invoices"))
      .invoices;
  }

  payCryptoInvoice(
    invoiceId: number,
    opts: Partial<PayOptions> = {},
  ): Promise<CryptoPaymentResult> {
    return this.json("POST", `/sandbox/cryptopay/invoices/${invoiceId}/pay`, opts);
  }

  async file(fileId: string): Promise<Buffer> {
    const res = await request(`${this.url}/sandbox/files/${encodeURIComponent(fileId)}`);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) {
      throw new SandboxHttpError(res.statusCode, bytes.toString("utf8"), `GET file ${fileId}`);
    }
    return bytes;
  }

  /** One control-plane call; non-2xx answers throw with the sandbox's explanation. */
  async json<T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await res.body.text();
    const parsed: unknown = text === "" ? null : JSON.parse(text);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new SandboxHttpError(res.statusCode, parsed, `${method} ${path}`);
    }
    return parsed as T;
  }
}

/**
 * One sandbox customer. Each action remembers how far the chat had got, so `waitForMessage()`
 * after it sees only the bot's reaction to that action (or later messages and edits).
 */
export class Customer {
  /** Messages with seq ≤ cursor count as already seen. */
  private cursor = 0;

  constructor(
    private readonly sb: SandboxClient,
    readonly id: number,
    private readonly profile: CustomerProfile,
  ) {}

  async send(text: string): Promise<{ update_id: number; message_id: number }> {
    await this.markSeen();
    return this.sb.json("POST", `/sandbox/users/${this.id}/message`, { text, ...this.profile });
  }

  /**
   * Presses the inline button shown by the newest message that has one whose visible text or
   * callback_data matches.
   */
  async press(
    textOrData: string | RegExp,
  ): Promise<{ update_id: number; callback_query_id: string }> {
    const found = findButton(await this.chat(), textOrData);
    if (!found) throw new Error(`customer ${this.id}: no button ${String(textOrData)} in the chat`);
    const { message, button } = found;
    if (button.callback_data === undefined) {
      throw new Error(
        `customer ${this.id}: button "${button.text}" is not a callback button (${JSON.stringify(button)})`,
      );
    }
    await this.markSeen();
    return this.sb.json("POST", `/sandbox/users/${this.id}/press`, {
      message_id: message.message_id,
      data: button.callback_data,
    });
  }

  /** Pays the newest (or the given) Telegram invoice message: pre-checkout, then payment. */
  async pay(
    opts: { messageId?: number; timeoutMs?: number; dropUpdate?: boolean } = {},
  ): Promise<StarsPaymentResult> {
    const messageId =
      opts.messageId ??
      (await this.chat()).findLast((m) => m.invoice !== null && !m.deleted)?.message_id;
    if (messageId === undefined) throw new Error(`customer ${this.id}: no invoice in the chat`);
    await this.markSeen();
    return this.sb.json("POST", `/sandbox/users/${this.id}/pay`, {
      message_id: messageId,
      ...(opts.timeoutMs ? { timeout_ms: opts.timeoutMs } : {}),
      ...(opts.dropUpdate ? { drop_update: true } : {}),
    });
  }

  /** Pays the Crypto Pay invoice whose link the bot showed most recently, as a URL button. */
  async payCrypto(opts: Partial<PayOptions> = {}): Promise<CryptoPaymentResult> {
    const invoices = await this.sb.cryptoInvoices();
    const byUrl = new Map<string, Invoice>();
    for (const invoice of invoices) {
      for (const url of [
        invoice.bot_invoice_url,
        invoice.mini_app_invoice_url,
        invoice.web_app_invoice_url,
        invoice.pay_url,
      ]) {
        byUrl.set(url, invoice);
      }
    }
    const messages = await this.chat();
    for (const message of [...messages].reverse()) {
      if (message.deleted) continue;
      for (const button of buttons(message)) {
        const invoice = button.url ? byUrl.get(button.url) : undefined;
        if (invoice) {
          await this.markSeen();
          return this.sb.payCryptoInvoice(invoice.invoice_id, opts);
        }
      }
    }
    throw new Error(`customer ${this.id}: no Crypto Pay invoice link in the chat`);
  }

  async block(): Promise<void> {
    await this.sb.json("POST", `/sandbox/users/${this.id}/block`);
  }

  async unblock(): Promise<void> {
    await this.sb.json("POST", `/sandbox/users/${this.id}/unblock`);
  }

  /** Every bot message to this customer, current state, in send order. */
  async chat(): Promise<ChatMessage[]> {
    return (
      await this.sb.json<{ messages: ChatMessage[] }>("GET", `/sandbox/users/${this.id}/chat`)
    ).messages;
  }

  async lastMessage(): Promise<ChatMessage | undefined> {
    return (await this.chat()).findLast((m) => !m.deleted);
  }

  /**
   * The first message (or edit) after the customer's last action that satisfies `predicate`,
   * waited for with the chat's long wait instead of sleeps.
   */
  async waitForMessage(
    predicate: (m: ChatMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ChatMessage> {
    const deadline = Date.now() + timeoutMs;
    let scanned = this.cursor;
    for (;;) {
      const waitMs = Math.max(0, Math.min(deadline - Date.now(), MAX_SINGLE_WAIT_MS));
      const { messages } = await this.sb.json<{ messages: ChatMessage[] }>(
        "GET",
        `/sandbox/users/${this.id}/chat?after=${scanned}&wait_ms=${waitMs}`,
      );
      for (const message of messages) {
        if (predicate(message)) {
          this.cursor = Math.max(this.cursor, message.seq);
          return message;
        }
        scanned = Math.max(scanned, message.seq);
      }
      if (Date.now() >= deadline) {
        const recent = (await this.chat()).slice(-5).map((m) => ({
          seq: m.seq,
          text: m.text ?? m.caption,
          invoice: m.invoice?.title,
          edited: m.edited,
          deleted: m.deleted,
        }));
        throw new Error(
          `customer ${this.id}: no matching message within ${timeoutMs} ms; last messages: ${JSON.stringify(recent)}`,
        );
      }
    }
  }

  /** Everything already in the chat counts as seen by the next waitForMessage. */
  private async markSeen(): Promise<void> {
    const messages = await this.chat();
    for (const m of messages) this.cursor = Math.max(this.cursor, m.seq);
  }
}

function buttons(message: ChatMessage): InlineKeyboardButton[] {
  const markup = message.reply_markup as { inline_keyboard?: InlineKeyboardButton[][] } | null;
  return markup?.inline_keyboard?.flat() ?? [];
}

function findButton(
  messages: ChatMessage[],
  wanted: string | RegExp,
): { message: ChatMessage; button: InlineKeyboardButton } | undefined {
  const matches = (b: InlineKeyboardButton) =>
    typeof wanted === "string"
      ? b.text === wanted || b.callback_data === wanted
      : wanted.test(b.text) || (b.callback_data !== undefined && wanted.test(b.callback_data));
  for (const message of [...messages].reverse()) {
    if (message.deleted) continue;
    const button = buttons(message).find(matches);
    if (button) return { message, button };
  }
  return undefined;
}
