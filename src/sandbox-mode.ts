import path from "node:path";
import type { Config } from "./config.js";
import { resolveEmbeddedDataDir } from "./db/embedded.js";
import type { Logger } from "./logger.js";
import { type Sandbox, startSandbox } from "./sandbox/index.js";
import { STATE_FILE_NAME } from "./sandbox/state-file.js";

/** `npm start` without BOT_TOKEN, outside production: the service runs against local stand-ins. */
export function isSandboxMode(config: Config): boolean {
  return config.bot.token === undefined && config.env !== "production";
}

export interface SandboxMode {
  /** The configuration pointed at the stand-ins, except where a service was configured explicitly. */
  config: Config;
  controlPlaneUrl: string;
  /** Once the HTTP server listens: paid invoices are delivered to its webhook; the banner is printed. */
  afterListen(httpUrl: string): void;
  stop(): Promise<void>;
}

/**
 * Starts the stand-ins (contracts/sandbox.md) and returns the configuration that uses them. An
 * explicitly configured service wins over its stand-in: VPN_API_URL/VPN_API_KEY, and
 * CRYPTOPAY_API_URL with CRYPTOPAY_TOKEN; a CRYPTOPAY_TOKEN alone keeps the Crypto Pay stand-in,
 * which then signs with that token.
 */
export async function enterSandboxMode(config: Config, logger: Logger): Promise<SandboxMode> {
  const explicitCryptoPay = config.cryptopay.apiUrlExplicit && config.cryptopay.token !== undefined;
  const stateDir = await sandboxStateDir(config);
  const sandbox = await startSandbox({
    port: config.sandbox.port,
    logger,
    ...(stateDir ? { stateFile: path.join(stateDir, STATE_FILE_NAME) } : {}),
    ...(config.cryptopay.token && !explicitCryptoPay
      ? { cryptopayToken: config.cryptopay.token }
      : {}),
  });
  const effective: Config = {
    ...config,
    bot: {
      ...config.bot,
      token: sandbox.botToken,
      apiRoot: sandbox.url,
      delivery: { mode: "polling" },
    },
    vpn: sandboxVpn(config.vpn, sandbox),
    cryptopay: explicitCryptoPay
      ? config.cryptopay
      : { ...config.cryptopay, apiUrl: sandbox.cryptopayApiUrl, token: sandbox.cryptopayToken },
  };
  return {
    config: effective,
    controlPlaneUrl: `${sandbox.url}/sandbox`,
    afterListen(httpUrl) {
      if (!explicitCryptoPay) sandbox.setCryptopayWebhookUrl(`${httpUrl}/webhooks/cryptopay`);
      logger.info(
        {
          control_plane: `${sandbox.url}/sandbox`,
          telegram_stand_in: sandbox.url,
          vpn_backend: effective.vpn.backend,
          vpn_api:
            effective.vpn.backend === "remnawave"
              ? effective.vpn.remnawave.url
              : effective.vpn.backend === "marzban"
                ? effective.vpn.marzban.url
                : effective.vpn.backend === "3x-ui"
                  ? effective.vpn.xui.url
                  : effective.vpn.url,
          cryptopay_api: effective.cryptopay.apiUrl,
        },
        "sandbox mode: no BOT_TOKEN, the bot talks to local stand-ins",
      );
      // stdout carries JSON log lines only (R7); the human banner goes to stderr.
      process.stderr.write(sandboxBanner(sandbox.url, httpUrl));
    },
    stop: () => sandbox.close(),
  };
}

/**
 * The stand-ins' state belongs with the data it matches: SANDBOX_STATE_DIR, else the folder
 * holding the embedded database's data directory (`.data/` for `.data/postgres`). With an
 * external DATABASE_URL and no SANDBOX_STATE_DIR nothing is kept: which database the state
 * would match is not known.
 */
async function sandboxStateDir(config: Config): Promise<string | undefined> {
  if (config.sandbox.stateDir) return path.resolve(config.sandbox.stateDir);
  if (config.db.url) return undefined;
  const { dir } = await resolveEmbeddedDataDir(config.db.embeddedDir);
  return path.dirname(dir);
}

/** The chosen backend's stand-in, unless that backend was configured explicitly. */
function sandboxVpn(vpn: Config["vpn"], sandbox: Sandbox): Config["vpn"] {
  if (vpn.backend === "remnawave") {
    if (vpn.remnawave.url || !sandbox.remnawave) return vpn;
    return {
      ...vpn,
      remnawave: { ...vpn.remnawave, url: sandbox.remnawave.url, token: sandbox.remnawave.token },
    };
  }
  if (vpn.backend === "marzban") {
    if (vpn.marzban.url) return vpn;
    const { url, username, password } = sandbox.marzban;
    return { ...vpn, marzban: { ...vpn.marzban, url, username, password } };
  }
  if (vpn.backend === "3x-ui") {
    if (vpn.xui.url) return vpn;
    const { url, token, inboundIds, subUrl } = sandbox.xui;
    return { ...vpn, xui: { url, token, inboundIds, subUrl } };
  }
  return vpn.url ? vpn : { ...vpn, url: sandbox.vpnApiUrl, apiKey: sandbox.vpnApiKey };
}

function sandboxBanner(sandboxUrl: string, httpUrl: string): string {
  return [
    "",
    "Sandbox mode: Telegram, the VPN API and Crypto Pay are local stand-ins.",
    `  control plane: ${sandboxUrl}/sandbox   service: ${httpUrl}`,
    "Talk to the bot as customer 1:",
    `  curl -s -X POST ${sandboxUrl}/sandbox/users/1/message -H 'content-type: application/json' -d '{"text":"/start"}'`,
    `  curl -s '${sandboxUrl}/sandbox/users/1/chat?wait_ms=3000'`,
    "",
  ].join("\n");
}
