import type { Db } from "../db/pool.js";
import { BUY_FEATURE, BuySteps } from "../features/buy/codec.js";
import { featurePrompt } from "../features/prompts.js";
import { WALLET_FEATURE, WalletSteps } from "../features/wallet/codec.js";
import type { FlowSession, InputPrompt } from "./services.js";

/**
 * A prompt as `conversation_state` holds it. Questions asked by an earlier version of the bot
 * are stored by their own kinds; they stay open for minutes, across a deploy, and are answered
 * by the feature that asks them now.
 */
export type StoredPrompt =
  | InputPrompt
  | { kind: "promo_code" }
  | { kind: "topup_amount" }
  | { kind: "withdraw_amount" }
  | { kind: "withdraw_requisites"; amountKopecks: number };

/** The open question a stored prompt stands for (an earlier version's kinds mapped). */
export function promptFromStore(stored: StoredPrompt | null | undefined): InputPrompt | undefined {
  if (!stored) return undefined;
  switch (stored.kind) {
    case "feature":
      return stored;
    case "promo_code":
      return featurePrompt(BUY_FEATURE, BuySteps.promoCode);
    case "topup_amount":
      return featurePrompt(WALLET_FEATURE, WalletSteps.topUpAmount);
    case "withdraw_amount":
      return featurePrompt(WALLET_FEATURE, WalletSteps.withdrawAmount);
    case "withdraw_requisites":
      return featurePrompt(WALLET_FEATURE, WalletSteps.withdrawRequisites, {
        amountKopecks: stored.amountKopecks,
      });
  }
}

/** The conversation state as handlers use it (`ctx.conversation`). */
export interface Conversation {
  /** The prompt the customer's next text answers, if one is open. */
  prompt(telegramId: number): Promise<InputPrompt | undefined>;
  expect(telegramId: number, prompt: InputPrompt): Promise<void>;
  /** Any other action (a button, a command) closes the open question. Writes only if one is. */
  clearPrompt(telegramId: number): Promise<void>;
  session(telegramId: number): Promise<FlowSession>;
  remember(telegramId: number, changes: Partial<FlowSession>): Promise<void>;
}

/** The sender's open prompt and promo code as read with their update (see `SenderState`). */
export interface KnownConversation {
  prompt: InputPrompt | null;
  promoCode: string | null;
}

/**
 * What the bot remembers about a customer between two updates: the question their next text
 * message answers (a promo code, an amount, payout details) and the promo code they entered on
 * the buy screen — in `conversation_state` (migrations/004), so a customer whose updates reach
 * different replicas (webhook mode) or a restarted process is still understood. Each call is
 * one short statement on its own checkout; expired values read as absent.
 *
 * Losing them would cost the customer a tap, never money: every price button carries the price
 * it showed, and the port refuses to charge another one.
 */
export class ConversationStore implements Conversation {
  constructor(
    private readonly db: Db,
    private readonly options: { promptTtlMs: number; sessionTtlMs: number },
  ) {}

  /**
   * The store for one update whose sender's state is already known: their reads are answered
   * from it, a write that would change nothing is not sent, and writes keep it current. Other
   * customers' state goes to the table as usual.
   */
  forSender(senderId: number, known: KnownConversation): Conversation {
    return new SenderConversation(this, senderId, { ...known });
  }

  /** The prompt the customer's next text answers, if one is open. */
  async prompt(telegramId: number): Promise<InputPrompt | undefined> {
    const { rows } = await this.db.query<{ prompt: StoredPrompt }>(
      "bot.conversation_prompt",
      `SELECT prompt FROM conversation_state
        WHERE user_id = $1 AND prompt IS NOT NULL AND prompt_until > now()`,
      [telegramId],
    );
    return promptFromStore(rows[0]?.prompt);
  }

  async expect(telegramId: number, prompt: InputPrompt): Promise<void> {
    await this.db.query(
      "bot.conversation_expect",
      `INSERT INTO conversation_state (user_id, prompt, prompt_until)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (user_id) DO UPDATE
         SET prompt = EXCLUDED.prompt, prompt_until = EXCLUDED.prompt_until, updated_at = now()`,
      [telegramId, JSON.stringify(prompt), this.options.promptTtlMs / 1000],
    );
  }

  /** Any other action (a button, a command) closes the open question. Writes only if one is. */
  async clearPrompt(telegramId: number): Promise<void> {
    await this.db.query(
      "bot.conversation_clear",
      `UPDATE conversation_state SET prompt = NULL, prompt_until = NULL, updated_at = now()
        WHERE user_id = $1 AND prompt IS NOT NULL`,
      [telegramId],
    );
  }

  async session(telegramId: number): Promise<FlowSession> {
    const { rows } = await this.db.query<{ promo_code: string }>(
      "bot.conversation_session",
      `SELECT promo_code FROM conversation_state
        WHERE user_id = $1 AND promo_code IS NOT NULL AND promo_until > now()`,
      [telegramId],
    );
    return { promoCode: rows[0]?.promo_code ?? null };
  }

  async remember(telegramId: number, changes: Partial<FlowSession>): Promise<void> {
    if (changes.promoCode === undefined) return;
    if (changes.promoCode === null) {
      await this.db.query(
        "bot.conversation_forget",
        `UPDATE conversation_state SET promo_code = NULL, promo_until = NULL, updated_at = now()
          WHERE user_id = $1 AND promo_code IS NOT NULL`,
        [telegramId],
      );
      return;
    }
    await this.db.query(
      "bot.conversation_remember",
      `INSERT INTO conversation_state (user_id, promo_code, promo_until)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (user_id) DO UPDATE
         SET promo_code = EXCLUDED.promo_code, promo_until = EXCLUDED.promo_until,
             updated_at = now()`,
      [telegramId, changes.promoCode, this.options.sessionTtlMs / 1000],
    );
  }
}

class SenderConversation implements Conversation {
  constructor(
    private readonly store: ConversationStore,
    private readonly senderId: number,
    private readonly known: KnownConversation,
  ) {}

  async prompt(telegramId: number): Promise<InputPrompt | undefined> {
    if (telegramId !== this.senderId) return this.store.prompt(telegramId);
    return this.known.prompt ?? undefined;
  }

  async expect(telegramId: number, prompt: InputPrompt): Promise<void> {
    await this.store.expect(telegramId, prompt);
    if (telegramId === this.senderId) this.known.prompt = prompt;
  }

  async clearPrompt(telegramId: number): Promise<void> {
    if (telegramId === this.senderId && this.known.prompt === null) return;
    await this.store.clearPrompt(telegramId);
    if (telegramId === this.senderId) this.known.prompt = null;
  }

  async session(telegramId: number): Promise<FlowSession> {
    if (telegramId !== this.senderId) return this.store.session(telegramId);
    return { promoCode: this.known.promoCode };
  }

  async remember(telegramId: number, changes: Partial<FlowSession>): Promise<void> {
    const promoCode = changes.promoCode;
    if (promoCode === undefined) return;
    const own = telegramId === this.senderId;
    if (own && promoCode === null && this.known.promoCode === null) return;
    await this.store.remember(telegramId, changes);
    if (own) this.known.promoCode = promoCode;
  }
}
