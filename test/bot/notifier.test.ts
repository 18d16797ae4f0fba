import { beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/create-bot.js";
import { createCustomerNotifier, renderNotice } from "../../src/bot/notifier.js";
import { QrCodes } from "../../src/bot/qr.js";
import { DbScope } from "../../src/db/scope.js";
import type { Notice } from "../../src/domain/notifications/notices.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import { silentLogger } from "../../src/logger.js";
import { createOperatorMessages } from "../../src/ops/admin-messages.js";
import { createMetrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { captureLogs } from "../support/logs.js";
import { clearFaults, fault, testSandbox } from "../support/sandbox.js";
import { type Fakes, fakeServices } from "./support/fakes.js";
import { buttonTexts, FAST_OPTIONS, testConfig } from "./support/testbed.js";

const i18n = new I18n(LOCALES);
const at = new Date("2026-03-01T12:30:00Z");
const EVERY_NOTICE: Notice[] = [
  { kind: "activation_done", link: "vless://a@b:443" },
  { kind: "key_reissued", link: "vless://c@d:443" },
  { kind: "subscription_expired" },
  { kind: "reminder_3d", expiresAt: at },
  { kind: "reminder_24h", expiresAt: at },
  { kind: "reminder_3h", expiresAt: at },
  { kind: "trial_nudge" },
  { kind: "trial_ends_soon", expiresAt: at },
  { kind: "trial_last_hours", expiresAt: at },
  { kind: "trial_over" },
  { kind: "auto_renew_success", days: 30, expiresAt: at, amountKopecks: 14_900 },
  { kind: "auto_renew_insufficient", missingKopecks: 5_050, priceKopecks: 14_900 },
  { kind: "payment_applied", outcome: "granted", expiresAt: at, link: "vless://e@f:443" },
  { kind: "payment_applied", outcome: "granted", expiresAt: at, link: null },
  { kind: "payment_applied", outcome: "topped_up", amountKopecks: 25_000, balanceKopecks: 30_000 },
  {
    kind: "payment_applied",
    outcome: "credited_to_balance",
    amountKopecks: 14_900,
    balanceKopecks: 14_900,
  },
  { kind: "payment_applied", outcome: "manual_review" },
  { kind: "referral_cashback", amountKopecks: 1_490, percent: 10 },
  {
    kind: "admin_payment_alert",
    alert: "amount_mismatch",
    method: "crypto",
    userId: 42,
    purchaseId: 7,
    paymentId: 9,
    amountKopecks: 10_000,
    reference: "123",
  },
  {
    kind: "withdrawal_requested",
    withdrawalId: 3,
    userId: 42,
    username: "bob",
    amountKopecks: 50_000,
    requisites: "card <1234>",
  },
  { kind: "withdrawal_approved", amountKopecks: 50_000 },
  { kind: "withdrawal_rejected", amountKopecks: 50_000, balanceKopecks: 60_000 },
];

describe("notice texts", () => {
  it("every notice renders in every language with all its variables", () => {
    for (const code of i18n.codes()) {
      for (const notice of EVERY_NOTICE) {
        const { text } = renderNotice(i18n, code, notice);
        expect(text, `${code} ${notice.kind}`).not.toMatch(/[{}]|^notice\./);
      }
    }
    const renewed = renderNotice(i18n, "ru", EVERY_NOTICE[10] as Notice).text;
    expect(renewed.replace(/\u00a0/g, " ")).toContain("на 30 дней");
    expect(renewed.replace(/\u00a0/g, " ")).toContain("149 ₽");
    expect(renderNotice(i18n, "en", EVERY_NOTICE[11] as Notice).text).toContain("₽50.50 short");
    // Admins read why a payment needs attention, not a reason code.
    const alert = EVERY_NOTICE.find((n) => n.kind === "admin_payment_alert") as Notice;
    expect(renderNotice(i18n, "en", alert).text).toContain(
      "the amount paid differs from the price — credited to the balance",
    );
    expect(renderNotice(i18n, "ru", alert).text).not.toContain("amount_mismatch");
  });

  it("notices carry their next step; a withdrawal request carries the admin's two decisions", () => {
    const kinds = new Set(EVERY_NOTICE.map((n) => n.kind));
    // Every kind of the union is listed above (renderNotice's table has one renderer per kind too).
    expect(kinds.size).toBe(18);
    const request = renderNotice(i18n, "en", EVERY_NOTICE[19] as Notice);
    expect(request.text).toContain("<code>card &lt;1234&gt;</code>");
    expect(request.buttons).toEqual([
      { key: "notice.button_approve", data: "wd:3:a" },
      { key: "notice.button_reject", data: "wd:3:r" },
    ]);
    const granted = renderNotice(i18n, "ru", EVERY_NOTICE[12] as Notice);
    expect(granted.text).toContain("<code>vless://e@f:443</code>");
    expect(granted.buttons).toEqual([{ key: "notice.button_key", data: "f:key" }]);
  });
});

describe("console notice texts", () => {
  const en = (notice: Notice) => renderNotice(i18n, "en", notice);

  it("every console notice renders in every language with all its variables", () => {
    const notices: Notice[] = [
      { kind: "account_time_granted", expiresAt: at },
      { kind: "account_revoked" },
      { kind: "account_credited", amountKopecks: 10_000, balanceKopecks: 25_000 },
      { kind: "account_debited", amountKopecks: 5_000, balanceKopecks: 0 },
      { kind: "account_discount", percent: 15, until: null },
      { kind: "account_discount", percent: 15, until: at },
      { kind: "account_discount", percent: 0, until: null },
      { kind: "account_vip", on: true },
      { kind: "account_vip", on: false },
      { kind: "operator_message", text: "hello" },
    ];
    for (const code of i18n.codes()) {
      for (const notice of notices) {
        const { text } = renderNotice(i18n, code, notice);
        expect(text, `${code} ${notice.kind}`).not.toMatch(/[{}]|^notice\./);
      }
    }
  });

  it("granted time leads to the key; the others carry no button and no QR code", () => {
    expect(en({ kind: "account_time_granted", expiresAt: at }).buttons).toEqual([
      { key: "notice.button_key", data: "f:key" },
    ]);
    const credited = en({
      kind: "account_credited",
      amountKopecks: 10_000,
      balanceKopecks: 25_000,
    });
    expect(credited).toEqual({
      text: i18n.t("en", "notice.account_credited", {
        amount: { kopecks: 10_000 },
        balance: { kopecks: 25_000 },
      }),
      buttons: [],
    });
    expect(en({ kind: "account_debited", amountKopecks: 5_000, balanceKopecks: 0 }).text).toBe(
      i18n.t("en", "notice.account_debited", {
        amount: { kopecks: 5_000 },
        balance: { kopecks: 0 },
      }),
    );
    expect(en({ kind: "account_revoked" })).toEqual({
      text: i18n.t("en", "notice.account_revoked"),
      buttons: [],
    });
  });

  it("a discount reads as set, set until a date, or ended; VIP as on or off", () => {
    expect(en({ kind: "account_discount", percent: 15, until: null }).text).toBe(
      i18n.t("en", "notice.account_discount", { percent: 15 }),
    );
    expect(en({ kind: "account_discount", percent: 15, until: at }).text).toBe(
      i18n.t("en", "notice.account_discount_until", { percent: 15, until: at }),
    );
    expect(en({ kind: "account_discount", percent: 0, until: at }).text).toBe(
      i18n.t("en", "notice.account_discount_removed"),
    );
    expect(en({ kind: "account_vip", on: true }).text).toBe(i18n.t("en", "notice.account_vip_on"));
    expect(en({ kind: "account_vip", on: false }).text).toBe(
      i18n.t("en", "notice.account_vip_off"),
    );
    expect(en({ kind: "operator_message", text: "hello" }).text).toBe(
      i18n.t("en", "notice.operator_message", { text: "hello" }),
    );
  });

  it("a kind without texts is refused, not sent as a raw key", () => {
    expect(() => renderNotice(i18n, "en", { kind: "no_such_notice" } as unknown as Notice)).toThrow(
      "no texts for notice no_such_notice",
    );
  });
});

describe("customer notifier", () => {
  let sandbox: Sandbox;
  let sb: SandboxClient;
  let fakes: Fakes;
  let notifier: ReturnType<typeof createCustomerNotifier>;

  beforeAll(async () => {
    sandbox = await testSandbox();
    sb = sandboxClient(sandbox.url);
    fakes = fakeServices();
    const { bot } = createBot({
      config: testConfig(sandbox),
      logger: silentLogger(),
      metrics: createMetrics(),
      scope: new DbScope(),
      db: await testDb(),
      services: fakes.services,
      options: FAST_OPTIONS,
    });
    notifier = createCustomerNotifier({
      api: bot.api,
      i18n,
      users: fakes.services.users,
      qrCodes: new QrCodes(),
    });
  });

  it("sends in the customer's language, with the next step as a button", async () => {
    const kim = sb.customer(7001);
    await kim.send("hi");
    await fakes.users.registerOnStart({
      telegramId: 7001,
      username: null,
      firstName: "Kim",
      languageCode: "en",
    });
    await fakes.users.setLanguage(7001, "en");
    expect(await notifier.send(7001, { kind: "reminder_24h", expiresAt: at })).toBe("sent");
    const message = await kim.waitForMessage();
    expect(message.text).toBe(i18n.t("en", "notice.reminder_24h", { expiresAt: at }));
    expect(message.reply_markup).toEqual({
      inline_keyboard: [[{ text: "💳 Renew", callback_data: "f:buy" }]],
    });
  });

  it("speaks the default language to a customer without a choice", async () => {
    const lev = sb.customer(7002);
    await lev.send("hi");
    expect(await notifier.send(7002, { kind: "activation_done", link: "vless://x@y:1" })).toBe(
      "sent",
    );
    const message = await lev.waitForMessage();
    // The key message: the QR code as a photo, the link as copyable text in its caption.
    expect(message.photo).not.toBeNull();
    expect(message.caption).toContain("<code>vless://x@y:1</code>");
    expect(buttonTexts(message.reply_markup)).toEqual(["🔑 Мой ключ"]);
  });

  it("sends a key notice as text when the photo is refused", async () => {
    const mia = sb.customer(7003);
    await mia.send("hi");
    await fault(sandbox, {
      target: "telegram",
      mode: "error",
      status: 400,
      methods: ["sendPhoto"],
    });
    try {
      expect(await notifier.send(7003, { kind: "key_reissued", link: "vless://z@w:2" })).toBe(
        "sent",
      );
    } finally {
      await clearFaults(sandbox);
    }
    const message = await mia.waitForMessage();
    expect(message.photo).toBeNull();
    expect(message.text).toContain("<code>vless://z@w:2</code>");
  });

  it("reports a customer who blocked the bot as unreachable (and marks them)", async () => {
    const max = sb.customer(7003);
    await max.send("hi");
    await max.block();
    expect(await notifier.send(7003, { kind: "trial_over" })).toBe("unreachable");
    expect(fakes.users.marks).toContain("unreachable:7003");
  });

  it("sends plain text (broadcasts, admin messages) and throws Telegram's error as it came", async () => {
    const ada = sb.customer(7004);
    await ada.send("hi");
    await notifier.sendText(7004, "Maintenance tonight at 02:00");
    const message = await ada.waitForMessage();
    expect(message.text).toBe("Maintenance tonight at 02:00");
    expect(message.reply_markup).toBeFalsy();
    await ada.block();
    await expect(notifier.sendText(7004, "again")).rejects.toMatchObject({ error_code: 403 });
  });

  it("posts operator messages to every admin through the notifier, past one that fails", async () => {
    const [first, blocked, last] = [7005, 7006, 7007].map((id) => sb.customer(id));
    for (const admin of [first, blocked, last]) await admin?.send("hi");
    await blocked?.block();
    const { messenger, operators } = createOperatorMessages({
      adminIds: [7005, 7006, 7007],
      sender: () => notifier,
      logger: silentLogger(),
    });
    await operators.report("Broadcast #1 finished");
    await messenger.drain(5_000);
    expect((await first?.waitForMessage())?.text).toBe("Broadcast #1 finished");
    expect((await last?.waitForMessage())?.text).toBe("Broadcast #1 finished");
  });

  it("logs operator messages posted while there is no bot, and sends nothing", async () => {
    const logs = captureLogs();
    const { messenger, operators } = createOperatorMessages({
      adminIds: [7008],
      sender: () => undefined,
      logger: logs.logger,
    });
    await operators.alert("activation keeps failing");
    await messenger.drain(1_000);
    expect(logs.find("activation keeps failing")?.event).toBe("operator_alert");
    expect(await sb.customer(7008).chat()).toEqual([]);
  });
});
