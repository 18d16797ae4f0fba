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
  refunded: boolean;
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

  constructor(private readonly maxOpenCallbacks: number) {}

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

  recordCharge(charge: Charge): void {
    this.charges.set(charge.telegram_payment_charge_id, charge);
  }

  charge(id: string): Charge | undefined {
    return this.charges.get(id);
  }
}
