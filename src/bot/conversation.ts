import type { FlowSession, InputPrompt } from "./services.js";

/**
 * What the bot remembers about a customer between two updates: the question their next text
 * message answers (a promo code, an amount, payout details) and the promo code they entered on
 * the buy screen.
 *
 * In memory, per process, with a TTL — deliberately not in the database. Both are conveniences:
 * losing them (a restart, another replica in webhook mode, the TTL) costs the customer one tap
 * ("Enter a promo code" again), never money — every price button carries the price it showed, and
 * the port refuses to charge another one. Keeping them out of the database costs no write per
 * screen and needs no table. Memory stays bounded: stale entries are swept, and past `maxEntries`
 * the oldest are dropped.
 */
export class ConversationStore {
  readonly #entries = new Map<number, Entry>();
  #lastSweep: number;

  constructor(
    private readonly options: { promptTtlMs: number; sessionTtlMs: number; maxEntries: number },
    private readonly now: () => number = Date.now,
  ) {
    this.#lastSweep = now();
  }

  /** The prompt the customer's next text answers, if one is open. */
  prompt(telegramId: number): InputPrompt | undefined {
    const entry = this.#live(telegramId);
    return entry?.prompt && entry.prompt.until > this.now() ? entry.prompt.value : undefined;
  }

  expect(telegramId: number, prompt: InputPrompt): void {
    this.#entry(telegramId).prompt = {
      value: prompt,
      until: this.now() + this.options.promptTtlMs,
    };
  }

  /** Any other action (a button, a command) closes the open question. */
  clearPrompt(telegramId: number): void {
    const entry = this.#entries.get(telegramId);
    if (entry) entry.prompt = undefined;
  }

  session(telegramId: number): FlowSession {
    const entry = this.#live(telegramId);
    const promo = entry?.promo && entry.promo.until > this.now() ? entry.promo.value : null;
    return { promoCode: promo };
  }

  remember(telegramId: number, changes: Partial<FlowSession>): void {
    if (changes.promoCode === undefined) return;
    const entry = this.#entry(telegramId);
    entry.promo =
      changes.promoCode === null
        ? undefined
        : { value: changes.promoCode, until: this.now() + this.options.sessionTtlMs };
  }

  get size(): number {
    return this.#entries.size;
  }

  #live(telegramId: number): Entry | undefined {
    this.#sweep();
    return this.#entries.get(telegramId);
  }

  #entry(telegramId: number): Entry {
    this.#sweep();
    let entry = this.#entries.get(telegramId);
    if (!entry) {
      entry = {};
      this.#entries.set(telegramId, entry);
      // Insertion order is age order: drop the oldest beyond the cap.
      for (const key of this.#entries.keys()) {
        if (this.#entries.size <= this.options.maxEntries) break;
        this.#entries.delete(key);
      }
    }
    return entry;
  }

  #sweep(): void {
    const now = this.now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) {
      const promptLive = entry.prompt !== undefined && entry.prompt.until > now;
      const promoLive = entry.promo !== undefined && entry.promo.until > now;
      if (!promptLive && !promoLive) this.#entries.delete(key);
    }
  }
}

interface Entry {
  prompt?: { value: InputPrompt; until: number } | undefined;
  promo?: { value: string; until: number } | undefined;
}
