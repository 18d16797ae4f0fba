import { afterAll } from "vitest";
import type { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import type { Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import type { VpnApi } from "../../src/vpn/api.js";
import { MarzbanBackend, marzbanUsername, uuidOfMarzbanUsername } from "../../src/vpn/marzban.js";
import { PanelHttp } from "../../src/vpn/panel-http.js";
import { remnawaveUsername, uuidOfRemnawaveUsername } from "../../src/vpn/remnawave.js";
import { remnawaveRequest, sandboxRemnawave } from "./sandbox.js";

export type PanelName = "remnawave" | "marzban";

/** What a test reads off a panel stand-in, the same way for every panel. */
export interface PanelView {
  /** Our user of one key: its expiry, subscription URL (absolute) and whether it carries our mark. */
  userOf(uuid: string | undefined): { expiresAt: Date; link: string; marked: boolean } | undefined;
  /** Keys of the users of ours on the panel. */
  keys(): string[];
  /** Creates an operator's own user (not ours) with this expiry; returns its name. */
  createForeign(name: string, expiresAt: Date): Promise<void>;
  /** The expiry of any user by name. */
  expiryOf(name: string): Date | undefined;
  /** Deletes our user of one key by hand, as an operator might. */
  deleteByHand(uuid: string | undefined): Promise<void>;
}

export function panelView(sandbox: Sandbox, panel: PanelName): PanelView {
  if (panel === "remnawave") {
    const standIn = () => {
      const s = sandbox.remnawave?.standIn;
      if (!s) throw new Error("no Remnawave stand-in");
      return s;
    };
    const find = (uuid: string | undefined) =>
      standIn()
        .list()
        .find((u) => u.username === remnawaveUsername(uuid ?? ""));
    return {
      userOf(uuid) {
        const u = find(uuid);
        return (
          u && {
            expiresAt: new Date(u.expireAt),
            link: u.subscriptionUrl,
            marked: u.tag === "VPNBOT",
          }
        );
      },
      keys: () =>
        standIn()
          .list()
          .filter((u) => u.tag === "VPNBOT")
          .map((u) => uuidOfRemnawaveUsername(u.username))
          .filter((k): k is string => k !== undefined),
      async createForeign(name, expiresAt) {
        await remnawaveRequest(sandbox, "POST", "/api/users", {
          username: name,
          expireAt: expiresAt.toISOString(),
        });
      },
      expiryOf: (name) => {
        const u = standIn()
          .list()
          .find((x) => x.username === name);
        return u && new Date(u.expireAt);
      },
      async deleteByHand(uuid) {
        await remnawaveRequest(sandbox, "DELETE", `/api/users/${find(uuid)?.id}`);
      },
    };
  }
  const m = sandbox.marzban;
  const find = (uuid: string | undefined) =>
    m.standIn.list().find((u) => u.username === marzbanUsername(uuid ?? "0-0-0-0-0"));
  return {
    userOf(uuid) {
      const u = find(uuid);
      return (
        u && {
          expiresAt: new Date((u.expire ?? 0) * 1000),
          link: `${m.url}${u.subscription_url}`,
          marked: u.note === "vpn-bot",
        }
      );
    },
    keys: () =>
      m.standIn
        .list()
        .filter((u) => u.note === "vpn-bot")
        .map((u) => uuidOfMarzbanUsername(u.username))
        .filter((k): k is string => k !== undefined),
    async createForeign(name, expiresAt) {
      const token = await marzbanToken(sandbox);
      await fetch(`${m.url}/api/user`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          username: name,
          proxies: { vless: {} },
          expire: Math.floor(expiresAt.getTime() / 1000),
        }),
      });
    },
    expiryOf: (name) => {
      const u = m.standIn.list().find((x) => x.username === name);
      return u && new Date((u.expire ?? 0) * 1000);
    },
    async deleteByHand(uuid) {
      const token = await marzbanToken(sandbox);
      await fetch(`${m.url}/api/user/${marzbanUsername(uuid ?? "")}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
    },
  };
}

async function marzbanToken(sandbox: Sandbox): Promise<string> {
  const m = sandbox.marzban;
  const res = await fetch(`${m.url}/api/admin/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: m.username, password: m.password }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The real Marzban adapter pointed at the stand-in (no retries unless asked). */
export function sandboxMarzban(
  sandbox: Sandbox,
  deps: {
    metrics: Metrics;
    scope: DbScope;
    password?: string;
    retries?: number;
    onConfigurationError?: (detail: string) => void;
  },
): MarzbanBackend {
  const m = sandbox.marzban;
  const http = new PanelHttp({
    panel: "marzban",
    credentials: "MARZBAN_USERNAME and MARZBAN_PASSWORD",
    baseUrl: m.url,
    timeoutMs: 1_000,
    retries: deps.retries ?? 0,
    retryBaseDelayMs: 5,
    breaker: new CircuitBreaker("vpn_api", { failureThreshold: 1_000, openMs: 1_000 }),
    metrics: deps.metrics,
    logger: silentLogger(),
    assertNoDbScope: (what) => deps.scope.assertNoDbScope(what),
    ...(deps.onConfigurationError ? { onConfigurationError: deps.onConfigurationError } : {}),
  });
  afterAll(() => http.close());
  return new MarzbanBackend({
    http,
    baseUrl: m.url,
    username: m.username,
    password: deps.password ?? m.password,
    inbounds: [],
  });
}

/** The adapter of one panel against its stand-in. */
export function sandboxPanel(
  sandbox: Sandbox,
  panel: PanelName,
  deps: { metrics: Metrics; scope: DbScope },
): VpnApi {
  return panel === "remnawave"
    ? sandboxRemnawave(sandbox, deps).vpn
    : sandboxMarzban(sandbox, deps);
}

/** Environment naming a panel whose credentials it rejects, for the configuration-error story. */
export function wrongCredentialsEnv(sandbox: Sandbox, panel: PanelName): Record<string, string> {
  return panel === "remnawave"
    ? {
        VPN_BACKEND: "remnawave",
        REMNAWAVE_URL: sandbox.remnawave?.url ?? "",
        REMNAWAVE_TOKEN: "revoked-token",
      }
    : {
        VPN_BACKEND: "marzban",
        MARZBAN_URL: sandbox.marzban.url,
        MARZBAN_USERNAME: sandbox.marzban.username,
        MARZBAN_PASSWORD: "not-the-password",
      };
}
