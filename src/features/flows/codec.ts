import type { FlowAction, FlowName, PayMethod } from "../../bot/services.js";

/** The flows feature's callback data: opening a flow, and a flow's own actions. */
export const FlowData = {
  open: (name: FlowName) => `f:${name}`,
  action: (action: FlowAction) => encodeAction(action),
} as const;

/** The prefixes of every string above: `f:<flow>` and the actions' first part. */
export const FLOW_PREFIXES = ["f", "b", "promo", "ar", "kr", "t", "w"] as const;

export const FLOW_DATA = /^f:(profile|buy|key|referral|topup|withdraw|trial)$/;

// --- flow actions ---------------------------------------------------------------------------
//
//   b:<plan>                         choose a plan            b:<plan>:<days>  choose a period
//   b:<plan>:<days>:<method>:<shown> pay (shown = the price on the button)
//   promo / promo:x                  enter / remove a promo code
//   ar:<1|0>                         auto-renew on/off        kr / kr:y  reissue the key (confirm)
//   t:<kopecks> / t:custom           top-up amount            t:<kopecks>:<method>  pay a top-up
//   w:start                          start a withdrawal request

const METHOD_CODES: Record<PayMethod, string> = {
  balance: "bal",
  stars: "xtr",
  card: "card",
  crypto: "cry",
};
const METHOD_BY_CODE = new Map(
  Object.entries(METHOD_CODES).map(([method, code]) => [code, method as PayMethod]),
);

const PLAN = "([a-z][a-z0-9_]{0,31})";
/** A positive whole number (days, kopecks, ids) and the same or zero. */
const POSITIVE = "[1-9]\\d{0,8}";
const COUNT = `(${POSITIVE})`;
const COUNT_OR_ZERO = `(0|${POSITIVE})`;
const ACTION_PATTERNS: Array<[RegExp, (m: RegExpExecArray) => FlowAction | undefined]> = [
  [new RegExp(`^b:${PLAN}$`), (m) => ({ type: "buy_plan", plan: m[1] ?? "" })],
  [
    new RegExp(`^b:${PLAN}:${COUNT}$`),
    (m) => ({ type: "buy_period", plan: m[1] ?? "", days: Number(m[2]) }),
  ],
  [
    new RegExp(`^b:${PLAN}:${COUNT}:(bal|xtr|card|cry):${COUNT_OR_ZERO}$`),
    (m) => {
      const method = METHOD_BY_CODE.get(m[3] ?? "");
      return method
        ? { type: "buy_pay", plan: m[1] ?? "", days: Number(m[2]), method, shown: Number(m[4]) }
        : undefined;
    },
  ],
  [/^promo$/, () => ({ type: "promo_enter" })],
  [/^promo:x$/, () => ({ type: "promo_clear" })],
  [/^ar:([01])$/, (m) => ({ type: "auto_renew", on: m[1] === "1" })],
  [/^kr$/, () => ({ type: "key_reissue", confirmed: false })],
  [/^kr:y$/, () => ({ type: "key_reissue", confirmed: true })],
  [/^t:custom$/, () => ({ type: "topup_custom" })],
  [new RegExp(`^t:${COUNT}$`), (m) => ({ type: "topup_amount", kopecks: Number(m[1]) })],
  [
    new RegExp(`^t:${COUNT}:(card|cry)$`),
    (m) => ({
      type: "topup_pay",
      kopecks: Number(m[1]),
      method: m[2] === "card" ? "card" : "crypto",
    }),
  ],
  [/^w:start$/, () => ({ type: "withdraw_start" })],
];

/** Every callback data `encodeAction` can produce (the flows feature listens for these). */
export const ACTION_DATA = /^(?:b:|promo|ar:|kr|t:|w:)/;

export function encodeAction(action: FlowAction): string {
  switch (action.type) {
    case "buy_plan":
      return `b:${action.plan}`;
    case "buy_period":
      return `b:${action.plan}:${action.days}`;
    case "buy_pay":
      return `b:${action.plan}:${action.days}:${METHOD_CODES[action.method]}:${action.shown}`;
    case "promo_enter":
      return "promo";
    case "promo_clear":
      return "promo:x";
    case "auto_renew":
      return `ar:${action.on ? 1 : 0}`;
    case "key_reissue":
      return action.confirmed ? "kr:y" : "kr";
    case "topup_amount":
      return `t:${action.kopecks}`;
    case "topup_custom":
      return "t:custom";
    case "topup_pay":
      return `t:${action.kopecks}:${action.method === "card" ? "card" : "cry"}`;
    case "withdraw_start":
      return "w:start";
  }
}

/** The action a button's callback data stands for, or undefined (stale or not ours). */
export function decodeAction(data: string): FlowAction | undefined {
  for (const [pattern, build] of ACTION_PATTERNS) {
    const match = pattern.exec(data);
    if (match) return build(match);
  }
  return undefined;
}
