import type { Customer, Screen, TopUpMethod } from "../../bot/services.js";

/** Top-up (SPEC flow 9) and withdrawal of referral earnings (flow 10). */
export interface WalletPort {
  topUp(customer: Customer): Promise<Screen>;
  /** A preset amount's button: its payment methods. */
  topUpAmount(customer: Customer, kopecks: number): Promise<Screen>;
  /** "Other amount": asks for it (`WalletPrompts.topUpAmount`). */
  topUpCustom(customer: Customer): Promise<Screen>;
  topUpPay(customer: Customer, kopecks: number, method: TopUpMethod): Promise<Screen>;
  /** A typed top-up amount. */
  topUpAnswer(customer: Customer, text: string): Promise<Screen>;
  withdraw(customer: Customer): Promise<Screen>;
  /** "Request a withdrawal": asks for the amount. */
  withdrawStart(customer: Customer): Promise<Screen>;
  /** A typed withdrawal amount: then the payout details are asked for. */
  withdrawAmountAnswer(customer: Customer, text: string): Promise<Screen>;
  /** Typed payout details for `amountKopecks` (what the amount question collected). */
  withdrawRequisitesAnswer(
    customer: Customer,
    amountKopecks: number,
    text: string,
  ): Promise<Screen>;
}
