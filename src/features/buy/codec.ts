import type { PayMethod } from "../../bot/services.js";
import { COUNT, COUNT_OR_ZERO, decodeWith, openData } from "../flows/codec.js";
import { featurePrompt } from "../prompts.js";

//   f:buy                            the plans
//   b:<plan>                         choose a plan            b:<plan>:<days>  choose a period
//   b:<plan>:<days>:<method>:<shown> pay (shown = the price on the button)
//   promo / promo:x                  enter / remove a promo code

export const BUY_PREFIX = "b";
export const PROMO_PREFIX = "promo";

/** A buy button (data under "b"). */
export type BuyAction =
  | { type: "plan"; plan: string }
  | { type: "period"; plan: string; days: number }
  /** `shown`: the price on the button (kopecks; Stars for `stars`): never charge another one. */
  | { type: "pay"; plan: string; days: number; method: PayMethod; shown: number };

/** A promo code button (data under "promo"). */
export type PromoAction = "enter" | "clear";

const METHOD_CODES: Record<PayMethod, string> = {
  balance: "bal",
  stars: "xtr",
  card: "card",
  crypto: "cry",
};
const METHOD_BY_CODE = new Map(
  Object.entries(METHOD_CODES).map(([method, code]) => [code, method as PayMethod]),
);

/** The buy feature's callback data. */
export const BuyData = {
  open: () => openData("buy"),
  plan: (plan: string) => `${BUY_PREFIX}:${plan}`,
  period: (plan: string, days: number) => `${BUY_PREFIX}:${plan}:${days}`,
  pay: (plan: string, days: number, method: PayMethod, shown: number) =>
    `${BUY_PREFIX}:${plan}:${days}:${METHOD_CODES[method]}:${shown}`,
  promoEnter: () => PROMO_PREFIX,
  promoClear: () => `${PROMO_PREFIX}:x`,
} as const;

const PLAN = "([a-z][a-z0-9_]{0,31})";
const BUY_PATTERNS: Array<readonly [RegExp, (m: RegExpExecArray) => BuyAction | undefined]> = [
  [new RegExp(`^b:${PLAN}$`), (m) => ({ type: "plan", plan: m[1] ?? "" })],
  [
    new RegExp(`^b:${PLAN}:${COUNT}$`),
    (m) => ({ type: "period", plan: m[1] ?? "", days: Number(m[2]) }),
  ],
  [
    new RegExp(`^b:${PLAN}:${COUNT}:(bal|xtr|card|cry):${COUNT_OR_ZERO}$`),
    (m) => {
      const method = METHOD_BY_CODE.get(m[3] ?? "");
      return method
        ? { type: "pay", plan: m[1] ?? "", days: Number(m[2]), method, shown: Number(m[4]) }
        : undefined;
    },
  ],
];

/** The buy button `data` stands for, or undefined (stale or not ours). */
export function decodeBuy(data: string): BuyAction | undefined {
  return decodeWith(BUY_PATTERNS, data);
}

/** The promo code button `data` stands for, or undefined. */
export function decodePromo(data: string): PromoAction | undefined {
  return data === "promo" ? "enter" : data === "promo:x" ? "clear" : undefined;
}

/** The buy feature's name: its questions (`BuyPrompts`) are answered by its composer. */
export const BUY_FEATURE = "buy";

/** The steps of the buy feature's questions, as stored prompts keep them. */
export const BuySteps = { promoCode: "promo_code" } as const;

/** The questions the buy feature asks. */
export const BuyPrompts = {
  promoCode: () => featurePrompt(BUY_FEATURE, BuySteps.promoCode),
} as const;
