import { describe, expect, it } from "vitest";
import type { FlowAction } from "../../src/bot/services.js";
import { parseRubles } from "../../src/bot-services/wallet.js";
import { decodeAction, encodeAction } from "../../src/features/flows/codec.js";
import { plainText } from "../../src/locales/format.js";
import { I18n, LOCALES } from "../../src/locales/index.js";

describe("flow buttons' callback data", () => {
  const every: FlowAction[] = [
    { type: "buy_plan", plan: "basic" },
    { type: "buy_period", plan: "plus", days: 365 },
    { type: "buy_pay", plan: "basic", days: 30, method: "balance", shown: 14_900 },
    { type: "buy_pay", plan: "basic", days: 30, method: "stars", shown: 83 },
    { type: "buy_pay", plan: "basic", days: 30, method: "card", shown: 14_900 },
    { type: "buy_pay", plan: "basic", days: 30, method: "crypto", shown: 14_900 },
    { type: "buy_pay", plan: "basic", days: 30, method: "balance", shown: 0 },
    { type: "promo_enter" },
    { type: "promo_clear" },
    { type: "auto_renew", on: true },
    { type: "auto_renew", on: false },
    { type: "key_reissue", confirmed: false },
    { type: "key_reissue", confirmed: true },
    { type: "topup_amount", kopecks: 25_000 },
    { type: "topup_custom" },
    { type: "topup_pay", kopecks: 150_050, method: "card" },
    { type: "topup_pay", kopecks: 150_050, method: "crypto" },
    { type: "withdraw_start" },
  ];

  it("every action survives the round trip and fits Telegram's 64 bytes", () => {
    for (const action of every) {
      const data = encodeAction(action);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeAction(data)).toEqual(action);
    }
    // The longest possible: a 32-character plan id, 4-digit period, 9-digit price.
    const longest = encodeAction({
      type: "buy_pay",
      plan: "a".repeat(32),
      days: 3650,
      method: "crypto",
      shown: 100_000_000,
    });
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(64);
  });

  it("data that is not (or no longer) an action decodes to nothing: the stale handler answers", () => {
    for (const data of [
      "b:",
      "b:Basic",
      "b:basic:0",
      "b:basic:30:usd:1",
      "ar:2",
      "t:-5",
      "kr:n",
      "w:go",
    ]) {
      expect(decodeAction(data)).toBeUndefined();
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
