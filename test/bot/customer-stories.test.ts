import { InlineKeyboard } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotRuntime } from "../../src/bot/runtime.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import type { Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { captureLogs } from "../support/logs.js";
import { testSandbox } from "../support/sandbox.js";
import { callBot } from "../support/sandbox-http.js";
import { type Fakes, fakeServices, PLACEHOLDER } from "./support/fakes.js";
import { buttonTexts, histogramCount, roleOf, testRuntime, until } from "./support/testbed.js";

const i18n = new I18n(LOCALES);
const ru = (key: Parameters<I18n["t"]>[1], vars?: Parameters<I18n["t"]>[2]) =>
  i18n.t("ru", key, vars);
const en = (key: Parameters<I18n["t"]>[1], vars?: Parameters<I18n["t"]>[2]) =>
  i18n.t("en", key, vars);

let sandbox: Sandbox;
let sb: SandboxClient;
let fakes: Fakes;
let runtime: BotRuntime;
let metrics: Metrics;
let db: Awaited<ReturnType<typeof testDb>>;
const logs = captureLogs("info");

beforeAll(async () => {
  sandbox = await testSandbox();
  sb = sandboxClient(sandbox.url);
  fakes = fakeServices();
  db = await testDb();
  ({ runtime, metrics } = testRuntime({
    sandbox,
    db,
    services: fakes.services,
    logger: logs.logger,
    options: { rateLimitCapacity: 3, rateLimitRefillPerSecond: 0.01 },
  }));
  await runtime.start();
  await until(() => roleOf(runtime) === "leader");
});

afterAll(() => runtime.stop());

describe("onboarding", () => {
  it("/start for a new customer: language picker, then the menu in English with the trial button", async () => {
    const alice = sb.customer(1001, { first_name: "Alice", language_code: "ru" });
    await alice.send("/start");
    const picker = await alice.waitForMessage();
    expect(picker.text).toBe(ru("language.prompt"));
    expect(buttonTexts(picker.reply_markup)).toEqual(["Русский", "English"]);
    expect(fakes.users.starts.at(-1)).toMatchObject({
      telegramId: 1001,
      firstName: "Alice",
      languageCode: "ru",
    });
    expect(fakes.users.starts.at(-1)?.referrerTelegramId).toBeUndefined();

    await alice.press("English");
    const menu = await alice.waitForMessage((m) => m.message_id === picker.message_id);
    expect(menu.edited).toBe(true);
    expect(menu.parse_mode).toBe("HTML");
    expect(menu.text).toContain("Hello, Alice!");
    expect(menu.text).toContain(en("start.trial_offer", { days: 3 }));
    expect(menu.text).toContain(en("menu.title"));
    expect(buttonTexts(menu.reply_markup)).toEqual([
      "🎁 Free trial — 3 days",
      "👤 Profile",
      "💳 Buy / renew",
      "📲 How to connect",
      "🤝 Invite friends",
      "💬 Support",
      "ℹ️ About & privacy",
      "⚙️ Settings",
    ]);
    expect(fakes.users.users.get(1001)?.language).toBe("en");
  });

  it("a returning customer sees the menu directly, in their language", async () => {
    const alice = sb.customer(1001);
    await alice.send("/start");
    const menu = await alice.waitForMessage();
    expect(menu.text).toContain(en("start.welcome_back", { name: "Alice" }));
    expect(menu.text).toContain(en("menu.title"));
    expect(buttonTexts(menu.reply_markup)).toContain("👤 Profile");
  });

  it("/start ref_<id> passes the referrer, and the referrer is told in their language", async () => {
    const bob = sb.customer(1002, { first_name: "Bob", language_code: "en" });
    await bob.send("/start");
    await bob.waitForMessage();
    await bob.press("English");
    await bob.waitForMessage((m) => m.edited);

    const carol = sb.customer(1003, { first_name: "Carol", language_code: "en-US" });
    await carol.send("/start ref_1002");
    const picker = await carol.waitForMessage();
    expect(fakes.users.starts.at(-1)).toMatchObject({ telegramId: 1003, referrerTelegramId: 1002 });
    // Telegram said en-US: the picker speaks English and mentions the invitation.
    expect(picker.text).toBe(`${en("start.invited")}\n\n${en("language.prompt")}`);
    const told = await bob.waitForMessage((m) => m.text === en("referral.new_invitee"));
    expect(told.reply_markup).toBeNull();

    // A self-referral is never passed on.
    const dave = sb.customer(1004);
    await dave.send("/start ref_1004");
    await dave.waitForMessage();
    expect(fakes.users.starts.at(-1)?.referrerTelegramId).toBeUndefined();
  });

  it("/language switches the language", async () => {
    const alice = sb.customer(1001);
    await alice.send("/language");
    const picker = await alice.waitForMessage();
    expect(picker.text).toBe(en("language.prompt"));
    expect(buttonTexts(picker.reply_markup)).toEqual(["Русский", "✓ English", en("nav.back")]);
    await alice.press("Русский");
    const menu = await alice.waitForMessage((m) => m.message_id === picker.message_id);
    expect(menu.text).toContain(ru("language.changed", { language: "Русский" }));
    expect(menu.text).toContain(ru("menu.title"));
    expect(fakes.users.users.get(1001)?.language).toBe("ru");

    await alice.send("/help");
    expect((await alice.waitForMessage()).text).toBe(ru("help.text"));
  });

  it("settings → language → English, by buttons", async () => {
    const alice = sb.customer(1001);
    await alice.send("/start");
    await alice.waitForMessage();
    await alice.press(ru("menu.settings"));
    const settings = await alice.waitForMessage((m) => m.edited);
    expect(settings.text).toBe(ru("settings.title", { language: "Русский" }));
    await alice.press(ru("settings.language"));
    await alice.waitForMessage((m) => m.text === ru("language.prompt"));
    await alice.press("English");
    const menu = await alice.waitForMessage((m) => m.text?.includes(en("menu.title")) ?? false);
    expect(menu.text).toContain(en("language.changed", { language: "English" }));
  });
});

describe("menu and screens", () => {
  it("shows the incident banner on top and hides the trial when not eligible", async () => {
    const erin = sb.customer(1005, { first_name: "Erin", language_code: "en" });
    await erin.send("/start");
    await erin.waitForMessage();
    await erin.press("English");
    await erin.waitForMessage((m) => m.edited);
    fakes.menu.incidentBanner = "Maintenance <tonight> 22:00–23:00";
    const user = fakes.users.users.get(1005);
    if (user) user.trialUsed = true;
    try {
      await erin.send("/start");
      const menu = await erin.waitForMessage();
      expect(menu.text?.startsWith(en("menu.incident", { text: fakes.menu.incidentBanner }))).toBe(
        true,
      );
      // Operator text is escaped, never parsed as HTML.
      expect(menu.text).toContain("Maintenance &lt;tonight&gt;");
      expect(buttonTexts(menu.reply_markup)).not.toContain("🎁 Free trial — 3 days");
    } finally {
      fakes.menu.incidentBanner = null;
    }
  });

  it("instructions, support and about use the operator's links", async () => {
    const erin = sb.customer(1005);
    await erin.send("/start");
    await erin.waitForMessage();

    await erin.press("📲 How to connect");
    const instructions = await erin.waitForMessage((m) => m.edited);
    expect(instructions.text).toContain(en("instructions.steps"));
    expect(instructions.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: "🍏 iPhone / iPad", url: "https://apps.example/ios" },
          { text: "🤖 Android", url: "https://apps.example/android" },
        ],
        [{ text: "🔑 My key", callback_data: "f:key" }],
        [{ text: "🏠 Main menu", callback_data: "menu" }],
      ],
    });
    await erin.press("🏠 Main menu");
    await erin.waitForMessage((m) => m.text?.includes(en("menu.title")) ?? false);

    await erin.press("💬 Support");
    const support = await erin.waitForMessage((m) => m.text?.includes("Support") ?? false);
    expect(support.text).toContain(en("support.contact", { contact: "@vpn_support" }));
    expect(support.text).toContain("<code>1005</code>");
    expect(support.reply_markup).toMatchObject({
      inline_keyboard: [[{ text: en("support.button"), url: "https://t.me/vpn_support" }], [{}]],
    });
    await erin.press("🏠 Main menu");
    await erin.waitForMessage((m) => m.text?.includes(en("menu.title")) ?? false);

    fakes.info.texts.privacy = "We keep nothing & never log.";
    await erin.press("ℹ️ About & privacy");
    const about = await erin.waitForMessage((m) => m.text?.includes("Privacy") ?? false);
    expect(about.text).toContain(en("about.text", { bot: "Sandbox VPN Bot" }));
    expect(about.text).toContain("We keep nothing &amp; never log.");
    expect(buttonTexts(about.reply_markup)).toEqual([en("about.privacy_link"), "🏠 Main menu"]);
    fakes.info.texts.privacy = null;
  });

  it("flow buttons and commands show what the port returns", async () => {
    const erin = sb.customer(1005);
    fakes.profile.open = async (customer) => ({
      text: [{ key: "support.your_id", vars: { id: String(customer.telegramId) } }],
      buttons: [[{ label: { key: "menu.buy" }, callbackData: "f:buy" }]],
    });
    await erin.send("/profile");
    const profile = await erin.waitForMessage();
    expect(profile.text).toBe(en("support.your_id", { id: "1005" }));
    expect(profile.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: "💳 Buy / renew", callback_data: "f:buy" }],
        [{ text: "🏠 Main menu", callback_data: "menu" }],
      ],
    });
    await erin.press("💳 Buy / renew");
    const buy = await erin.waitForMessage((m) => m.edited);
    expect(buy.text).toBe(en("screen.refreshed"));
  });

  it("a key screen with a QR code is sent as a photo", async () => {
    const erin = sb.customer(1005);
    fakes.key.open = async () => ({
      text: { key: "instructions.key" },
      qrCode: "vless://00000000-0000-4000-8000-000000000000@vpn.example:443",
    });
    await erin.send("/key");
    const photo = await erin.waitForMessage((m) => m.photo !== null);
    expect(photo.caption).toBe(en("instructions.key"));
    const png = await sb.file(photo.photo?.file_id ?? "");
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("an unknown message gets a hint and the menu", async () => {
    const erin = sb.customer(1005);
    await erin.send("what is this?");
    const reply = await erin.waitForMessage();
    expect(reply.text).toContain(en("unhandled.text"));
    expect(buttonTexts(reply.reply_markup)).toContain("👤 Profile");
  });

  it("a stale button is answered and replaced by the current menu", async () => {
    const erin = sb.customer(1005);
    await runtime.bot.api.sendMessage(1005, "an old message", {
      reply_markup: new InlineKeyboard().text("Old action", "old:v1:action"),
    });
    await erin.press("Old action");
    const menu = await erin.waitForMessage((m) => m.edited);
    expect(menu.text).toContain(en("menu.title"));
    const answers = await sb.calls("telegram", "answerCallbackQuery");
    expect(answers.at(-1)?.request).toMatchObject({ text: en("callback.stale") });
    expect(answers.at(-1)?.status).toBe(200);
  });
});

describe("pipeline", () => {
  it("answers a failing handler politely and logs update_id and user_id", async () => {
    const frank = sb.customer(1006, { language_code: "en" });
    await frank.send("/start");
    await frank.waitForMessage();
    await frank.press("English");
    await frank.waitForMessage((m) => m.edited);
    fakes.referral.open = async () => {
      throw new Error("referral port exploded");
    };
    const { update_id } = await frank.send("/referral");
    const reply = await frank.waitForMessage();
    expect(reply.text).toBe(en("error.generic"));
    const line = await until(() => logs.find("update handler failed"));
    expect(line).toMatchObject({
      update_id,
      user_id: 1006,
      update_type: "message",
      err: "referral port exploded",
    });
  });

  it("answers in Telegram's language when the stored language cannot be read", async () => {
    const hugo = sb.customer(1008, { language_code: "en" });
    await hugo.send("/start");
    await hugo.waitForMessage();
    await hugo.press("Русский");
    await hugo.waitForMessage((m) => m.edited);
    const languageOf = fakes.users.languageOf;
    fakes.users.languageOf = async () => {
      throw new Error("database unavailable");
    };
    try {
      await hugo.send("/help");
      expect((await hugo.waitForMessage()).text).toBe(en("help.text"));
    } finally {
      fakes.users.languageOf = languageOf;
    }
    await hugo.send("/help");
    expect((await hugo.waitForMessage()).text).toBe(ru("help.text"));
  });

  it("a question stored by an earlier version is answered by the feature that asks it now", async () => {
    const ivan = sb.customer(1010, { language_code: "en" });
    await ivan.send("/start");
    await ivan.waitForMessage();
    await ivan.press("English");
    await ivan.waitForMessage((m) => m.edited);
    const ask = (prompt: object) =>
      db.query(
        "test",
        `INSERT INTO conversation_state (user_id, prompt, prompt_until)
         VALUES (1010, $1, now() + interval '10 minutes')
         ON CONFLICT (user_id) DO UPDATE
           SET prompt = EXCLUDED.prompt, prompt_until = EXCLUDED.prompt_until`,
        [JSON.stringify(prompt)],
      );
    const answers: string[] = [];
    fakes.buy.promoAnswer = async (_c, text) => {
      answers.push(`promo:${text}`);
      return { text: { key: "buy.promo_removed" } };
    };
    fakes.wallet.withdrawRequisitesAnswer = async (_c, amountKopecks, text) => {
      answers.push(`requisites:${amountKopecks}:${text}`);
      return { text: { key: "withdraw.requisites_invalid" } };
    };
    await ask({ kind: "promo_code" });
    await ivan.send("SPRING");
    expect((await ivan.waitForMessage()).text).toBe(en("buy.promo_removed"));
    await ask({ kind: "withdraw_requisites", amountKopecks: 50_000 });
    await ivan.send("card 4242");
    expect((await ivan.waitForMessage()).text).toBe(en("withdraw.requisites_invalid"));
    expect(answers).toEqual(["promo:SPRING", "requisites:50000:card 4242"]);
    // Each answer closed its question.
    const { rows } = await db.query(
      "test",
      "SELECT prompt FROM conversation_state WHERE user_id = 1010",
    );
    expect(rows).toEqual([{ prompt: null }]);
  });

  it("rate-limits expensive actions per customer", async () => {
    const gina = sb.customer(1007, { language_code: "en" });
    await gina.send("/start");
    await gina.waitForMessage();
    await gina.press("English");
    await gina.waitForMessage((m) => m.edited);
    let opened = 0;
    fakes.buy.open = async () => {
      opened++;
      return PLACEHOLDER;
    };
    // Capacity 3, nearly no refill: the fourth press is refused.
    for (let i = 0; i < 4; i++) {
      await gina.send("/buy");
      await gina.waitForMessage();
    }
    expect(opened).toBe(3);
    expect((await gina.lastMessage())?.text).toBe(en("error.rate_limited"));
    // A backlog is not a flood: more refused commands get no further "slow down" replies.
    const before = (await gina.chat()).length;
    for (let i = 0; i < 5; i++) await gina.send("/buy");
    await gina.send("/help");
    await gina.waitForMessage((m) => m.text === en("help.text"));
    expect(opened).toBe(3);
    expect((await gina.chat()).length).toBe(before + 1);
  });

  it("registers the commands in every language", async () => {
    const commands = await until(async () => {
      const res = await callBot(sandbox, "getMyCommands", { language_code: "en" });
      return res.body.result.length > 0 ? res.body.result : undefined;
    });
    expect(commands.map((c: { command: string }) => c.command)).toEqual([
      "start",
      "profile",
      "buy",
      "key",
      "referral",
      "language",
      "help",
    ]);
    expect(commands[0].description).toBe(en("command.start"));
    const fallback = (await callBot(sandbox, "getMyCommands", {})).body.result;
    expect(fallback[1].description).toBe(ru("command.profile"));
    const russian = (await callBot(sandbox, "getMyCommands", { language_code: "ru" })).body.result;
    expect(russian).toEqual(fallback);
  });

  it("records update and Telegram call metrics", async () => {
    expect(
      await histogramCount(metrics, "bot_update_duration_seconds", { type: "message" }),
    ).toBeGreaterThan(5);
    expect(
      await histogramCount(metrics, "bot_update_duration_seconds", { type: "callback_query" }),
    ).toBeGreaterThan(3);
    expect(
      await histogramCount(metrics, "telegram_api_request_duration_seconds", {
        method: "sendMessage",
        outcome: "ok",
      }),
    ).toBeGreaterThan(5);
    expect(
      await histogramCount(metrics, "telegram_api_request_duration_seconds", {
        method: "getUpdates",
        outcome: "ok",
      }),
    ).toBeGreaterThan(0);
  });

  it("every customer update was answered by exactly one message or edit", async () => {
    // Each /start of a known customer produced exactly one new message.
    const chat = await sb.customer(1002).chat();
    const startReplies = chat.filter((m) => m.text?.includes(en("menu.title")) ?? false);
    expect(startReplies).toHaveLength(1);
  });
});
