import Fastify from "fastify";
import { Bot, webhookCallback } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { callBot, eventually, http, startReceiver } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger(), webhookRetryDelaysMs: [20, 40] });
  sb = sandboxClient(sandbox.url);
});
afterAll(() => sandbox.close());

describe("webhook delivery", () => {
  it("POSTs each update as JSON with the secret header and retries non-2xx answers", async () => {
    let failuresLeft = 2;
    const receiver = await startReceiver((_req, res) => {
      if (failuresLeft-- > 0) res.writeHead(502).end();
      else res.writeHead(200).end();
    });
    try {
      await callBot(sandbox, "setWebhook", {
        url: `${receiver.url}/tg`,
        secret_token: "s3cr3t_Token-1",
      });
      await sb.customer(401).send("/start");
      await eventually(() => receiver.received.length === 3);
      const last = receiver.received[2];
      expect(last?.url).toBe("/tg");
      expect(last?.headers["x-telegram-bot-api-secret-token"]).toBe("s3cr3t_Token-1");
      expect(last?.headers["content-type"]).toBe("application/json");
      const update = JSON.parse(last?.raw.toString() ?? "{}");
      expect(update.message).toMatchObject({ text: "/start", chat: { id: 401 } });
      const info = await eventually(async () => {
        const res = await callBot(sandbox, "getWebhookInfo");
        return res.body.result.pending_update_count === 0 ? res.body.result : undefined;
      });
      expect(info).toMatchObject({
        url: `${receiver.url}/tg`,
        last_error_message: "Wrong response from the webhook: 502 Bad Gateway",
      });
    } finally {
      await callBot(sandbox, "deleteWebhook");
      await receiver.close();
    }
  });

  it("runs a grammY bot behind webhookCallback on Fastify, and a wrong secret gets 401", async () => {
    const bot = new Bot(sandbox.botToken, {
      client: { apiRoot: sandbox.url },
      botInfo: (await callBot(sandbox, "getMe")).body.result,
    });
    bot.command("start", (ctx) =>
      ctx.reply(`Hello, ${ctx.from?.first_name}! Payload: ${ctx.match}`),
    );
    const app = Fastify();
    app.post("/telegram", webhookCallback(bot, "fastify", { secretToken: "right_secret" }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/telegram`;
    try {
      await bot.api.setWebhook(url, { secret_token: "right_secret" });
      const frank = sb.customer(402, { first_name: "Frank" });
      await frank.send("/start ref_42");
      const reply = await frank.waitForMessage();
      expect(reply.text).toBe("Hello, Frank! Payload: ref_42");

      const direct = await http(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "nope" },
        body: JSON.stringify({ update_id: 1 }),
      });
      expect(direct.status).toBe(401);

      await bot.api.setWebhook(url, { secret_token: "wrong_secret" });
      await frank.send("/start again");
      const info = await eventually(async () => {
        const res = await callBot(sandbox, "getWebhookInfo");
        return res.body.result.last_error_message ? res.body.result : undefined;
      });
      expect(info.last_error_message).toBe("Wrong response from the webhook: 401 Unauthorized");
      expect(await frank.chat()).toHaveLength(1);
    } finally {
      await bot.api.deleteWebhook();
      await app.close();
    }
  });
});
