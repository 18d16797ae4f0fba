import { z } from "zod";
import type {
  PanelInventory,
  VpnApi,
  VpnDevice,
  VpnKeyRef,
  VpnLimits,
  VpnUserInput,
} from "./api.js";
import { VpnApiError } from "./api.js";
import type { PanelHttp } from "./panel-http.js";

/**
 * The Remnawave 3.x panel as a VPN backend (contracts/vpn-panels.md). Each subscription of ours
 * is one panel user named `vb_<subscription id>` with our tag and its current key in the
 * description; users without all three marks are never changed or removed. The link is the
 * user's subscription URL. A reissue (a new key for the subscription) uses the panel's own
 * revoke: new credentials and a new subscription URL on the same user, the old ones stop.
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
const USERNAME_PATTERN = /^vb_(\d{1,18})$/;
const DESCRIPTION_PATTERN =
  /^vpn-bot key ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/;
const SUPPORTED_MAJOR = 3;
const PAGE_SIZE = 500;

const userSchema = z.object({
  id: z.number(),
  username: z.string(),
  vlessUuid: z.string(),
  tag: z.string().nullable(),
  description: z.string().nullable(),
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
const devicesResponse = z.object({
  response: z.object({
    devices: z.array(
      z.object({
        hwid: z.string(),
        platform: z.string().nullable(),
        deviceModel: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
  }),
});

/** The panel username of one subscription: stable across reissues. */
export function remnawaveUsername(subscriptionId: number): string {
  return `vb_${subscriptionId}`;
}

/** The description of a user of ours: it names the subscription's current key. */
export function remnawaveDescription(uuid: string, telegramId?: number | null): string {
  return `vpn-bot key ${uuid.toLowerCase()}${telegramId ? ` of Telegram user ${telegramId}` : ""}`;
}

/** The key a user of ours carries, or undefined for any other user. */
export function keyOfRemnawaveUser(u: {
  username: string;
  tag: string | null;
  description: string | null;
}): string | undefined {
  if (u.tag !== REMNAWAVE_TAG || !USERNAME_PATTERN.test(u.username)) return undefined;
  return DESCRIPTION_PATTERN.exec(u.description ?? "")?.[1];
}

export class RemnawaveBackend implements VpnApi {
  readonly revokesOnReissue = true;
  readonly #o: RemnawaveOptions;
  /** The version the panel reported, once checked. */
  #checkedVersion: string | undefined;

  constructor(options: RemnawaveOptions) {
    this.#o = options;
  }

  get #auth(): Record<string, string> {
    return { authorization: `Bearer ${this.#o.token}` };
  }

  /**
   * Creates the subscription's user, or updates it (a retry after an unknown outcome, a
   * renewal); when it carries another key the subscription's key was reissued: the panel
   * revokes its credentials and link first, then it carries the new key.
   */
  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const user = await this.#ensure(input, input.telegramId, signal);
    return { uuid: input.uuid, link: user.subscriptionUrl };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#ensure(input, undefined, signal);
  }

  async remove(uuid: string, signal?: AbortSignal, subscriptionId?: number): Promise<void> {
    await this.#checkVersion(signal);
    const key = uuid.toLowerCase();
    const user =
      subscriptionId === undefined
        ? (await this.#all(signal)).find((u) => keyOfRemnawaveUser(u) === key)
        : await this.#find(subscriptionId, signal);
    // Not ours, or it carries another key of the subscription: our key is not on the panel.
    if (!user || keyOfRemnawaveUser(user) !== key) return;
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
    for (const u of await this.#all(signal)) {
      const key = keyOfRemnawaveUser(u);
      if (key) found.ours.push({ uuid: key, expiresAt: new Date(u.expireAt) });
      else found.foreign.push(u.username);
    }
    return found;
  }

  /** The HWID devices of the user carrying this key, oldest first. */
  async devices(key: VpnKeyRef, signal?: AbortSignal): Promise<VpnDevice[]> {
    const user = await this.#carrying(key, signal);
    if (!user) return [];
    const res = await this.#o.http.call(
      "devices",
      { method: "GET", path: `/api/hwid/devices/${user.id}`, headers: this.#auth },
      signal,
    );
    return parse(devicesResponse, res.body, "devices")
      .response.devices.map((d) => ({
        hwid: d.hwid,
        platform: d.platform,
        model: d.deviceModel,
        addedAt: new Date(d.createdAt),
      }))
      .sort((a, b) => a.addedAt.getTime() - b.addedAt.getTime());
  }

  /** Unbinds one device: it must connect again (and fit the device limit) to use the key. */
  async removeDevice(key: VpnKeyRef, hwid: string, signal?: AbortSignal): Promise<void> {
    const user = await this.#carrying(key, signal);
    if (!user) return;
    await this.#o.http.call(
      "delete_device",
      {
        method: "POST",
        path: "/api/hwid/devices/delete",
        headers: this.#auth,
        body: { userId: user.id, hwid },
      },
      signal,
    );
  }

  /** The subscription's user, if it is ours and carries this key. */
  async #carrying(key: VpnKeyRef, signal?: AbortSignal): Promise<PanelUser | undefined> {
    await this.#checkVersion(signal);
    const user = await this.#find(key.subscriptionId, signal);
    return user && keyOfRemnawaveUser(user) === key.uuid.toLowerCase() ? user : undefined;
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

  async #all(signal?: AbortSignal): Promise<PanelUser[]> {
    const users: PanelUser[] = [];
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
      users.push(...page.users);
      if (page.users.length === 0 || start + page.users.length >= page.total) return users;
    }
  }

  async #find(subscriptionId: number, signal?: AbortSignal): Promise<PanelUser | undefined> {
    const res = await this.#o.http.call(
      "find",
      {
        method: "GET",
        path: `/api/users/by-username/${encodeURIComponent(remnawaveUsername(subscriptionId))}`,
        headers: this.#auth,
        accept: [404],
      },
      signal,
    );
    if (res.status === 404) return undefined;
    return parse(userResponse, res.body, "find user").response;
  }

  async #ensure(
    input: Omit<VpnUserInput, "telegramId">,
    telegramId: number | undefined,
    signal?: AbortSignal,
  ): Promise<PanelUser> {
    await this.#checkVersion(signal);
    const subscriptionId = input.subscriptionId;
    if (subscriptionId === undefined) {
      throw new VpnApiError("bad_request", "remnawave: a key needs its subscription id");
    }
    const uuid = input.uuid.toLowerCase();
    const existing = await this.#find(subscriptionId, signal);
    if (existing) {
      const carried = keyOfRemnawaveUser(existing);
      if (!carried) throw notOurs(existing);
      if (carried !== uuid) {
        // A reissue: new credentials and a new subscription URL from the panel. Repeated
        // after an unknown outcome it revokes once more, which only renews them again.
        await this.#o.http.call(
          "revoke",
          {
            method: "POST",
            path: `/api/users/${existing.id}/actions/revoke`,
            headers: this.#auth,
            body: {},
          },
          signal,
        );
      }
      const res = await this.#o.http.call(
        "update",
        {
          method: "PATCH",
          path: "/api/users",
          headers: this.#auth,
          body: {
            id: existing.id,
            expireAt: input.expiresAt.toISOString(),
            status: "ACTIVE",
            description: remnawaveDescription(uuid, telegramId ?? telegramOf(existing)),
            ...limitFields(input.limits),
            // No device limit in the plan: the panel's default applies.
            hwidDeviceLimit: input.limits?.devices ?? null,
          },
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
            username: remnawaveUsername(subscriptionId),
            vlessUuid: uuid,
            expireAt: input.expiresAt.toISOString(),
            status: "ACTIVE",
            ...limitFields(input.limits),
            ...(input.limits?.devices === undefined
              ? {}
              : { hwidDeviceLimit: input.limits.devices }),
            tag: REMNAWAVE_TAG,
            description: remnawaveDescription(uuid, telegramId),
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
            ? await this.#find(subscriptionId, signal)
            : undefined;
        if (again && keyOfRemnawaveUser(again)) return undefined;
        throw err;
      });
    if (!created) return this.#ensure(input, telegramId, signal);
    return parse(userResponse, created.body, "create user").response;
  }
}

/** A plan's traffic limit in the panel's terms (0 bytes = unlimited). */
function limitFields(limits: VpnLimits | undefined) {
  return {
    trafficLimitBytes: limits?.trafficBytes ?? 0,
    trafficLimitStrategy: limits?.trafficBytes
      ? (limits.trafficReset.toUpperCase() as Upper)
      : "NO_RESET",
  };
}
type Upper = "NO_RESET" | "DAY" | "WEEK" | "MONTH";

/** The Telegram id our description names, kept when an update does not know it. */
function telegramOf(user: PanelUser): number | undefined {
  const id = /of Telegram user (\d+)/.exec(user.description ?? "")?.[1];
  return id ? Number(id) : undefined;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new VpnApiError("bad_response", `${what}: unexpected answer (${result.error.message})`);
  }
  return result.data;
}

function notOurs(user: { username: string }): VpnApiError {
  return new VpnApiError(
    "bad_request",
    `panel user ${user.username} was not created by this service; left untouched`,
  );
}
