import type { Customer, FlowSession, PayMethod, Screen } from "../../bot/services.js";

/** Buy / renew (SPEC flows 5, 6): what the buy feature's buttons, command and answers call. */
export interface BuyPort {
  /** The plans, each from its lowest price, with the discount in force. */
  open(customer: Customer, session: FlowSession): Promise<Screen>;
  /** The periods of one plan. */
  plan(customer: Customer, session: FlowSession, plan: string): Promise<Screen>;
  /** One plan and period: the price and how to pay. */
  period(customer: Customer, session: FlowSession, plan: string, days: number): Promise<Screen>;
  /** A pay button; `shown` is the price on it: another price now is shown, never charged. */
  pay(
    customer: Customer,
    session: FlowSession,
    choice: { plan: string; days: number; method: PayMethod; shown: number },
  ): Promise<Screen>;
  /** "Enter a promo code": asks for it (`BuyPrompts.promoCode`). */
  promoPrompt(customer: Customer): Promise<Screen>;
  promoClear(customer: Customer): Promise<Screen>;
  /** A typed promo code. */
  promoAnswer(customer: Customer, text: string): Promise<Screen>;
}
