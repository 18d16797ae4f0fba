/**
 * The throughput floor: a bare grammY bot (runner, 100 updates at once) that echoes every text,
 * in one process with the same sandbox stand-ins the service runs in sandbox mode.
 * Environment: SANDBOX_PORT. Prints `{"ready":true}` once polling.
 */
import { run } from "@grammyjs/runner";
import { Bot } from "grammy";
import { silentLogger } from "../src/logger.js";
import { startSandbox } from "../src/sandbox/index.js";

const sandbox = await startSandbox({
  port: Number(process.env.SANDBOX_PORT ?? 0),
  logger: silentLogger(),
});
const bot = new Bot(sandbox.botToken, { client: { apiRoot: sandbox.url } });
bot.on("message:text", (ctx) => ctx.reply(ctx.message.text));
const runner = run(bot, { sink: { concurrency: 100 } });
process.stdout.write(`${JSON.stringify({ ready: true, control_url: sandbox.url })}\n`);
process.once("SIGTERM", async () => {
  await runner.stop().catch(() => undefined);
  await sandbox.close();
  process.exit(0);
});
