import type { DbScope } from "../../src/db/scope.js";
import type { Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import type { VpnApi } from "../../src/vpn/api.js";
import { keyOfMarzbanUser, MarzbanBackend } from "../../src/vpn/marzban.js";
import { keyOfRemnawaveUser } from "../../src/vpn/remnawave.js";
import { uuidOfXuiEmail, XuiBackend, xuiEmail } from "../../src/vpn/xui.js";
import { remnawaveRequest, sandboxRemnawave, standInPanelHttp } from "./sandbox.js";

export type PanelName = "remnawave" | "marzban" | "3x-ui";

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
  /** The limits the panel enforces on our user of one key, in one shape for every panel. */
  limitsOf(
    uuid: string | undefined,
  ): { devices: number | null; trafficBytes: number; reset: string } | undefined;
  /** The VLESS id the panel gives our user of one key (its credential). */
  credentialOf(uuid: string | undefined): string | undefined;
  /** Moves the expiry of our user of one key by hand, as an operator might. */
  setExpiryByHand(uuid: string | undefined, expiresAt: Date): Promise<void>;
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
        .find((u) => keyOfRemnawaveUser(u) === uuid);
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
          .map((u) => keyOfRemnawaveUser(u))
          .filter((k): k is string => k !== undefined),
      credentialOf: (uuid) => find(uuid)?.vlessUuid,
      limitsOf: (uuid) => {
        const u = find(uuid);
        return (
          u && {
            devices: u.hwidDeviceLimit,
            trafficBytes: u.trafficLimitBytes,
            reset: u.trafficLimitStrategy.toLowerCase(),
          }
        );
      },
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
      async setExpiryByHand(uuid, expiresAt) {
        const res = await remnawaveRequest(sandbox, "PATCH", "/api/users", {
          id: find(uuid)?.id,
          expireAt: expiresAt.toISOString(),
        });
        if (res.status !== 200) throw new Error(`Remnawave refused: ${JSON.stringify(res.body)}`);
      },
    };
  }
  if (panel === "3x-ui") return xuiView(sandbox);
  const m = sandbox.marzban;
  const find = (uuid: string | undefined) =>
    m.standIn.list().find((u) => keyOfMarzbanUser(u) === uuid);
  const nameOf = (uuid: string | undefined) => find(uuid)?.username ?? "missing";
  return {
    userOf(uuid) {
      const u = find(uuid);
      return (
        u && {
          expiresAt: new Date((u.expire ?? 0) * 1000),
          link: `${m.url}${u.subscription_url}`,
          marked: keyOfMarzbanUser(u) === uuid,
        }
      );
    },
    limitsOf: (uuid) => {
      const u = find(uuid);
      return (
        u && { devices: null, trafficBytes: u.data_limit ?? 0, reset: u.data_limit_reset_strategy }
      );
    },
    credentialOf: (uuid) => {
      const id = find(uuid)?.proxies.vless?.id;
      return typeof id === "string" ? id : undefined;
    },
    keys: () =>
      m.standIn
        .list()
        .map((u) => keyOfMarzbanUser(u))
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
      await fetch(`${m.url}/api/user/${nameOf(uuid)}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
    },
    async setExpiryByHand(uuid, expiresAt) {
      const token = await marzbanToken(sandbox);
      const res = await fetch(`${m.url}/api/user/${nameOf(uuid)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ expire: Math.floor(expiresAt.getTime() / 1000) }),
      });
      if (res.status !== 200) throw new Error(`Marzban refused: ${await res.text()}`);
    },
  };
}

function xuiView(sandbox: Sandbox): PanelView {
  const x = sandbox.xui;
  const find = (uuid: string | undefined) =>
    x.standIn.list().find((c) => c.email === xuiEmail(uuid ?? ""));
  return {
    userOf(uuid) {
      const c = find(uuid);
      return (
        c && {
          expiresAt: new Date(c.expiryTime),
          link: `${x.subUrl}/sub/${c.subId}`,
          marked: c.comment === "vpn-bot",
        }
      );
    },
    credentialOf: (uuid) => find(uuid)?.uuid,
    limitsOf: (uuid) => {
      const c = find(uuid);
      const reset = { never: "no_reset", daily: "day", weekly: "week", monthly: "month" };
      return (
        c && {
          devices: c.limitIp || null,
          trafficBytes: c.totalGB,
          reset: reset[c.trafficReset as keyof typeof reset] ?? c.trafficReset,
        }
      );
    },
    keys: () =>
      x.standIn
        .list()
        .filter((c) => c.comment === "vpn-bot")
        .map((c) => uuidOfXuiEmail(c.email))
        .filter((k): k is string => k !== undefined),
    async createForeign(name, expiresAt) {
      const res = await xuiRequest(sandbox, "POST", "/panel/api/clients/add", {
        client: { email: name, enable: true, expiryTime: expiresAt.getTime(), subId: name },
        inboundIds: x.inboundIds,
      });
      if (!res.success) throw new Error(`3x-ui refused the operator's client: ${res.msg}`);
    },
    expiryOf: (name) => {
      const c = x.standIn.list().find((u) => u.email === name);
      return c && new Date(c.expiryTime);
    },
    async deleteByHand(uuid) {
      await xuiRequest(sandbox, "POST", `/panel/api/clients/del/${xuiEmail(uuid ?? "")}`);
    },
    async setExpiryByHand(uuid, expiresAt) {
      const email = xuiEmail(uuid ?? "");
      const got = await xuiRequest(sandbox, "GET", `/panel/api/clients/get/${email}`);
      const { client } = got.obj as { client: Record<string, unknown> };
      const res = await xuiRequest(sandbox, "POST", `/panel/api/clients/update/${email}`, {
        ...client,
        id: client.uuid,
        expiryTime: expiresAt.getTime(),
      });
      if (!res.success) throw new Error(`3x-ui refused: ${res.msg}`);
    },
  };
}

/** Calls the 3x-ui stand-in directly, as the operator's panel page would. */
export async function xuiRequest(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ success: boolean; msg: string; obj: unknown }> {
  const res = await fetch(`${sandbox.xui.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sandbox.xui.token}`,
      "x-requested-with": "XMLHttpRequest",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as { success: boolean; msg: string; obj: unknown };
}

/** The real 3x-ui adapter pointed at the stand-in (no retries unless asked). */
export function sandboxXui(
  sandbox: Sandbox,
  deps: {
    metrics: Metrics;
    scope: DbScope;
    token?: string;
    retries?: number;
    onConfigurationError?: (detail: string) => void;
  },
): XuiBackend {
  const x = sandbox.xui;
  const http = standInPanelHttp({
    panel: "3x-ui",
    credentials: "XUI_TOKEN",
    baseUrl: x.url,
    ...deps,
  });
  return new XuiBackend({
    http,
    token: deps.token ?? x.token,
    inboundIds: x.inboundIds,
    subUrl: x.subUrl,
  });
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
  const http = standInPanelHttp({
    panel: "marzban",
    credentials: "MARZBAN_USERNAME and MARZBAN_PASSWORD",
    baseUrl: m.url,
    ...deps,
  });
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
  if (panel === "3x-ui") return sandboxXui(sandbox, deps);
  return panel === "remnawave"
    ? sandboxRemnawave(sandbox, deps).vpn
    : sandboxMarzban(sandbox, deps);
}

/** Environment naming a panel whose credentials it rejects, for the configuration-error story. */
export function wrongCredentialsEnv(sandbox: Sandbox, panel: PanelName): Record<string, string> {
  if (panel === "3x-ui") {
    return {
      VPN_BACKEND: "3x-ui",
      XUI_URL: sandbox.xui.url,
      XUI_TOKEN: "revoked-token",
      XUI_INBOUND_IDS: sandbox.xui.inboundIds.join(","),
      XUI_SUB_URL: sandbox.xui.subUrl,
    };
  }
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

/** The settings a panel's rejected credentials are reported under. */
export const CREDENTIAL_SETTINGS: Record<PanelName, string> = {
  remnawave: "REMNAWAVE_TOKEN",
  marzban: "MARZBAN_USERNAME and MARZBAN_PASSWORD",
  "3x-ui": "XUI_TOKEN",
};
