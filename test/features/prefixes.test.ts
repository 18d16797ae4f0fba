import { Composer } from "grammy";
import { describe, expect, it } from "vitest";
import type { BotContext } from "../../src/bot/context.js";
import { Cb } from "../../src/bot/keyboards.js";
import { RateLimiter } from "../../src/bot/rate-limit.js";
import { loadConfig } from "../../src/config.js";
import { adminFeature } from "../../src/features/admin/feature.js";
import { adminGroups } from "../../src/features/admin/index.js";
import { BuyData } from "../../src/features/buy/codec.js";
import { paymentsFeature } from "../../src/features/buy/telegram-payments.js";
import { devicesFeature } from "../../src/features/devices/index.js";
import {
  assertDistinctPrefixes,
  callbackData,
  callbackParts,
  type Feature,
  ownsData,
  prefixTrigger,
} from "../../src/features/feature.js";
import { chatFeatures } from "../../src/features/index.js";
import { InfoData } from "../../src/features/info/codec.js";
import { KeyData } from "../../src/features/key/codec.js";
import { LanguageData } from "../../src/features/language/codec.js";
import { MenuData } from "../../src/features/menu/codec.js";
import { ProfileData } from "../../src/features/profile/codec.js";
import { ReferralData } from "../../src/features/referral/codec.js";
import { supportFeature } from "../../src/features/support/index.js";
import { TrialData } from "../../src/features/trial/codec.js";
import { WalletData } from "../../src/features/wallet/codec.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";

const feature = (name: string, prefixes: string[], exact?: string[]): Feature => ({
  name,
  prefixes,
  ...(exact ? { exact } : {}),
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

  it("two features claiming one exact data, or one under another's prefix, are refused", () => {
    expect(() =>
      assertDistinctPrefixes([feature("a", [], ["f:buy"]), feature("b", [], ["f:buy"])]),
    ).toThrow(/"f:buy" is claimed by both a and b/);
    // Exact data under a prefix, whichever comes first.
    expect(() =>
      assertDistinctPrefixes([feature("a", ["f"]), feature("b", [], ["f:buy"])]),
    ).toThrow(/"f:buy" is claimed by both a and b/);
    expect(() =>
      assertDistinctPrefixes([feature("b", [], ["f:buy"]), feature("a", ["f"])]),
    ).toThrow(/"f:buy" is claimed by both a and b/);
    expect(() =>
      assertDistinctPrefixes([feature("a", ["menu"]), feature("b", [], ["menu"])]),
    ).toThrow(/"menu" is claimed by both a and b/);
    expect(() =>
      assertDistinctPrefixes([feature("a", [], ["f:buy"]), feature("b", [], ["f:key"])]),
    ).not.toThrow();
    expect(() =>
      assertDistinctPrefixes([feature("a", ["fx"]), feature("b", [], ["f:x"])]),
    ).not.toThrow();
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
      expect.arrayContaining([
        "start",
        "language",
        "menu",
        "info",
        "profile",
        "buy",
        "key",
        "referral",
        "wallet",
        "trial",
        "admin",
      ]),
    );
    // A feature claiming a prefix another one owns stops the bot from being built.
    expect(() => chatFeatures({ ...chatDeps(), extra: [feature("intruder", ["menu"])] })).toThrow(
      /"menu" is claimed by both menu and intruder/,
    );
    // So does one claiming another flow's opening data.
    expect(() =>
      chatFeatures({ ...chatDeps(), extra: [feature("intruder", [], ["f:wallet", "f:topup"])] }),
    ).toThrow(/"f:topup" is claimed by both intruder and wallet/);
    expect(() => chatFeatures({ ...chatDeps(), extra: [feature("intruder", ["f"])] })).toThrow(
      /"f:profile" is claimed by both intruder and profile/,
    );
  });

  it("every button the bot makes fits 64 bytes and belongs to exactly one feature", () => {
    const features = everyFeature();
    for (const data of everyCallbackData()) {
      expect(Buffer.byteLength(data, "utf8"), data).toBeLessThanOrEqual(64);
      const owners = features.filter((f) => ownsData(f, data));
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
      BuyData.open(),
      Cb.withdrawalDecision(12, true),
      Cb.withdrawalDecision(12, false),
      BuyData.pay("basic", 30, "stars", 83),
      BuyData.pay("basic", 30, "balance", 0),
      BuyData.promoClear(),
      ProfileData.autoRenew(false),
      KeyData.reissue(true),
      WalletData.topUpPay(150_050, "crypto"),
      WalletData.topUpCustom(),
      WalletData.withdrawStart(),
      ProfileData.open(),
      KeyData.open(),
      ReferralData.open(),
      WalletData.topUp(),
      WalletData.withdraw(),
      TrialData.open(),
      BuyData.plan("basic"),
      BuyData.period("basic", 30),
      BuyData.pay("basic", 30, "card", 14_900),
      BuyData.pay("basic", 30, "crypto", 14_900),
      BuyData.promoEnter(),
      ProfileData.autoRenew(true),
      KeyData.reissue(false),
      WalletData.topUpAmount(25_000),
      WalletData.topUpPay(25_000, "card"),
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
      "f:profile",
      "f:key",
      "f:referral",
      "f:topup",
      "f:withdraw",
      "f:trial",
      "b:basic",
      "b:basic:30",
      "b:basic:30:card:14900",
      "b:basic:30:cry:14900",
      "promo",
      "ar:1",
      "kr",
      "t:25000",
      "t:25000:card",
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
  const longest = 999_999_999;
  const plan = "p".repeat(32);
  const flowData = [
    ProfileData.open(),
    BuyData.open(),
    KeyData.open(),
    ReferralData.open(),
    WalletData.topUp(),
    WalletData.withdraw(),
    TrialData.open(),
    BuyData.plan(plan),
    BuyData.period(plan, longest),
    ...(["balance", "stars", "card", "crypto"] as const).map((method) =>
      BuyData.pay(plan, 3650, method, 100_000_000),
    ),
    BuyData.promoEnter(),
    BuyData.promoClear(),
    ProfileData.autoRenew(true),
    ProfileData.autoRenew(false),
    KeyData.reissue(false),
    KeyData.reissue(true),
    WalletData.topUpAmount(longest),
    WalletData.topUpCustom(),
    WalletData.topUpPay(longest, "card"),
    WalletData.topUpPay(longest, "crypto"),
    WalletData.withdrawStart(),
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
    ...flowData,
    Cb.withdrawalDecision(Number.MAX_SAFE_INTEGER, true),
    Cb.withdrawalDecision(Number.MAX_SAFE_INTEGER, false),
    ...groups.flatMap((g) => (g.entry ? [g.entry.data] : [])),
  ];
}
