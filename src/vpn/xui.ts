import { createHash } from "node:crypto";
import { z } from "zod";
import type { JsonResponse } from "../net/json-request.js";
import {
  type PanelInventory,
  type VpnApi,
  VpnApiError,
  type VpnLimits,
  type VpnUserInput,
} from "./api.js";
import type { PanelHttp, PanelRequest } from "./panel-http.js";

/**
 * The 3x-ui panel (v3.2 and later, where clients are first-class) as a VPN backend
 * (contracts/vpn-panels.md). Each key of ours is one client whose email is `vb_<key without
 * dashes>` and whose comment is our mark, with the key as its VLESS id and the customer's
 * Telegram id; clients without both marks are never changed or removed. The link is the
 * client's subscription URL on the panel's subscription server (`XUI_SUB_URL`).
 *
 * 3x-ui answers every API call with HTTP 200 and `{success, msg, obj}`; a failed call says
 * `success: false`. A request without an accepted token gets 404 unless it declares itself an
 * API call (`X-Requested-With: XMLHttpRequest`), then 401 — which is what this adapter sends.
 */
export interface XuiOptions {
  http: PanelHttp;
  token: string;
  /** Inbounds new clients join (XUI_INBOUND_IDS). */
  inboundIds: number[];
  /** Base URL of the panel's subscription server (XUI_SUB_URL). */
  subUrl: string;
}

/** Marks the clients this service creates (their comment). */
export const XUI_COMMENT = "vpn-bot";
const EMAIL_PATTERN = /^vb_([0-9a-f]{32})$/;

const clientSchema = z.object({
  email: z.string(),
  uuid: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
  subId: z.string(),
  comment: z.string().nullable().optional(),
  enable: z.boolean(),
  expiryTime: z.number(),
  tgId: z.number().nullable().optional(),
  limitIp: z.number().optional(),
  totalGB: z.number().optional(),
});
type PanelClient = z.infer<typeof clientSchema>;

const envelope = z.object({
  success: z.boolean(),
  msg: z.string().optional().default(""),
  obj: z.unknown().optional(),
});
const getObj = z.object({ client: clientSchema });

/** The client email of one key: stable, 35 characters. */
export function xuiEmail(uuid: string): string {
  return `vb_${uuid.toLowerCase().replace(/-/g, "")}`;
}

/** The key an email of ours stands for, or undefined for any other client. */
export function uuidOfXuiEmail(email: string): string | undefined {
  const hex = EMAIL_PATTERN.exec(email)?.[1];
  if (!hex) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The subscription id of one key: derived from it, so a retried create after an unknown outcome
 * names the same subscription; a new key (a reissue) gets a new one.
 */
export function xuiSubId(uuid: string): string {
  return createHash("sha256").update(`vpn-bot:${uuid.toLowerCase()}`).digest("hex").slice(0, 16);
}

/** 3x-ui's names of a plan's traffic reset periods. */
const XUI_RESET = { no_reset: "never", day: "daily", week: "weekly", month: "monthly" } as const;

const isOurs = (c: PanelClient) =>
  c.comment === XUI_COMMENT && uuidOfXuiEmail(c.email) !== undefined;

export class XuiBackend implements VpnApi {
  readonly #o: XuiOptions;

  constructor(options: XuiOptions) {
    this.#o = options;
  }

  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const client = await this.#ensure(input, input.telegramId, signal);
    return { uuid: input.uuid, link: this.#link(client.subId) };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#ensure(input, undefined, signal);
  }

  async remove(uuid: string, signal?: AbortSignal): Promise<void> {
    const client = await this.#find(uuid, signal);
    // No client of ours under that email: our key is not on the panel (another is left alone).
    if (!client || !isOurs(client)) return;
    const res = await this.#call(
      "delete",
      {
        method: "POST",
        path: `/panel/api/clients/del/${encodeURIComponent(client.email)}`,
      },
      signal,
    );
    const answer = parse(envelope, res.body, "delete client");
    if (!answer.success && !notFound(answer.msg)) throw failed("delete client", answer.msg);
  }

  /** The keys of the clients this service created (others on the panel are not listed). */
  async list(signal?: AbortSignal): Promise<string[]> {
    return (await this.inventory(signal)).ours.map((k) => k.uuid);
  }

  /** Ours with the expiry the panel holds; the others by email, for the report only. */
  async inventory(signal?: AbortSignal): Promise<PanelInventory> {
    const res = await this.#call(
      "list",
      { method: "GET", path: "/panel/api/clients/list" },
      signal,
    );
    const answer = parse(envelope, res.body, "list clients");
    if (!answer.success) throw failed("list clients", answer.msg);
    const clients = parse(z.array(clientSchema), answer.obj ?? [], "list clients");
    const found: PanelInventory = { ours: [], foreign: [] };
    for (const c of clients) {
      const key = isOurs(c) ? uuidOfXuiEmail(c.email) : undefined;
      // Expiry 0 means "never" on 3x-ui.
      const expiresAt = new Date(c.expiryTime > 0 ? c.expiryTime : 8.64e15);
      if (key) found.ours.push({ uuid: key, expiresAt });
      else found.foreign.push(c.email);
    }
    return found;
  }

  /** Reachable and the token accepted. */
  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.#call(
        "status",
        { method: "GET", path: "/panel/api/server/status" },
        signal,
      );
      return parse(envelope, res.body, "server status").success;
    } catch {
      return false;
    }
  }

  #call(operation: string, req: PanelRequest, signal?: AbortSignal): Promise<JsonResponse> {
    return this.#o.http.call(
      operation,
      {
        ...req,
        headers: {
          ...req.headers,
          authorization: `Bearer ${this.#o.token}`,
          "x-requested-with": "XMLHttpRequest",
        },
      },
      signal,
    );
  }

  async #find(uuid: string, signal?: AbortSignal): Promise<PanelClient | undefined> {
    const res = await this.#call(
      "find",
      { method: "GET", path: `/panel/api/clients/get/${encodeURIComponent(xuiEmail(uuid))}` },
      signal,
    );
    const answer = parse(envelope, res.body, "find client");
    if (!answer.success) {
      if (notFound(answer.msg)) return undefined;
      throw failed("find client", answer.msg);
    }
    return parse(getObj, answer.obj, "find client").client;
  }

  async #ensure(
    input: Omit<VpnUserInput, "telegramId">,
    telegramId: number | undefined,
    signal?: AbortSignal,
    retried = false,
  ): Promise<PanelClient> {
    const { uuid, limits } = input;
    const existing = await this.#find(uuid, signal);
    const expiryTime = input.expiresAt.getTime();
    if (existing) {
      if (!isOurs(existing)) throw notOurs(existing);
      // The update replaces the whole client: everything it had is sent back.
      const client = {
        ...this.#clientBody(uuid, expiryTime, telegramId ?? existing.tgId ?? 0, limits),
        subId: existing.subId,
      };
      const res = await this.#call(
        "update",
        {
          method: "POST",
          path: `/panel/api/clients/update/${encodeURIComponent(existing.email)}`,
          body: client,
        },
        signal,
      );
      const answer = parse(envelope, res.body, "update client");
      if (!answer.success) throw failed("update client", answer.msg);
      return { ...existing, ...client };
    }
    const client = this.#clientBody(uuid, expiryTime, telegramId ?? 0, limits);
    const res = await this.#call(
      "create",
      {
        method: "POST",
        path: "/panel/api/clients/add",
        body: { client, inboundIds: this.#o.inboundIds },
      },
      signal,
    );
    const answer = parse(envelope, res.body, "create client");
    if (!answer.success) {
      // A first attempt that timed out may have created it: then it is there now.
      if (!retried && /exist|duplicate/i.test(answer.msg)) {
        return this.#ensure(input, telegramId, signal, true);
      }
      throw failed("create client", answer.msg);
    }
    return client;
  }

  /** The whole client as 3x-ui stores it; a plan's limits are enforced by the panel. */
  #clientBody(uuid: string, expiryTime: number, tgId: number, limits: VpnLimits | undefined) {
    return {
      id: uuid.toLowerCase(),
      email: xuiEmail(uuid),
      flow: "xtls-rprx-vision",
      enable: true,
      expiryTime,
      tgId,
      subId: xuiSubId(uuid),
      limitIp: limits?.devices ?? 0,
      totalGB: limits?.trafficBytes ?? 0,
      trafficReset: limits?.trafficBytes ? XUI_RESET[limits.trafficReset] : "never",
      comment: XUI_COMMENT,
    };
  }

  #link(subId: string): string {
    return `${this.#o.subUrl.replace(/\/+$/, "")}/sub/${subId}`;
  }
}

const notFound = (msg: string) => /not found/i.test(msg);

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new VpnApiError("bad_response", `${what}: unexpected answer (${result.error.message})`);
  }
  return result.data;
}

function failed(what: string, msg: string): VpnApiError {
  return new VpnApiError("bad_request", `${what}: the panel refused (${msg.slice(0, 200)})`);
}

function notOurs(client: PanelClient): VpnApiError {
  return new VpnApiError(
    "bad_request",
    `panel client ${client.email} was not created by this service; left untouched`,
  );
}
