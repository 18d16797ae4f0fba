import { Composer } from "grammy";
import { describe, expect, it } from "vitest";
import type { BotContext } from "../../src/bot/context.js";
import { Cb } from "../../src/bot/keyboards.js";
import { RateLimiter } from "../../src/bot/rate-limit.js";
import type { FlowAction, FlowName } from "../../src/bot/services.js";
import { loadConfig } from "../../src/config.js";
import { adminFeature } from "../../src/features/admin/feature.js";
import { adminGroups } from "../../src/features/admin/index.js";
import { paymentsFeature } from "../../src/features/buy/telegram-payments.js";
import { devicesFeature } from "../../src/features/devices/index.js";
import {
  assertDistinctPrefixes,
  callbackData,
  callbackParts,
  type Feature,
  prefixTrigger,
} from "../../src/features/feature.js";
import { encodeAction, FlowData } from "../../src/features/flows/codec.js";
import { chatFeatures } from "../../src/features/index.js";
import { InfoData } from "../../src/features/info/codec.js";
import { LanguageData } from "../../src/features/language/codec.js";
import { MenuData } from "../../src/features/menu/codec.js";
import { supportFeature } from "../../src/features/support/index.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";

const feature = (name: string, prefixes: string[]): Feature => ({
  name,
  prefixes,
  composer: new Composer<BotContext>(),
});

describe("callback prefixes", () => {
  it("two features claiming one prefix are refused", () => {
    expect(() => assertDistinctPrefixes([feature("a", ["x"]), feature("b", ["y", "x"])])).toThrow(
      /"x" is claimed by both a and b/,
    );
    expect(() => assertDistinctPrefixes([feature("a", ["x:y"])])).toThrow(/invalid/);
    expect(() => assertDistinctPrefixes([feature("a", ["x"]), feature("b", ["xy"])])).not.toThrow();
  });

  it("callback data beyond 64 bytes is refused where it is made", () => {
    expect(callbackData("au", 123, "g", 30)).toBe("au:123:g:30");
    expect(() => callbackData("au", "я".repeat(31))).toThrow(/longer than 64 bytes/);
  });

  it("a prefix's trigger matches its own data only", () => {
    const trigger = prefixTrigger("au");
    expect(trigger.exec("au")?.[1]).toBeUndefined();
    expect(callbackParts(trigger.exec("au:5:g")?.[1])).toEqual(["5", "g"]);
    expect(trigger.test("aux:5")).toBe(false);
    expect(trigger.test("xau:5")).toBe(false);
  });

  it("the console's groups claim distinct prefixes", () => {
    // Group factories build composers only: nothing here is called.
    const groups = adminGroups({
      config: loadConfig({ NODE_ENV: "test" }),
      db: undefined as never,
      logger: silentLogger(),
      metrics: createMetrics(),
      provisioning: undefined as never,
    });
    expect(() => assertDistinctPrefixes(groups)).not.toThrow();
    const devices = devicesFeature({
      db: undefined as never,
      vpn: undefined as never,
      logger: silentLogger(),
    });
    expect(() => assertDistinctPrefixes([...groups, devices])).not.toThrow();
  });

  it("every feature of the bot, customer and console, claims distinct prefixes", () => {
    expect(() => everyFeature()).not.toThrow();
    const names = everyFeature().map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(["start", "language", "menu", "info", "flows", "admin"]),
    );
    // A feature claiming a prefix another one owns stops the bot from being built.
    expect(() => chatFeatures({ ...chatDeps(), extra: [feature("intruder", ["menu"])] })).toThrow(
      /"menu" is claimed by both menu and intruder/,
    );
  });

  it("every button the bot makes fits 64 bytes and belongs to exactly one feature", () => {
    const features = everyFeature();
    for (const data of everyCallbackData()) {
      expect(Buffer.byteLength(data, "utf8"), data).toBeLessThanOrEqual(64);
      const owners = features.filter((f) =>
        f.prefixes.some((p) => data === p || data.startsWith(`${p}:`)),
      );
      expect(
        owners.map((f) => f.name),
        data,
      ).toHaveLength(1);
    }
  });

  it("buttons already in customers' chats keep their callback data byte for byte", () => {
    // The strings the keyboards have always produced: changing one strands old buttons.
    expect([
      MenuData.menu,
      MenuData.settings,
      InfoData.instructions,
      InfoData.support,
      InfoData.about,
      LanguageData.picker,
      LanguageData.choice("first", "en"),
      LanguageData.choice("set", "ru"),
      FlowData.open("buy"),
      Cb.withdrawalDecision(12, true),
      Cb.withdrawalDecision(12, false),
      encodeAction({ type: "buy_pay", plan: "basic", days: 30, method: "stars", shown: 83 }),
      encodeAction({ type: "buy_pay", plan: "basic", days: 30, method: "balance", shown: 0 }),
      encodeAction({ type: "promo_clear" }),
      encodeAction({ type: "auto_renew", on: false }),
      encodeAction({ type: "key_reissue", confirmed: true }),
      encodeAction({ type: "topup_pay", kopecks: 150_050, method: "crypto" }),
      encodeAction({ type: "topup_custom" }),
      encodeAction({ type: "withdraw_start" }),
    ]).toEqual([
      "menu",
      "settings",
      "instructions",
      "support",
      "about",
      "lang",
      "lang:first:en",
      "lang:set:ru",
      "f:buy",
      "wd:12:a",
      "wd:12:r",
      "b:basic:30:xtr:83",
      "b:basic:30:bal:0",
      "promo:x",
      "ar:0",
      "kr:y",
      "t:150050:cry",
      "t:custom",
      "w:start",
    ]);
  });
});

const config = loadConfig({ NODE_ENV: "test", ADMIN_IDS: "1" });

function chatDeps() {
  return { adminIds: [1], limiter: new RateLimiter(10, 1) };
}

/** Every feature the bot is built with (the console's composers are built, nothing is called). */
function everyFeature(): Feature[] {
  const admin = adminFeature({
    config,
    db: undefined as never,
    logger: silentLogger(),
    metrics: createMetrics(),
    provisioning: undefined as never,
  });
  const devices = devicesFeature({
    db: undefined as never,
    vpn: undefined as never,
    logger: silentLogger(),
  });
  const support = supportFeature({ db: undefined as never, adminIds: [1], logger: silentLogger() });
  const features = [
    ...chatFeatures({ ...chatDeps(), extra: [admin, devices, support] }),
    paymentsFeature(),
  ];
  assertDistinctPrefixes(features);
  return features;
}

/** Every callback data the customer keyboards can produce, at its longest where it varies. */
function everyCallbackData(): string[] {
  const flows: FlowName[] = ["profile", "buy", "key", "referral", "topup", "withdraw", "trial"];
  const longest = 999_999_999;
  const actions: FlowAction[] = [
    { type: "buy_plan", plan: "p".repeat(32) },
    { type: "buy_period", plan: "p".repeat(32), days: longest },
    ...(["balance", "stars", "card", "crypto"] as const).map(
      (method): FlowAction => ({
        type: "buy_pay",
        plan: "p".repeat(32),
        days: 3650,
        method,
        shown: 100_000_000,
      }),
    ),
    { type: "promo_enter" },
    { type: "promo_clear" },
    { type: "auto_renew", on: true },
    { type: "auto_renew", on: false },
    { type: "key_reissue", confirmed: false },
    { type: "key_reissue", confirmed: true },
    { type: "topup_amount", kopecks: longest },
    { type: "topup_custom" },
    { type: "topup_pay", kopecks: longest, method: "card" },
    { type: "topup_pay", kopecks: longest, method: "crypto" },
    { type: "withdraw_start" },
  ];
  const languages = new I18n(LOCALES).codes();
  const groups = adminGroups({
    config,
    db: undefined as never,
    logger: silentLogger(),
    metrics: createMetrics(),
    provisioning: undefined as never,
  });
  return [
    MenuData.menu,
    MenuData.settings,
    InfoData.instructions,
    InfoData.support,
    InfoData.about,
    LanguageData.picker,
    ...languages.flatMap((code) => [
      LanguageData.choice("first", code),
      LanguageData.choice("set", code),
    ]),
    ...flows.map((name) => FlowData.open(name)),
    ...actions.map(encodeAction),
    Cb.withdrawalDecision(Number.MAX_SAFE_INTEGER, true),
    Cb.withdrawalDecision(Number.MAX_SAFE_INTEGER, false),
    ...groups.flatMap((g) => (g.entry ? [g.entry.data] : [])),
  ];
}
