import { z } from "zod";
import type { PanelInventory, VpnApi, VpnUserInput } from "./api.js";
import { VpnApiError } from "./api.js";
import type { PanelHttp } from "./panel-http.js";

/**
 * The Remnawave 3.x panel as a VPN backend (contracts/vpn-panels.md). Each key of ours is one
 * panel user named `vb_<uuid without dashes>` with our tag and the key as its VLESS UUID; users
 * without both marks are never changed or removed. The link is the user's subscription URL.
 *
 * The schemas below are this adapter's own, narrow view of what it reads; the panel authors'
 * contract package checks what we send in the tests and the stand-in only (its licence keeps
 * it out of production code).
 */
export interface RemnawaveOptions {
  http: PanelHttp;
  token: string;
  /** Internal squads new users join (REMNAWAVE_SQUADS). */
  squads: string[];
}

/** Marks the users this service creates (uppercase, ≤ 16 characters: the panel's tag rule). */
export const REMNAWAVE_TAG = "VPNBOT";
const USERNAME_PREFIX = "vb_";
const USERNAME_PATTERN = /^vb_([0-9a-f]{32})$/;
const SUPPORTED_MAJOR = 3;
const PAGE_SIZE = 500;

const userSchema = z.object({
  id: z.number(),
  username: z.string(),
  vlessUuid: z.string(),
  tag: z.string().nullable(),
  status: z.string(),
  expireAt: z.string(),
  subscriptionUrl: z.string(),
});
type PanelUser = z.infer<typeof userSchema>;

const userResponse = z.object({ response: userSchema });
const usersPage = z.object({
  response: z.object({ users: z.array(userSchema), total: z.number() }),
});
const metadataResponse = z.object({ response: z.object({ version: z.string() }) });

/** The panel username of one key: stable, 35 characters, only [a-z0-9_]. */
export function remnawaveUsername(uuid: string): string {
  return `${USERNAME_PREFIX}${uuid.toLowerCase().replace(/-/g, "")}`;
}

/** The key a username of ours stands for, or undefined for any other username. */
export function uuidOfRemnawaveUsername(username: string): string | undefined {
  const hex = USERNAME_PATTERN.exec(username)?.[1];
  if (!hex) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const isOurs = (u: PanelUser) =>
  u.tag === REMNAWAVE_TAG && uuidOfRemnawaveUsername(u.username) !== undefined;

export class RemnawaveBackend implements VpnApi {
  readonly #o: RemnawaveOptions;
  /** The version the panel reported, once checked. */
  #checkedVersion: string | undefined;

  constructor(options: RemnawaveOptions) {
    this.#o = options;
  }

  get #auth(): Record<string, string> {
    return { authorization: `Bearer ${this.#o.token}` };
  }

  /** Creates the user, or updates the existing one of ours (a retry after an unknown outcome). */
  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const user = await this.#ensure(input.uuid, input.expiresAt, input.telegramId, signal);
    return { uuid: input.uuid, link: user.subscriptionUrl };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#ensure(input.uuid, input.expiresAt, undefined, signal);
  }

  async remove(uuid: string, signal?: AbortSignal): Promise<void> {
    await this.#checkVersion(signal);
    const user = await this.#find(uuid, signal);
    // No user of ours under that name: our key is not on the panel (another user is left alone).
    if (!user || !isOurs(user)) return;
    await this.#o.http.call(
      "delete",
      { method: "DELETE", path: `/api/users/${user.id}`, headers: this.#auth, accept: [404] },
      signal,
    );
  }

  /** The keys of the users this service created (others on the panel are not listed). */
  async list(signal?: AbortSignal): Promise<string[]> {
    return (await this.inventory(signal)).ours.map((k) => k.uuid);
  }

  /** Ours with the expiry the panel holds; the others by username, for the report only. */
  async inventory(signal?: AbortSignal): Promise<PanelInventory> {
    await this.#checkVersion(signal);
    const found: PanelInventory = { ours: [], foreign: [] };
    for (let start = 0; ; start += PAGE_SIZE) {
      const res = await this.#o.http.call(
        "list",
        {
          method: "GET",
          path: `/api/users?start=${start}&size=${PAGE_SIZE}`,
          headers: this.#auth,
        },
        signal,
      );
      const page = parse(usersPage, res.body, "list users").response;
      for (const u of page.users) {
        const key = isOurs(u) ? uuidOfRemnawaveUsername(u.username) : undefined;
        if (key) found.ours.push({ uuid: key, expiresAt: new Date(u.expireAt) });
        else found.foreign.push(u.username);
      }
      if (page.users.length === 0 || start + page.users.length >= page.total) return found;
    }
  }

  /** Reachable, the token accepted and the version supported. */
  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      this.#checkedVersion = undefined;
      await this.#checkVersion(signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The 2.x → 3.x change broke every client that did not look: the version is read before the
   * first call and an unsupported one is a configuration error, never retried as an outage.
   */
  async #checkVersion(signal?: AbortSignal): Promise<void> {
    if (this.#checkedVersion !== undefined) return;
    const res = await this.#o.http.call(
      "metadata",
      { method: "GET", path: "/api/system/metadata", headers: this.#auth },
      signal,
      { countsForBreaker: true },
    );
    const { version } = parse(metadataResponse, res.body, "metadata").response;
    const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
    if (major !== SUPPORTED_MAJOR) {
      throw this.#o.http.configurationError(
        `Remnawave ${version} is not supported: this service speaks the Remnawave 3.x API`,
      );
    }
    this.#checkedVersion = version;
  }

  async #find(uuid: string, signal?: AbortSignal): Promise<PanelUser | undefined> {
    const res = await this.#o.http.call(
      "find",
      {
        method: "GET",
        path: `/api/users/by-username/${encodeURIComponent(remnawaveUsername(uuid))}`,
        headers: this.#auth,
        accept: [404],
      },
      signal,
    );
    if (res.status === 404) return undefined;
    return parse(userResponse, res.body, "find user").response;
  }

  async #ensure(
    uuid: string,
    expiresAt: Date,
    telegramId: number | undefined,
    signal?: AbortSignal,
  ): Promise<PanelUser> {
    await this.#checkVersion(signal);
    const existing = await this.#find(uuid, signal);
    if (existing) {
      if (!isOurs(existing)) throw notOurs(existing);
      const res = await this.#o.http.call(
        "update",
        {
          method: "PATCH",
          path: "/api/users",
          headers: this.#auth,
          body: { id: existing.id, expireAt: expiresAt.toISOString(), status: "ACTIVE" },
        },
        signal,
      );
      return parse(userResponse, res.body, "update user").response;
    }
    const created = await this.#o.http
      .call(
        "create",
        {
          method: "POST",
          path: "/api/users",
          headers: this.#auth,
          body: {
            username: remnawaveUsername(uuid),
            vlessUuid: uuid.toLowerCase(),
            expireAt: expiresAt.toISOString(),
            status: "ACTIVE",
            trafficLimitBytes: 0,
            trafficLimitStrategy: "NO_RESET",
            tag: REMNAWAVE_TAG,
            description: `vpn-bot key${telegramId === undefined ? "" : ` of Telegram user ${telegramId}`}`,
            ...(telegramId === undefined ? {} : { telegramId }),
            ...(this.#o.squads.length > 0 ? { activeInternalSquads: this.#o.squads } : {}),
          },
        },
        signal,
      )
      .catch(async (err: unknown) => {
        // A first attempt that timed out may have created the user: then it is there now.
        const again =
          err instanceof VpnApiError && err.kind === "bad_request"
            ? await this.#find(uuid, signal)
            : undefined;
        if (again && isOurs(again)) return undefined;
        throw err;
      });
    if (!created) return this.#ensure(uuid, expiresAt, telegramId, signal);
    return parse(userResponse, created.body, "create user").response;
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
