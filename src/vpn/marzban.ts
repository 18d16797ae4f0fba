import { z } from "zod";
import { type PanelInventory, type VpnApi, VpnApiError, type VpnUserInput } from "./api.js";
import type { PanelHttp, PanelRequest } from "./panel-http.js";

/**
 * The Marzban panel as a VPN backend (contracts/vpn-panels.md). Each key of ours is one panel
 * user named `vb_<key in base 62>` (25 characters: Marzban allows 3–32) with our note and the key
 * as its VLESS id; users without both marks are never changed or removed. Marzban has no
 * Telegram id field, so users are keyed by username only. The link is the subscription URL.
 */
export interface MarzbanOptions {
  http: PanelHttp;
  /** The panel's base URL: relative subscription URLs are made absolute with it. */
  baseUrl: string;
  username: string;
  password: string;
  /** VLESS inbound tags new users get (MARZBAN_INBOUNDS); the panel's defaults when empty. */
  inbounds: string[];
}

/** Marks the users this service creates. */
export const MARZBAN_NOTE = "vpn-bot";
const PREFIX = "vb_";
const PAGE_SIZE = 500;

const userSchema = z.object({
  username: z.string(),
  status: z.string(),
  expire: z.number().nullable().optional(),
  note: z.string().nullable().optional(),
  subscription_url: z.string(),
  proxies: z.record(z.string(), z.unknown()).optional(),
});
type PanelUser = z.infer<typeof userSchema>;
const usersPage = z.object({ users: z.array(userSchema), total: z.number() });
const tokenSchema = z.object({ access_token: z.string().min(1) });

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The panel username of one key: `vb_` and the key's 128 bits in 22 base-62 digits. */
export function marzbanUsername(uuid: string): string {
  let n = BigInt(`0x${uuid.replace(/-/g, "")}`);
  let digits = "";
  for (let i = 0; i < 22; i++) {
    digits = BASE62[Number(n % 62n)] + digits;
    n /= 62n;
  }
  return `${PREFIX}${digits}`;
}

/** The key a username of ours stands for, or undefined for any other username. */
export function uuidOfMarzbanUsername(username: string): string | undefined {
  const m = /^vb_([0-9A-Za-z]{22})$/.exec(username);
  if (!m?.[1]) return undefined;
  let n = 0n;
  for (const c of m[1]) n = n * 62n + BigInt(BASE62.indexOf(c));
  if (n >= 1n << 128n) return undefined;
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const isOurs = (u: PanelUser) =>
  u.note === MARZBAN_NOTE && uuidOfMarzbanUsername(u.username) !== undefined;

export class MarzbanBackend implements VpnApi {
  readonly #o: MarzbanOptions;
  #token: string | undefined;

  constructor(options: MarzbanOptions) {
    this.#o = options;
  }

  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const user = await this.#ensure(input.uuid, input.expiresAt, signal);
    return { uuid: input.uuid, link: this.#absolute(user.subscription_url) };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#ensure(input.uuid, input.expiresAt, signal);
  }

  async remove(uuid: string, signal?: AbortSignal): Promise<void> {
    const user = await this.#find(uuid, signal);
    // No user of ours under that name: our key is not on the panel (another user is left alone).
    if (!user || !isOurs(user)) return;
    await this.#authed(
      "delete",
      { method: "DELETE", path: `/api/user/${marzbanUsername(uuid)}`, accept: [404] },
      signal,
    );
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    return (await this.inventory(signal)).ours.map((k) => k.uuid);
  }

  /** Ours with the expiry the panel holds; the others by username, for the report only. */
  async inventory(signal?: AbortSignal): Promise<PanelInventory> {
    const found: PanelInventory = { ours: [], foreign: [] };
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const res = await this.#authed(
        "list",
        { method: "GET", path: `/api/users?offset=${offset}&limit=${PAGE_SIZE}` },
        signal,
      );
      const page = parse(usersPage, res.body, "list users");
      for (const u of page.users) {
        const key = isOurs(u) ? uuidOfMarzbanUsername(u.username) : undefined;
        // Expiry 0 or null means "never" on Marzban.
        const expiresAt = u.expire ? new Date(u.expire * 1000) : new Date(8.64e15);
        if (key) found.ours.push({ uuid: key, expiresAt });
        else found.foreign.push(u.username);
      }
      if (page.users.length === 0 || offset + page.users.length >= page.total) return found;
    }
  }

  /** Reachable and the admin login accepted. */
  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      this.#token = undefined;
      await this.#authed("system", { method: "GET", path: "/api/system" }, signal);
      return true;
    } catch {
      return false;
    }
  }

  async #login(signal?: AbortSignal): Promise<string> {
    const res = await this.#o.http.call(
      "token",
      {
        method: "POST",
        path: "/api/admin/token",
        form: { username: this.#o.username, password: this.#o.password },
      },
      signal,
    );
    this.#token = parse(tokenSchema, res.body, "admin token").access_token;
    return this.#token;
  }

  /** A call with the admin token; a 401 (token expired) logs in again once. */
  async #authed(operation: string, req: PanelRequest, signal?: AbortSignal) {
    for (let attempt = 1; ; attempt++) {
      const token = this.#token ?? (await this.#login(signal));
      const res = await this.#o.http.call(
        operation,
        {
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${token}` },
          accept: [...(req.accept ?? []), 401],
        },
        signal,
      );
      if (res.status !== 401) return res;
      this.#token = undefined;
      if (attempt >= 2) {
        throw this.#o.http.configurationError(
          "marzban refused a fresh admin token (status 401): check MARZBAN_USERNAME and MARZBAN_PASSWORD",
        );
      }
    }
  }

  async #find(uuid: string, signal?: AbortSignal): Promise<PanelUser | undefined> {
    const res = await this.#authed(
      "find",
      { method: "GET", path: `/api/user/${marzbanUsername(uuid)}`, accept: [404] },
      signal,
    );
    if (res.status === 404) return undefined;
    return parse(userSchema, res.body, "find user");
  }

  async #ensure(
    uuid: string,
    expiresAt: Date,
    signal?: AbortSignal,
    retried = false,
  ): Promise<PanelUser> {
    const existing = await this.#find(uuid, signal);
    const expire = Math.ceil(expiresAt.getTime() / 1000);
    if (existing) {
      if (!isOurs(existing)) throw notOurs(existing);
      const res = await this.#authed(
        "update",
        {
          method: "PUT",
          path: `/api/user/${existing.username}`,
          body: { expire, status: "active" },
        },
        signal,
      );
      return parse(userSchema, res.body, "update user");
    }
    const res = await this.#authed(
      "create",
      {
        method: "POST",
        path: "/api/user",
        accept: [409],
        body: {
          username: marzbanUsername(uuid),
          proxies: { vless: { id: uuid.toLowerCase() } },
          ...(this.#o.inbounds.length > 0 ? { inbounds: { vless: this.#o.inbounds } } : {}),
          expire,
          data_limit: 0,
          data_limit_reset_strategy: "no_reset",
          status: "active",
          note: MARZBAN_NOTE,
        },
      },
      signal,
    );
    // 409: a first attempt that timed out created it; it is there now.
    if (res.status === 409) {
      if (retried) throw new VpnApiError("bad_response", "create user: 409 for a missing user");
      return this.#ensure(uuid, expiresAt, signal, true);
    }
    return parse(userSchema, res.body, "create user");
  }

  #absolute(url: string): string {
    return /^https?:\/\//i.test(url) ? url : `${this.#o.baseUrl.replace(/\/+$/, "")}${url}`;
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new VpnApiError("bad_response", `${what}: unexpected answer (${result.error.message})`);
  }
  return result.data;
}

function notOurs(user: PanelUser): VpnApiError {
  return new VpnApiError(
    "bad_request",
    `panel user ${user.username} was not created by this service; left untouched`,
  );
}
