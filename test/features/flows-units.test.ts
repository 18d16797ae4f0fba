import { describe, expect, it } from "vitest";
import { BuyData, decodeBuy, decodePromo } from "../../src/features/buy/codec.js";
import { decodeReissue, KeyData } from "../../src/features/key/codec.js";
import { decodeAutoRenew, ProfileData } from "../../src/features/profile/codec.js";
import { decodeTopUp, decodeWithdraw, WalletData } from "../../src/features/wallet/codec.js";
import { plainText } from "../../src/locales/format.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import { parseRubles } from "../../src/util/money.js";

/** Every flow button's data with the decoder of the feature that owns it and what it means. */
const every: Array<[data: string, decode: (data: string) => unknown, meaning: unknown]> = [
  [BuyData.plan("basic"), decodeBuy, { type: "plan", plan: "basic" }],
  [BuyData.period("plus", 365), decodeBuy, { type: "period", plan: "plus", days: 365 }],
  ...(["balance", "stars", "card", "crypto"] as const).map(
    (method): [string, (data: string) => unknown, unknown] => [
      BuyData.pay("basic", 30, method, 14_900),
      decodeBuy,
      { type: "pay", plan: "basic", days: 30, method, shown: 14_900 },
    ],
  ),
  [
    BuyData.pay("basic", 30, "balance", 0),
    decodeBuy,
    { type: "pay", plan: "basic", days: 30, method: "balance", shown: 0 },
  ],
  [BuyData.promoEnter(), decodePromo, "enter"],
  [BuyData.promoClear(), decodePromo, "clear"],
  [ProfileData.autoRenew(true), decodeAutoRenew, { on: true }],
  [ProfileData.autoRenew(false), decodeAutoRenew, { on: false }],
  [KeyData.reissue(false), decodeReissue, { confirmed: false }],
  [KeyData.reissue(true), decodeReissue, { confirmed: true }],
  [WalletData.topUpAmount(25_000), decodeTopUp, { type: "amount", kopecks: 25_000 }],
  [WalletData.topUpCustom(), decodeTopUp, { type: "custom" }],
  [
    WalletData.topUpPay(150_050, "card"),
    decodeTopUp,
    { type: "pay", kopecks: 150_050, method: "card" },
  ],
  [
    WalletData.topUpPay(150_050, "crypto"),
    decodeTopUp,
    { type: "pay", kopecks: 150_050, method: "crypto" },
  ],
  [WalletData.withdrawStart(), decodeWithdraw, "start"],
];

describe("flow buttons' callback data", () => {
  it("every action survives the round trip and fits Telegram's 64 bytes", () => {
    for (const [data, decode, meaning] of every) {
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decode(data), data).toEqual(meaning);
    }
    // The longest possible: a 32-character plan id, 4-digit period, 9-digit price.
    const longest = BuyData.pay("a".repeat(32), 3650, "crypto", 100_000_000);
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(64);
  });

  it("data that is not (or no longer) an action decodes to nothing: the stale handler answers", () => {
    const decoders = [
      decodeBuy,
      decodePromo,
      decodeAutoRenew,
      decodeReissue,
      decodeTopUp,
      decodeWithdraw,
    ];
    for (const data of [
      "b:",
      "b:Basic",
      "b:basic:0",
      "b:basic:30:usd:1",
      "ar:2",
      "t:-5",
      "kr:n",
      "w:go",
      "promo:y",
    ]) {
      for (const decode of decoders) expect(decode(data), data).toBeUndefined();
    }
  });
});

describe("amounts typed by customers", () => {
  it("reads rubles exactly as kopecks", () => {
    expect(parseRubles("500")).toBe(50_000);
    expect(parseRubles("499.9")).toBe(49_990);
    expect(parseRubles("1 000,50 ₽")).toBe(100_050);
    expect(parseRubles("250р")).toBe(25_000);
    expect(parseRubles("0.01")).toBe(1);
    for (const junk of ["", "abc", "1.234", "-5", "1e3", "5 000 000 000"]) {
      expect(parseRubles(junk)).toBeUndefined();
    }
  });
});

describe("texts", () => {
  it("nested messages render in the same language (plan names inside price lines)", () => {
    const i18n = new I18n(LOCALES);
    const vars = { plan: { msg: "plan.name", vars: { id: "basic" } }, price: { kopecks: 14_900 } };
    expect(i18n.t("en", "buy.plan_button", vars)).toBe("Basic — from ₽149");
    expect(i18n.t("ru", "buy.plan_button", vars).replace(/\u00a0/g, " ")).toBe(
      "Базовый — от 149 ₽",
    );
    // An operator's plan without texts shows its id.
    expect(i18n.t("en", "plan.name", { id: "family" })).toBe("family");
  });

  it("invoice texts are plain and within Telegram's limits", () => {
    expect(plainText("<b>VPN &amp; more</b> &lt;3", 32)).toBe("VPN & more <3");
    expect([...plainText("x".repeat(40), 32)]).toHaveLength(32);
  });
});
