import { createServer } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotRuntime } from "../../src/bot/runtime.js";
import type { Db } from "../../src/db/pool.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { callBot, http } from "../support/sandbox-http.js";
import { type Fakes, fakeServices, PLACEHOLDER } from "./support/fakes.js";
import { testConfig, testRuntime, until } from "./support/testbed.js";

const SECRET = "webhook_Secret-42";

let sandbox: Sandbox;
let sb: SandboxClient;
let db: Db;
let fakes: Fakes;
let runtime: BotRuntime;
let app: FastifyInstance;
let hookUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  sandbox = await testSandbox();
  sb = sandboxClient(sandbox.url);
  db = await testDb();
  fakes = fakeServices();
  const port = await freePort();
  const config = testConfig(sandbox, {
    BOT_MODE: "webhook",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
  ({ runtime } = testRuntime({
    sandbox,
    db,
    services: fakes.services,
    config,
    options: { handlerStuckMs: 600 },
  }));
  app = Fastify();
  const plugin = runtime.webhookPlugin;
  if (!plugin) throw new Error("no webhook plugin in webhook mode");
  await app.register(plugin);
  await app.listen({ port, host: "127.0.0.1" });
  // The path Telegram is given (see the README).
  hookUrl = `http://127.0.0.1:${port}/webhooks/telegram`;
  await runtime.start();
});

afterAll(async () => {
  await runtime.stop();
  await callBot(sandbox, "deleteWebhook");
  await app.close();
});

const postUpdate = (update: unknown, secret?: string) =>
  http(hookUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }),
    },
    body: JSON.stringify(update),
  });

const processedRow = async (updateId: number) =>
  (
    await db.query<{ status: string }>(
      "test",
      "SELECT status FROM update_inbox WHERE update_id = $1",
      [updateId],
    )
  ).rows[0];

const startUpdate = (updateId: number, userId: number) => ({
  update_id: updateId,
  message: {
    message_id: 1,
    date: Math.floor(Date.now() / 1000),
    chat: { id: userId, type: "private", first_name: "Hook" },
    from: { id: userId, is_bot: false, first_name: "Hook", language_code: "en" },
    text: "/start",
    entities: [{ type: "bot_command", offset: 0, length: 6 }],
  },
});

describe("webhook mode", () => {
  it("registers the webhook with the secret, never dropping pending updates", async () => {
    const [set] = await sb.calls("telegram", "setWebhook");
    expect(set?.request).toMatchObject({
      url: hookUrl,
      secret_token: SECRET,
      drop_pending_updates: false,
      allowed_updates: ["message", "callback_query", "pre_checkout_query", "my_chat_member"],
    });
    const info = (await callBot(sandbox, "getWebhookInfo")).body.result;
    expect(info.url).toBe(hookUrl);
  });

  it("answers customers through the webhook", async () => {
    const hana = sb.customer(6001, { first_name: "Hana", language_code: "en" });
    await hana.send("/start");
    const picker = await hana.waitForMessage();
    expect(picker.text).toContain("Choose the bot language");
    await hana.press("English");
    const menu = await hana.waitForMessage((m) => m.edited);
    expect(menu.text).toContain("Hello, Hana!");
  });

  it("a wrong or missing secret gets 401 and nothing is processed", async () => {
    // Customer 6002 has a chat with the bot, so a processed /start would be visible there.
    await sb.customer(6002).send("/help");
    await sb.customer(6002).waitForMessage();
    const starts = fakes.users.starts.length;
    const missing = await postUpdate(startUpdate(900_001, 6002));
    const wrong = await postUpdate(startUpdate(900_002, 6002), "not-the-secret");
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(fakes.users.starts.length).toBe(starts);
    expect(await processedRow(900_001)).toBeUndefined();
    expect(await processedRow(900_002)).toBeUndefined();
    expect(await sb.customer(6002).chat()).toHaveLength(1);
  });

  it("a redelivered update is processed once", async () => {
    const update = startUpdate(900_010, 6003);
    // The customer must exist in the stand-in for the bot's reply to land.
    await sb.customer(6003, { language_code: "en" }).send("/help");
    await sb.customer(6003).waitForMessage();
    const starts = fakes.users.starts.length;

    const first = await postUpdate(update, SECRET);
    expect(first.status).toBe(200);
    const again = await Promise.all([postUpdate(update, SECRET), postUpdate(update, SECRET)]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    await until(async () => (await processedRow(900_010))?.status === "done" || undefined);
    expect(fakes.users.starts.length).toBe(starts + 1);
    const chat = await sb.customer(6003).chat();
    expect(chat).toHaveLength(2); // the /help answer and one /start answer
  });

  it("a slow handler is acknowledged at once, never redelivered, and runs once", async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    fakes.profile.open = async () => {
      calls++;
      await gate;
      return PLACEHOLDER;
    };
    fakes.users.known(6004);
    const ivy = sb.customer(6004, { language_code: "en" });
    const part = runtime.parts()[0];
    expect(part?.name).toBe("telegram_webhook");
    expect(part?.check().stuck).toBe(false);

    await ivy.send("/profile");
    // Stored, then answered 200 before the handler runs: nothing for Telegram to redeliver.
    await until(async () => calls === 1 || undefined, 3_000, "handler started");
    const info = (await callBot(sandbox, "getWebhookInfo")).body.result;
    expect(info.pending_update_count).toBe(0);
    expect(info.last_error_message).toBeUndefined();
    // Handled for longer than handlerStuckMs: the webhook part reports it (R6).
    const stuck = await until(() => (part?.check().stuck ? part.check() : undefined), 3_000);
    expect(stuck.detail).toMatch(/handled for \d+ ms/);
    release();
    const reply = await ivy.waitForMessage();
    expect(reply.text).toBe("This screen was out of date — here is the current one.");
    expect(calls).toBe(1);
    expect((await ivy.chat()).filter((m) => !m.deleted)).toHaveLength(1);
    expect(part?.check().stuck).toBe(false);
  });

  it("an update the database cannot store is answered 503, so Telegram keeps it", async () => {
    const update = startUpdate(900_030, 6003);
    await db.query("test", "ALTER TABLE update_inbox RENAME TO update_inbox_away");
    try {
      const res = await postUpdate(update, SECRET);
      expect(res.status).toBe(503);
    } finally {
      await db.query("test", "ALTER TABLE update_inbox_away RENAME TO update_inbox");
    }
    const starts = fakes.users.starts.length;
    const again = await postUpdate(update, SECRET);
    expect(again.status).toBe(200);
    await until(async () => (await processedRow(900_030))?.status === "done" || undefined);
    expect(fakes.users.starts.length).toBe(starts + 1);
  });

  it("is ready once started, and refuses updates with 503 after stop", async () => {
    expect(runtime.readinessReason()).toBeUndefined();
    await runtime.stop();
    const res = await postUpdate(startUpdate(900_020, 6003), SECRET);
    expect(res.status).toBe(503);
    expect(await processedRow(900_020)).toBeUndefined();
  });
});
