import { type RunnerHandle, run } from "@grammyjs/runner";
import { Bot, InlineKeyboard, InputFile } from "grammy";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";

let sandbox: Sandbox;
let sb: SandboxClient;
let runner: RunnerHandle;
let qrPng: Buffer;
const refunds: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  sb = sandboxClient(sandbox.url);
  qrPng = await QRCode.toBuffer("vless://example", { type: "png", width: 256 });

  // An ordinary grammY bot: only apiRoot points at the sandbox (init() calls its getMe).
  const bot = new Bot(sandbox.botToken, {
    client: { apiRoot: sandbox.url },
  });
  bot.command("start", (ctx) =>
    ctx.reply(`Welcome! ref=${ctx.match || "none"}`, {
      reply_markup: new InlineKeyboard().text("Buy 30 days", "buy:30").text("My key", "key"),
    }),
  );
  bot.callbackQuery("key", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.replyWithPhoto(new InputFile(qrPng, "qr.png"), { caption: "Your key" });
  });
  bot.callbackQuery("buy:30", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.replyWithInvoice("30 days", "VPN for 30 days", "purchase:7", "XTR", [
      { label: "30 days", amount: 150 },
    ]);
  });
  bot.on("pre_checkout_query", (ctx) =>
    ctx.preCheckoutQuery.invoice_payload === "purchase:7"
      ? ctx.answerPreCheckoutQuery(true)
      : ctx.answerPreCheckoutQuery(false, { error_message: "Unknown purchase" }),
  );
  bot.on("message:successful_payment", async (ctx) => {
    const payment = ctx.message.successful_payment;
    await ctx.reply(`Paid ${payment.total_amount} ${payment.currency}`);
    await ctx.api.refundStarPayment(ctx.from.id, payment.telegram_payment_charge_id);
    refunds.push(payment.telegram_payment_charge_id);
  });
  await bot.init();
  expect(bot.botInfo).toMatchObject({ id: 1000000, username: "sandbox_vpn_bot" });
  runner = run(bot, { runner: { fetch: { timeout: 1 }, silent: true } });
});

afterAll(async () => {
  if (runner.isRunning()) await runner.stop();
  await sandbox.close();
});

describe("grammY with the runner against the stand-in", () => {
  it("answers /start over long polling", async () => {
    const grace = sb.customer(501);
    await grace.send("/start ref_123");
    const welcome = await grace.waitForMessage();
    expect(welcome.text).toBe("Welcome! ref=ref_123");
    expect(welcome.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: "Buy 30 days", callback_data: "buy:30" },
          { text: "My key", callback_data: "key" },
        ],
      ],
    });
  });

  it("uploads an InputFile photo that comes back byte-identical", async () => {
    const heidi = sb.customer(502);
    await heidi.send("/start");
    await heidi.waitForMessage();
    await heidi.press("My key");
    const photo = await heidi.waitForMessage((m) => m.photo !== null);
    expect(photo.caption).toBe("Your key");
    const bytes = await sb.file(photo.photo?.file_id ?? "");
    expect(bytes.equals(qrPng)).toBe(true);
    const [upload] = await sb.calls("telegram", "sendPhoto");
    expect(upload?.request).toMatchObject({
      chat_id: "502",
      photo: { upload: "qr.png", size: qrPng.length },
    });
    expect(upload?.response).toMatchObject({ result: { photo: [{ width: 256, height: 256 }] } });
  });

  it("takes a Stars invoice through pre-checkout to a successful payment", async () => {
    const ivan = sb.customer(503);
    await ivan.send("/start");
    await ivan.waitForMessage();
    await ivan.press("buy:30");
    const invoice = await ivan.waitForMessage((m) => m.invoice !== null);
    expect(invoice.invoice).toEqual({
      title: "30 days",
      description: "VPN for 30 days",
      currency: "XTR",
      total_amount: 150,
      payload: "purchase:7",
    });
    const first = await ivan.pay();
    expect(first).toMatchObject({
      status: "paid",
      answer: { ok: true, error_message: null },
      successful_payment: { currency: "XTR", total_amount: 150, invoice_payload: "purchase:7" },
    });
    expect((await ivan.waitForMessage()).text).toBe("Paid 150 XTR");
    const second = await ivan.pay();
    expect(second.successful_payment?.telegram_payment_charge_id).not.toBe(
      first.successful_payment?.telegram_payment_charge_id,
    );
    await ivan.waitForMessage();
    expect(refunds).toContain(first.successful_payment?.telegram_payment_charge_id);
  });

  it("reports a rejected pre-checkout query", async () => {
    const judy = sb.customer(504);
    await judy.send("/start");
    await judy.waitForMessage();
    const sent = await fetch(`${sandbox.url}/bot${sandbox.botToken}/sendInvoice`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: 504,
        title: "Other",
        description: "Not ours",
        payload: "purchase:other",
        currency: "XTR",
        prices: [{ label: "x", amount: 1 }],
      }),
    });
    expect(sent.status).toBe(200);
    const result = await judy.pay();
    expect(result).toMatchObject({
      status: "rejected",
      answer: { ok: false, error_message: "Unknown purchase" },
    });
  });
});
