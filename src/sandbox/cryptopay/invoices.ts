import { randomBytes } from "node:crypto";
import { HttpError } from "../http/errors.js";

export interface Invoice {
  invoice_id: number;
  hash: string;
  currency_type: "crypto" | "fiat";
  asset?: string;
  fiat?: string;
  amount: string;
  accepted_assets?: string[];
  pay_url: string;
  bot_invoice_url: string;
  mini_app_invoice_url: string;
  web_app_invoice_url: string;
  description?: string;
  status: "active" | "paid" | "expired";
  created_at: string;
  allow_comments: boolean;
  allow_anonymous: boolean;
  expiration_date?: string;
  payload?: string;
  hidden_message?: string;
  paid_btn_name?: string;
  paid_btn_url?: string;
  paid_at?: string;
  paid_asset?: string;
  paid_amount?: string;
  paid_fiat_rate?: string;
  paid_usd_rate?: string;
  fee_asset?: string;
  fee_amount?: string;
  paid_anonymously?: boolean;
}

export type NewInvoice = Omit<
  Invoice,
  | "invoice_id"
  | "hash"
  | "pay_url"
  | "bot_invoice_url"
  | "mini_app_invoice_url"
  | "web_app_invoice_url"
  | "status"
  | "created_at"
  | "expiration_date"
> & { expires_in?: number };

export interface InvoiceFilter {
  ids?: number[];
  status?: string;
  asset?: string;
  fiat?: string;
  offset: number;
  count: number;
}

export const SUPPORTED_ASSETS = ["USDT", "TON", "BTC", "ETH", "LTC", "BNB", "TRX", "USDC"];

/** Sandbox exchange rates: how many units of fiat one unit of the asset costs. */
const RATES: Record<string, Record<string, number>> = {
  USDT: { RUB: 95, USD: 1, EUR: 0.92 },
  USDC: { RUB: 95, USD: 1, EUR: 0.92 },
  TON: { RUB: 300, USD: 3.15, EUR: 2.9 },
  BTC: { RUB: 9_000_000, USD: 95_000, EUR: 87_000 },
  ETH: { RUB: 320_000, USD: 3_400, EUR: 3_100 },
  LTC: { RUB: 8_000, USD: 85, EUR: 78 },
  BNB: { RUB: 60_000, USD: 630, EUR: 580 },
  TRX: { RUB: 23, USD: 0.24, EUR: 0.22 },
};

/** The invoices as the state file keeps them. */
export interface InvoiceStoreState {
  nextId: number;
  invoices: Invoice[];
}

/** Invoices of the Crypto Pay stand-in, with the provider's lifecycle active → paid | expired. */
export class InvoiceStore {
  private readonly invoices = new Map<number, Invoice>();
  private nextId = 1;

  constructor(
    private readonly botUsername: string,
    private readonly now: () => number = Date.now,
  ) {}

  create(input: NewInvoice): Invoice {
    const { expires_in: expiresIn, ...fields } = input;
    const hash = `IV${randomBytes(9).toString("base64url")}`;
    const created = this.now();
    const invoice: Invoice = {
      invoice_id: this.nextId++,
      hash,
      ...fields,
      pay_url: `https://t.me/${this.botUsername}?start=${hash}`,
      bot_invoice_url: `https://t.me/${this.botUsername}?start=${hash}`,
      mini_app_invoice_url: `https://t.me/${this.botUsername}/app?startapp=invoice-${hash}`,
      web_app_invoice_url: `https://app.send.tg/invoices/${hash}`,
      status: "active",
      created_at: new Date(created).toISOString(),
      ...(expiresIn !== undefined
        ? { expiration_date: new Date(created + expiresIn * 1000).toISOString() }
        : {}),
    };
    this.invoices.set(invoice.invoice_id, invoice);
    return invoice;
  }

  saveState(): InvoiceStoreState {
    return { nextId: this.nextId, invoices: [...this.invoices.values()] };
  }

  /** New invoices continue the id sequence, as the provider's do. */
  restoreState(state: InvoiceStoreState): void {
    this.invoices.clear();
    for (const invoice of state.invoices) this.invoices.set(invoice.invoice_id, invoice);
    this.nextId = state.nextId;
  }

  get(id: number): Invoice | undefined {
    const invoice = this.invoices.get(id);
    if (invoice) this.refreshStatus(invoice);
    return invoice;
  }

  list(filter: InvoiceFilter): Invoice[] {
    const ids = filter.ids ? new Set(filter.ids) : null;
    return [...this.invoices.values()]
      .map((invoice) => this.refreshStatus(invoice))
      .filter(
        (i) =>
          (!ids || ids.has(i.invoice_id)) &&
          (!filter.status || i.status === filter.status) &&
          (!filter.asset || i.asset === filter.asset) &&
          (!filter.fiat || i.fiat === filter.fiat),
      )
      .sort((a, b) => b.invoice_id - a.invoice_id)
      .slice(filter.offset, filter.offset + filter.count);
  }

  /** Marks an active invoice paid in `asset`; a paid one stays as it was paid. */
  markPaid(id: number, asset: string | undefined): Invoice {
    const invoice = this.get(id);
    if (!invoice) throw new HttpError(404, `no invoice ${id}`);
    if (invoice.status === "paid") return invoice;
    if (invoice.status === "expired") throw new HttpError(409, `invoice ${id} has expired`);
    const paidAsset = asset ?? invoice.asset ?? invoice.accepted_assets?.[0] ?? "USDT";
    if (!SUPPORTED_ASSETS.includes(paidAsset))
      throw new HttpError(400, `unsupported asset ${paidAsset}`);
    invoice.status = "paid";
    invoice.paid_at = new Date(this.now()).toISOString();
    invoice.paid_asset = paidAsset;
    invoice.paid_anonymously = false;
    invoice.fee_asset = paidAsset;
    if (invoice.currency_type === "fiat" && invoice.fiat) {
      const rate = RATES[paidAsset]?.[invoice.fiat] ?? 1;
      invoice.paid_fiat_rate = String(rate);
      invoice.paid_amount = decimal(Number(invoice.amount) / rate);
    } else {
      invoice.paid_amount = invoice.amount;
    }
    invoice.paid_usd_rate = String(RATES[paidAsset]?.USD ?? 1);
    invoice.fee_amount = decimal(Number(invoice.paid_amount) * 0.03);
    return invoice;
  }

  private refreshStatus(invoice: Invoice): Invoice {
    if (
      invoice.status === "active" &&
      invoice.expiration_date &&
      Date.parse(invoice.expiration_date) <= this.now()
    ) {
      invoice.status = "expired";
    }
    return invoice;
  }
}

function decimal(value: number): string {
  return value.toFixed(8).replace(/\.?0+$/, "");
}
