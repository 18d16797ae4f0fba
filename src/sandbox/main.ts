import path from "node:path";
import { createLogger } from "../logger.js";
import { startSandbox } from "./index.js";
import { STATE_FILE_NAME } from "./state-file.js";

/**
 * `npm run sandbox`: the stand-ins (Telegram, VPN API, Crypto Pay) and the control plane as a
 * process of their own, so they outlive the service — restart or kill the service, run two
 * replicas against one Telegram. The service is pointed at them with the usual variables, which
 * this prints (stderr; stdout carries the JSON log lines):
 *   SANDBOX_PORT                    default 8090
 *   SANDBOX_CRYPTOPAY_WEBHOOK_URL   where paid invoices are POSTed
 *                                   (default http://127.0.0.1:8080/webhooks/cryptopay)
 *   SANDBOX_STATE_DIR               where the stand-ins keep their state across restarts
 *                                   (default: nowhere, they start empty)
 */
async function main(): Promise<void> {
  const { logger } = createLogger({
    level: process.env.LOG_LEVEL ?? "info",
    bufferMaxBytes: 4 * 1024 * 1024,
    base: { service: "vpn-bot-sandbox" },
  });
  const port = Number(process.env.SANDBOX_PORT ?? 8090);
  const webhookUrl =
    process.env.SANDBOX_CRYPTOPAY_WEBHOOK_URL ?? "http://127.0.0.1:8080/webhooks/cryptopay";
  const stateDir = process.env.SANDBOX_STATE_DIR;
  const sandbox = await startSandbox({
    port: Number.isInteger(port) ? port : 8090,
    logger,
    cryptopayWebhookUrl: webhookUrl,
    ...(stateDir ? { stateFile: path.resolve(stateDir, STATE_FILE_NAME) } : {}),
  });
  const env = {
    BOT_TOKEN: sandbox.botToken,
    TELEGRAM_API_ROOT: sandbox.url,
    VPN_API_URL: sandbox.vpnApiUrl,
    VPN_API_KEY: sandbox.vpnApiKey,
    CRYPTOPAY_API_URL: sandbox.cryptopayApiUrl,
    CRYPTOPAY_TOKEN: sandbox.cryptopayToken,
  };
  logger.info({ control_plane: `${sandbox.url}/sandbox`, ...env }, "sandbox process ready");
  process.stderr.write(
    [
      "",
      `Sandbox stand-ins on ${sandbox.url} (control plane: ${sandbox.url}/sandbox).`,
      `Crypto Pay webhooks go to ${webhookUrl}.`,
      "Start the service against them in another terminal:",
      `  ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")} npm start`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void sandbox.close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void main();
