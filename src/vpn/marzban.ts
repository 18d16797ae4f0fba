import { z } from "zod";
import {
  type PanelInventory,
  type VpnApi,
  VpnApiError,
  type VpnLimits,
  type VpnUserInput,
} from "./api.js";
import type { PanelHttp, PanelRequest } from "./panel-http.js";

/**
 * The Marzban panel as a VPN backend (contracts/vpn-panels.md). Each subscription of ours is one
 * panel user named `vb_<subscription id>` whose note names the subscription's current key;
 * users without both marks are never changed or removed. Marzban has no Telegram id field, so
 * users are keyed by username only. The link is the subscription URL. A reissue (a new key for
 * the subscription) uses the panel's `revoke_sub`: a new subscription URL and new proxy
 * credentials on the same user, the old ones stop.
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

/** Starts the note of the users this service creates. */
const MARZBAN_NOTE = "vpn-bot";
const USERNAME_PATTERN = /^vb_(\d{1,18})$/;
const NOTE_PATTERN = /^vpn-bot key ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
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

/** The panel username of one subscription: stable across reissues. */
function marzbanUsername(subscriptionId: number): string {
  return `vb_${subscriptionId}`;
}

/** The note of a user of ours: it names the subscription's current key. */
function marzbanNote(uuid: string): string {
  return `${MARZBAN_NOTE} key ${uuid.toLowerCase()}`;
}

/** The key a user of ours carries, or undefined for any other user. */
export function keyOfMarzbanUser(u: {
  username: string;
  note?: string | null;
}): string | undefined {
  if (!USERNAME_PATTERN.test(u.username)) return undefined;
  return NOTE_PATTERN.exec(u.note ?? "")?.[1];
}

export class MarzbanBackend implements VpnApi {
  readonly revokesOnReissue = true;
  readonly #o: MarzbanOptions;
  #token: string | undefined;

  constructor(options: MarzbanOptions) {
    this.#o = options;
  }

  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const user = await this.#ensure(input, signal);
    return { uuid: input.uuid, link: this.#absolute(user.subscription_url) };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#ensure(input, signal);
  }

  async remove(uuid: string, signal?: AbortSignal, subscriptionId?: number): Promise<void> {
    const key = uuid.toLowerCase();
    const user =
      subscriptionId === undefined
        ? (await this.#all(signal)).find((u) => keyOfMarzbanUser(u) === key)
        : await this.#find(subscriptionId, signal);
    // Not ours, or it carries another key of the subscription: our key is not on the panel.
    if (!user || keyOfMarzbanUser(user) !== key) return;
    await this.#authed(
      "delete",
      { method: "DELETE", path: `/api/user/${user.username}`, accept: [404] },
      signal,
    );
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    return (await this.inventory(signal)).ours.map((k) => k.uuid);
  }

  /** Ours with the expiry the panel holds; the others by username, for the report only. */
  async inventory(signal?: AbortSignal): Promise<PanelInventory> {
    const found: PanelInventory = { ours: [], foreign: [] };
    for (const u of await this.#all(signal)) {
      const key = keyOfMarzbanUser(u);
      // Expiry 0 or null means "never" on Marzban.
      const expiresAt = u.expire ? new Date(u.expire * 1000) : new Date(8.64e15);
      if (key) found.ours.push({ uuid: key, expiresAt });
      else found.foreign.push(u.username);
    }
    return found;
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

  async #all(signal?: AbortSignal): Promise<PanelUser[]> {
    const users: PanelUser[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const res = await this.#authed(
        "list",
        { method: "GET", path: `/api/users?offset=${offset}&limit=${PAGE_SIZE}` },
        signal,
      );
      const page = parse(usersPage, res.body, "list users");
      users.push(...page.users);
      if (page.users.length === 0 || offset + page.users.length >= page.total) return users;
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

  async #find(subscriptionId: number, signal?: AbortSignal): Promise<PanelUser | undefined> {
    const res = await this.#authed(
      "find",
      { method: "GET", path: `/api/user/${marzbanUsername(subscriptionId)}`, accept: [404] },
      signal,
    );
    if (res.status === 404) return undefined;
    return parse(userSchema, res.body, "find user");
  }

  async #ensure(
    input: Omit<VpnUserInput, "telegramId">,
    signal?: AbortSignal,
    retried = false,
  ): Promise<PanelUser> {
    const subscriptionId = input.subscriptionId;
    if (subscriptionId === undefined) {
      throw new VpnApiError("bad_request", "marzban: a key needs its subscription id");
    }
    const uuid = input.uuid.toLowerCase();
    const existing = await this.#find(subscriptionId, signal);
    const expire = Math.ceil(input.expiresAt.getTime() / 1000);
    if (existing) {
      const carried = keyOfMarzbanUser(existing);
      if (!carried) throw notOurs(existing);
      if (carried !== uuid) {
        // A reissue: a new subscription URL and new proxy credentials from the panel. Repeated
        // after an unknown outcome it revokes once more, which only renews them again.
        await this.#authed(
          "revoke",
          { method: "POST", path: `/api/user/${existing.username}/revoke_sub` },
          signal,
        );
      }
      const res = await this.#authed(
        "update",
        {
          method: "PUT",
          path: `/api/user/${existing.username}`,
          body: { expire, status: "active", note: marzbanNote(uuid), ...dataLimit(input.limits) },
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
          username: marzbanUsername(subscriptionId),
          proxies: { vless: { id: uuid } },
          ...(this.#o.inbounds.length > 0 ? { inbounds: { vless: this.#o.inbounds } } : {}),
          expire,
          ...dataLimit(input.limits),
          status: "active",
          note: marzbanNote(uuid),
        },
      },
      signal,
    );
    // 409: a first attempt that timed out created it; it is there now.
    if (res.status === 409) {
      if (retried) throw new VpnApiError("bad_response", "create user: 409 for a missing user");
      return this.#ensure(input, signal, true);
    }
    return parse(userSchema, res.body, "create user");
  }

  #absolute(url: string): string {
    return /^https?:\/\//i.test(url) ? url : `${this.#o.baseUrl.replace(/\/+$/, "")}${url}`;
  }
}

/** A plan's traffic limit in Marzban's terms (0 = unlimited); Marzban has no device limit. */
function dataLimit(limits: VpnLimits | undefined) {
  return {
    data_limit: limits?.trafficBytes ?? 0,
    data_limit_reset_strategy: limits?.trafficBytes ? limits.trafficReset : "no_reset",
  };
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
