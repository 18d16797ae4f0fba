import { HttpError } from "../http/errors.js";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";

export interface VpnUser {
  uuid: string;
  telegram_id: number | null;
  expiry_timestamp_ms: number;
  vless_link: string;
}

export interface VpnStandInOptions {
  apiKey: string;
  /** Host written into generated vless:// links. */
  linkHost: string;
  linkPort?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = "/vpn";
/** A fixed, well-formed REALITY public key and short id: links look real but lead nowhere. */
const SANDBOX_PUBLIC_KEY = "SbX0sandboxRealityPublicKeyAAAAAAAAAAAAAAAA";
const SANDBOX_SHORT_ID = "5a6e2b0c";
const SANDBOX_SNI = "www.microsoft.com";

const detail = (status: number, text: string): Reply => ({ status, json: { detail: text } });

/** The VPN API stand-in (contracts/vpn-api.md) with in-memory users, under `/vpn`. */
export class VpnStandIn implements StandIn {
  readonly target = "vpn";
  private readonly users = new Map<string, VpnUser>();

  constructor(private readonly opts: VpnStandInOptions) {}

  methodOf(path: string): string {
    return path.slice(PREFIX.length).split("/").filter(Boolean)[0] ?? "";
  }

  list(): VpnUser[] {
    return [...this.users.values()];
  }

  /** The users, kept across a restart as the real server keeps them. */
  saveState(): { users: VpnUser[] } {
    return { users: this.list() };
  }

  restoreState(state: { users: VpnUser[] }): void {
    this.users.clear();
    for (const user of state.users) this.users.set(user.uuid, user);
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    const segments = req.path.slice(PREFIX.length).split("/").filter(Boolean);
    const [name, arg] = segments;
    const route = ROUTES.find((r) => r.name === name && r.args === segments.length - 1);
    if (!route) return { reply: detail(404, "Not Found"), request: null };
    if (route.method !== req.method)
      return { reply: detail(405, "Method Not Allowed"), request: null };
    if (route.name !== "health" && req.headers["x-api-key"] !== this.opts.apiKey) {
      return { reply: detail(401, "Invalid or missing API key"), request: null };
    }
    let body: Record<string, unknown> = {};
    if (route.method === "POST" && route.args === 0) {
      const parsed = parseJsonObject(req.body);
      if (!parsed) return { reply: detail(422, "body must be a JSON object"), request: null };
      body = parsed;
    }
    const request = route.args === 1 ? { uuid: arg } : route.method === "POST" ? body : null;
    try {
      return { reply: { status: 200, json: this.run(route.name, body, arg ?? "") }, request };
    } catch (err) {
      if (err instanceof HttpError) return { reply: detail(err.status, err.message), request };
      throw err;
    }
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    if (kind === "rate_limit") {
      return { ...detail(429, "rate_limited"), headers: { "retry-after": String(retryAfter) } };
    }
    return detail(status, "internal_error");
  }

  private run(name: RouteName, body: Record<string, unknown>, arg: string): unknown {
    switch (name) {
      case "health":
        return { status: "ok" };
      case "add-user":
        return this.addUser(body);
      case "update-user":
        return this.updateUser(body);
      case "remove-user":
        return this.removeUser(arg);
      case "list-users":
        return { uuids: this.list().map((u) => u.uuid) };
    }
  }

  private addUser(body: Record<string, unknown>): unknown {
    const uuid = checkUuid(body.uuid);
    const telegramId = checkInt(body.telegram_id, "telegram_id");
    const expiry = checkInt(body.expiry_timestamp_ms, "expiry_timestamp_ms");
    const existing = this.users.get(uuid);
    if (existing) {
      existing.expiry_timestamp_ms = expiry;
      existing.telegram_id = telegramId;
    } else {
      this.users.set(uuid, this.newUser(uuid, telegramId, expiry));
    }
    const link = this.users.get(uuid)?.vless_link ?? "";
    return { uuid, vless_link: link, link };
  }

  private updateUser(body: Record<string, unknown>): unknown {
    const uuid = checkUuid(body.uuid);
    const expiry = checkInt(body.expiry_timestamp_ms, "expiry_timestamp_ms");
    const existing = this.users.get(uuid);
    if (existing) existing.expiry_timestamp_ms = expiry;
    else this.users.set(uuid, this.newUser(uuid, null, expiry));
    return { status: "ok" };
  }

  private removeUser(uuid: string): unknown {
    this.users.delete(checkUuid(uuid));
    return { status: "ok" };
  }

  private newUser(uuid: string, telegramId: number | null, expiry: number): VpnUser {
    return {
      uuid,
      telegram_id: telegramId,
      expiry_timestamp_ms: expiry,
      vless_link: this.link(uuid),
    };
  }

  /** Depends only on the UUID, so re-adding or re-creating a user gives the same link. */
  private link(uuid: string): string {
    const query = new URLSearchParams({
      encryption: "none",
      security: "reality",
      flow: "xtls-rprx-vision",
      type: "tcp",
      sni: SANDBOX_SNI,
      fp: "chrome",
      pbk: SANDBOX_PUBLIC_KEY,
      sid: SANDBOX_SHORT_ID,
    });
    const name = encodeURIComponent(`sandbox-${uuid.slice(0, 8)}`);
    return `vless://${uuid}@${this.opts.linkHost}:${this.opts.linkPort ?? 443}?${query}#${name}`;
  }
}

const ROUTES = [
  { name: "health", method: "GET", args: 0 },
  { name: "add-user", method: "POST", args: 0 },
  { name: "update-user", method: "POST", args: 0 },
  { name: "remove-user", method: "POST", args: 1 },
  { name: "list-users", method: "GET", args: 0 },
] as const;

type RouteName = (typeof ROUTES)[number]["name"];

function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function checkUuid(value: unknown): string {
  if (typeof value !== "string" || !UUID.test(value)) {
    throw new HttpError(400, "Invalid UUID format");
  }
  return value;
}

function checkInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new HttpError(422, `${field} must be an integer`);
  }
  return value;
}
