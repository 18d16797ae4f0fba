import type { Logger } from "pino";
import { toError } from "../util/errors.js";
import { CallLog } from "./calls.js";
import { ControlPlane } from "./control.js";
import { CryptoPayStandIn, type CryptoPayState } from "./cryptopay/stand-in.js";
import { FaultRegistry } from "./faults.js";
import { SandboxServer } from "./server.js";
import { SandboxStateFile } from "./state-file.js";
import { TelegramStandIn, type TelegramState } from "./telegram/stand-in.js";
import { MarzbanStandIn } from "./vpn/marzban-stand-in.js";
import type { RemnawaveStandIn } from "./vpn/remnawave-stand-in.js";
import { VpnStandIn } from "./vpn/stand-in.js";
import { XuiStandIn } from "./vpn/xui-stand-in.js";

export interface SandboxOptions {
  /** 0 = pick a free port. */
  port: number;
  /** Default "127.0.0.1". */
  host?: string;
  logger: Logger;
  /** Default "1000000:sandbox". */
  botToken?: string;
  /** Default "sandbox-vpn-key". */
  vpnApiKey?: string;
  /** Default "sandbox-cryptopay-token"; webhooks are signed with it. */
  cryptopayToken?: string;
  /** Where paid invoices are POSTed (the service's /webhooks/cryptopay); settable later. */
  cryptopayWebhookUrl?: string;
  /** Host in generated vless:// links. Default "vpn.sandbox.invalid". */
  vpnLinkHost?: string;
  /** Pauses between Telegram webhook delivery attempts. Default [200, 500, 1000] ms. */
  webhookRetryDelaysMs?: readonly number[];
  /** Token the Remnawave stand-in accepts. Default "sandbox-remnawave-token". */
  remnawaveToken?: string;
  /** Calls kept for `GET /sandbox/calls`. Default 10 000. */
  maxRecordedCalls?: number;
  /**
   * Where the stand-ins keep their state (chats, update and invoice ids, VPN and panel users),
   * loaded at start and saved as it changes; none: they start empty and forget on exit.
   */
  stateFile?: string;
}

export interface Sandbox {
  /** Base URL; grammY's `client.apiRoot`. */
  url: string;
  port: number;
  /** `VPN_API_URL` for the stand-in. */
  vpnApiUrl: string;
  /** `CRYPTOPAY_API_URL` for the stand-in (ends with a slash, like the real base URL). */
  cryptopayApiUrl: string;
  botToken: string;
  vpnApiKey: string;
  cryptopayToken: string;
  /**
   * The Remnawave panel stand-in (`REMNAWAVE_URL`, `REMNAWAVE_TOKEN`); absent where its
   * development-only contract package is not installed.
   */
  remnawave: { url: string; token: string; standIn: RemnawaveStandIn } | undefined;
  /** The Marzban panel stand-in (`MARZBAN_URL`, `MARZBAN_USERNAME`, `MARZBAN_PASSWORD`). */
  marzban: { url: string; username: string; password: string; standIn: MarzbanStandIn };
  /**
   * The 3x-ui panel stand-in (`XUI_URL`, `XUI_TOKEN`, `XUI_INBOUND_IDS`); its subscription
   * server (`XUI_SUB_URL`) is the same base.
   */
  xui: { url: string; token: string; inboundIds: number[]; subUrl: string; standIn: XuiStandIn };
  setCryptopayWebhookUrl(url: string): void;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 50 * 1024 * 1024;

/** Starts the Telegram, VPN API and Crypto Pay stand-ins and the control plane on one port. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const logger = opts.logger.child({ component: "sandbox" });
  const host = opts.host ?? "127.0.0.1";
  const botToken = opts.botToken ?? "1000000:sandbox";
  const vpnApiKey = opts.vpnApiKey ?? "sandbox-vpn-key";
  const cryptopayToken = opts.cryptopayToken ?? "sandbox-cryptopay-token";

  let state: SandboxStateFile<SavedState> | undefined;
  const telegram = new TelegramStandIn({
    botToken,
    logger: logger.child({ standIn: "telegram" }),
    onStateChange: () => state?.changed(),
    ...(opts.webhookRetryDelaysMs ? { webhookRetryDelaysMs: opts.webhookRetryDelaysMs } : {}),
  });
  const vpn = new VpnStandIn({
    apiKey: vpnApiKey,
    linkHost: opts.vpnLinkHost ?? "vpn.sandbox.invalid",
  });
  const cryptopay = new CryptoPayStandIn({
    token: cryptopayToken,
    webhookUrl: opts.cryptopayWebhookUrl ?? null,
    logger: logger.child({ standIn: "cryptopay" }),
  });
  const remnawaveToken = opts.remnawaveToken ?? "sandbox-remnawave-token";
  const remnawave = await loadRemnawaveStandIn(remnawaveToken, logger);
  const marzbanLogin = { username: "sandbox-admin", password: "sandbox-password" };
  const marzban = new MarzbanStandIn(marzbanLogin);
  const xuiToken = "sandbox-3x-ui-token";
  const xuiInbounds = [1];
  const xui = new XuiStandIn({
    token: xuiToken,
    linkHost: opts.vpnLinkHost ?? "vpn.sandbox.invalid",
    inboundIds: xuiInbounds,
  });
  state = opts.stateFile
    ? restoreState(opts.stateFile, logger, { telegram, cryptopay, vpn, marzban, remnawave, xui })
    : undefined;
  const faults = new FaultRegistry({ latencyExempt: { telegram: ["getUpdates"] } });
  const calls = new CallLog(opts.maxRecordedCalls ?? 10_000);

  let urls: Record<string, string> = {};
  const control = new ControlPlane({
    telegram,
    vpn,
    cryptopay,
    faults,
    calls,
    releaseHung: (target) => server.releaseHung(target),
    describe: () => urls,
  });
  const server = new SandboxServer({
    logger,
    standIns: [
      { matches: (p) => p.startsWith("/bot"), standIn: telegram },
      { matches: (p) => p === "/vpn" || p.startsWith("/vpn/"), standIn: vpn },
      { matches: (p) => p.startsWith("/cryptopay/api/"), standIn: cryptopay },
      { matches: (p) => p.startsWith("/marzban/"), standIn: marzban },
      { matches: (p) => p.startsWith("/xui/"), standIn: xui },
      ...(remnawave
        ? [{ matches: (p: string) => p.startsWith("/remnawave/"), standIn: remnawave }]
        : []),
    ],
    control: (req) => control.handle(req),
    faults,
    calls,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    onRequestDone: () => state?.changed(),
  });

  const port = await server.listen(opts.port, host);
  const publicHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `http://${publicHost.includes(":") ? `[${publicHost}]` : publicHost}:${port}`;
  urls = {
    telegram_api_root: url,
    vpn_api_url: `${url}/vpn`,
    cryptopay_api_url: `${url}/cryptopay/api/`,
    control: `${url}/sandbox`,
  };
  remnawave?.setSubscriptionBase(`${url}/remnawave/api/sub`);
  logger.info(urls, "sandbox stand-ins listening");

  let closed: Promise<void> | null = null;
  return {
    url,
    port,
    vpnApiUrl: `${url}/vpn`,
    cryptopayApiUrl: `${url}/cryptopay/api/`,
    botToken,
    vpnApiKey,
    cryptopayToken,
    remnawave: remnawave
      ? { url: `${url}/remnawave`, token: remnawaveToken, standIn: remnawave }
      : undefined,
    marzban: { url: `${url}/marzban`, ...marzbanLogin, standIn: marzban },
    xui: {
      url: `${url}/xui`,
      token: xuiToken,
      inboundIds: xuiInbounds,
      subUrl: `${url}/xui`,
      standIn: xui,
    },
    setCryptopayWebhookUrl: (webhookUrl) => cryptopay.setWebhookUrl(webhookUrl),
    close: () => {
      closed ??= (async () => {
        telegram.close();
        await server.close();
        await state?.close();
      })();
      return closed;
    },
  };
}

interface StandIns {
  telegram: TelegramStandIn;
  cryptopay: CryptoPayStandIn;
  vpn: VpnStandIn;
  marzban: MarzbanStandIn;
  remnawave: RemnawaveStandIn | undefined;
  xui: XuiStandIn;
}

/** What the state file holds: each stand-in's own state under its name. */
interface SavedState {
  telegram?: TelegramState;
  cryptopay?: CryptoPayState;
  vpn?: ReturnType<VpnStandIn["saveState"]>;
  marzban?: ReturnType<MarzbanStandIn["saveState"]>;
  remnawave?: ReturnType<RemnawaveStandIn["saveState"]>;
  xui?: ReturnType<XuiStandIn["saveState"]>;
}

/** Loads the saved state into the stand-ins and returns the file that keeps saving it. */
function restoreState(file: string, logger: Logger, s: StandIns): SandboxStateFile<SavedState> {
  const stateFile = new SandboxStateFile<SavedState>({
    path: file,
    logger,
    snapshot: () => ({
      telegram: s.telegram.saveState(),
      cryptopay: s.cryptopay.saveState(),
      vpn: s.vpn.saveState(),
      marzban: s.marzban.saveState(),
      xui: s.xui.saveState(),
      ...(s.remnawave ? { remnawave: s.remnawave.saveState() } : {}),
    }),
  });
  const saved: SavedState | undefined = stateFile.load();
  if (saved) {
    try {
      if (saved.telegram) s.telegram.restoreState(saved.telegram);
      if (saved.cryptopay) s.cryptopay.restoreState(saved.cryptopay);
      if (saved.vpn) s.vpn.restoreState(saved.vpn);
      if (saved.marzban) s.marzban.restoreState(saved.marzban);
      if (saved.xui) s.xui.restoreState(saved.xui);
      if (saved.remnawave && s.remnawave) s.remnawave.restoreState(saved.remnawave);
    } catch (err) {
      logger.warn({ path: file, err: toError(err).message }, "sandbox state not restored");
    }
  }
  logger.info(
    {
      path: file,
      restored: saved !== undefined,
      chats: saved?.telegram?.chats.chats.length ?? 0,
      next_update_id: saved?.telegram?.updates.nextId ?? 1,
      next_crypto_invoice_id: saved?.cryptopay?.invoices.nextId ?? 1,
      vpn_users: saved?.vpn?.users.length ?? 0,
    },
    saved ? "sandbox state restored" : "sandbox state starts empty",
  );
  return stateFile;
}

/**
 * The Remnawave stand-in is loaded on demand: it imports the panel's contract package, a
 * development dependency that the runtime image does not contain.
 */
async function loadRemnawaveStandIn(
  token: string,
  logger: Logger,
): Promise<RemnawaveStandIn | undefined> {
  try {
    const { RemnawaveStandIn } = await import("./vpn/remnawave-stand-in.js");
    return new RemnawaveStandIn({ token, subscriptionBase: "https://sub.sandbox.invalid/api/sub" });
  } catch (err) {
    logger.warn({ err: toError(err).message }, "Remnawave stand-in unavailable");
    return undefined;
  }
}
