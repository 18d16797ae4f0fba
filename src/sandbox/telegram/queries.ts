import { randomBytes } from "node:crypto";

export interface PreCheckoutAnswer {
  ok: boolean;
  error_message: string | null;
}

export interface Charge {
  telegram_payment_charge_id: string;
  provider_payment_charge_id: string;
  user_id: number;
  currency: string;
  total_amount: number;
  invoice_payload: string;
  refunded: boolean;
}

/** A Telegram Star transaction as getStarTransactions returns it (the parts the sandbox has). */
export interface StarTransaction {
  id: string;
  amount: number;
  date: number;
  source?: {
    type: "user";
    transaction_type: "invoice_payment";
    user: { id: number; is_bot: false; first_name: string };
    invoice_payload: string;
  };
  receiver?: { type: "user"; user: { id: number } };
}

/**
 * Queries and charges as the state file keeps them. Open pre-checkout queries are not kept:
 * the pay request that waits for the answer ends with the process.
 */
export interface QueryBookState {
  callbacks: string[];
  charges: Charge[];
  stars: StarTransaction[];
}

/** Telegram-style ids for queries: long decimal strings. */
export function queryId(): string {
  return BigInt(`0x${randomBytes(8).toString("hex")}`).toString();
}

/**
 * Open callback and pre-checkout queries, and the charges of successful payments. A query can
 * be answered once; answering an unknown, expired or answered one fails as on Telegram.
 */
export class QueryBook {
  private readonly callbacks = new Set<string>();
  private readonly preCheckouts = new Map<string, (answer: PreCheckoutAnswer) => void>();
  private readonly charges = new Map<string, Charge>();
  /** The bot's Star transactions in chronological order: payments in, refunds out. */
  private readonly stars: StarTransaction[] = [];

  constructor(private readonly maxOpenCallbacks: number) {}

  saveState(): QueryBookState {
    return {
      callbacks: [...this.callbacks],
      charges: [...this.charges.values()],
      stars: this.stars,
    };
  }

  restoreState(state: QueryBookState): void {
    this.callbacks.clear();
    for (const id of state.callbacks) this.callbacks.add(id);
    this.charges.clear();
    for (const c of state.charges) this.charges.set(c.telegram_payment_charge_id, c);
    this.stars.splice(0, this.stars.length, ...state.stars);
  }

  openCallback(id: string): void {
    this.callbacks.add(id);
    // Unanswered callback queries expire on Telegram too; keep memory bounded.
    while (this.callbacks.size > this.maxOpenCallbacks) {
      const oldest = this.callbacks.values().next().value;
      if (oldest === undefined) break;
      this.callbacks.delete(oldest);
    }
  }

  answerCallback(id: string): boolean {
    return this.callbacks.delete(id);
  }

  /** Resolves with the bot's answer, or null when it does not come in `timeoutMs`. */
  awaitPreCheckout(
    id: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<PreCheckoutAnswer | null> {
    return new Promise((resolve) => {
      const finish = (answer: PreCheckoutAnswer | null) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.preCheckouts.delete(id);
        resolve(answer);
      };
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      this.preCheckouts.set(id, finish);
    });
  }

  answerPreCheckout(id: string, answer: PreCheckoutAnswer): boolean {
    const waiter = this.preCheckouts.get(id);
    if (!waiter) return false;
    waiter(answer);
    return true;
  }

  recordCharge(charge: Charge, date: number, firstName: string): void {
    this.charges.set(charge.telegram_payment_charge_id, charge);
    if (charge.currency !== "XTR") return;
    this.stars.push({
      id: charge.telegram_payment_charge_id,
      amount: charge.total_amount,
      date,
      source: {
        type: "user",
        transaction_type: "invoice_payment",
        user: { id: charge.user_id, is_bot: false, first_name: firstName },
        invoice_payload: charge.invoice_payload,
      },
    });
  }

  /** Marks a Stars charge refunded; the refund is an outgoing transaction. */
  refund(charge: Charge, date: number): void {
    charge.refunded = true;
    this.stars.push({
      id: charge.telegram_payment_charge_id,
      amount: charge.total_amount,
      date,
      receiver: { type: "user", user: { id: charge.user_id } },
    });
  }

  starTransactions(offset: number, limit: number): StarTransaction[] {
    return this.stars.slice(offset, offset + limit);
  }

  charge(id: string): Charge | undefined {
    return this.charges.get(id);
  }
}
