import type { TopUpMethod } from "../../bot/services.js";
import { COUNT, decodeWith, openData } from "../flows/codec.js";
import { featurePrompt } from "../prompts.js";

//   f:topup / f:withdraw             the top-up / withdrawal screens
//   t:<kopecks> / t:custom           top-up amount            t:<kopecks>:<method>  pay a top-up
//   w:start                          start a withdrawal request

export const TOPUP_PREFIX = "t";
export const WITHDRAW_PREFIX = "w";

/** A top-up button (data under "t"). */
export type TopUpAction =
  | { type: "amount"; kopecks: number }
  | { type: "custom" }
  | { type: "pay"; kopecks: number; method: TopUpMethod };

/** The wallet feature's callback data: top-ups and withdrawals. */
export const WalletData = {
  topUp: () => openData("topup"),
  withdraw: () => openData("withdraw"),
  topUpAmount: (kopecks: number) => `${TOPUP_PREFIX}:${kopecks}`,
  topUpCustom: () => `${TOPUP_PREFIX}:custom`,
  topUpPay: (kopecks: number, method: TopUpMethod) =>
    `${TOPUP_PREFIX}:${kopecks}:${method === "card" ? "card" : "cry"}`,
  withdrawStart: () => `${WITHDRAW_PREFIX}:start`,
} as const;

const TOPUP_PATTERNS: Array<readonly [RegExp, (m: RegExpExecArray) => TopUpAction | undefined]> = [
  [/^t:custom$/, () => ({ type: "custom" })],
  [new RegExp(`^t:${COUNT}$`), (m) => ({ type: "amount", kopecks: Number(m[1]) })],
  [
    new RegExp(`^t:${COUNT}:(card|cry)$`),
    (m) => ({ type: "pay", kopecks: Number(m[1]), method: m[2] === "card" ? "card" : "crypto" }),
  ],
];

/** The top-up button `data` stands for, or undefined (stale or not ours). */
export function decodeTopUp(data: string): TopUpAction | undefined {
  return decodeWith(TOPUP_PATTERNS, data);
}

/** True for the "request a withdrawal" button. */
export function decodeWithdraw(data: string): "start" | undefined {
  return data === "w:start" ? "start" : undefined;
}

/** The wallet feature's name: its questions (`WalletPrompts`) are answered by its composer. */
export const WALLET_FEATURE = "wallet";

/** The steps of the wallet's questions, as stored prompts keep them. */
export const WalletSteps = {
  topUpAmount: "topup_amount",
  withdrawAmount: "withdraw_amount",
  withdrawRequisites: "withdraw_requisites",
} as const;

/** The questions the wallet feature asks. */
export const WalletPrompts = {
  topUpAmount: () => featurePrompt(WALLET_FEATURE, WalletSteps.topUpAmount),
  withdrawAmount: () => featurePrompt(WALLET_FEATURE, WalletSteps.withdrawAmount),
  withdrawRequisites: (amountKopecks: number) =>
    featurePrompt(WALLET_FEATURE, WalletSteps.withdrawRequisites, { amountKopecks }),
} as const;
