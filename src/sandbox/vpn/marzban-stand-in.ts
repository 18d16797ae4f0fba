import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";

/**
 * The Marzban panel stand-in under `/marzban`, following contracts/vpn-panels.md (and Marzban's
 * `app/routers/user.py`): an admin token from the login form, users by username, FastAPI's error
 * shapes (`{"detail": …}`, 422 for a body that does not validate).
 */
export interface MarzbanStandInOptions {
  username: string;
  password: string;
}

export type MarzbanUser = {
  username: string;
  status: "active" | "disabled" | "limited" | "expired" | "on_hold";
  expire: number | null;
  data_limit: number | null;
  data_limit_reset_strategy: string;
  used_traffic: number;
  note: string | null;
  proxies: Record<string, Record<string, unknown>>;
  inbounds: Record<string, string[]>;
  links: string[];
  subscription_url: string;
  created_at: string;
};

const PREFIX = "/marzban";
/** Marzban's USERNAME_REGEXP, plus its 3–32 characters. */
const USERNAME = /^(?=\w{3,32}\b)[a-zA-Z0-9-_@.]+(?:_[a-zA-Z0-9-_@.]+)*$/;
const RESET = z.enum(["no_reset", "day", "week", "month", "year"]);
const STATUS = z.enum(["active", "disabled", "on_hold"]);

const createSchema = z.object({
  username: z.string().regex(USERNAME),
  proxies: z.record(z.string(), z.record(z.string(), z.unknown())),
  inbounds: z.record(z.string(), z.array(z.string())).optional(),
  expire: z.number().int().min(0).nullable().optional(),
  data_limit: z.number().int().min(0).nullable().optional(),
  data_limit_reset_strategy: RESET.optional(),
  status: STATUS.optional(),
  note: z.string().nullable().optional(),
});
const modifySchema = createSchema.omit({ username: true }).partial();

class PanelError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === "string" ? detail : "validation error");
  }
}

export class MarzbanStandIn implements StandIn {
  readonly target = "vpn";
  private readonly users = new Map<string, MarzbanUser>();
  private readonly tokens = new Set<string>();

  constructor(private readonly opts: MarzbanStandInOptions) {}

  list(): MarzbanUser[] {
    return [...this.users.values()].map((u) => structuredClone(u));
  }

  /** The panel's users and the admin tokens it issued (a logged-in client stays logged in). */
  saveState(): { users: MarzbanUser[]; tokens: string[] } {
    return { users: [...this.users.values()], tokens: [...this.tokens] };
  }

  restoreState(state: { users: MarzbanUser[]; tokens: string[] }): void {
    this.users.clear();
    for (const user of state.users) this.users.set(user.username, user);
    this.tokens.clear();
    for (const token of state.tokens) this.tokens.add(token);
  }

  /** Every admin token stops working (Marzban's tokens expire): the next call must log in. */
  expireTokens(): void {
    this.tokens.clear();
  }

  methodOf(path: string): string {
    return `marzban:${path.slice(PREFIX.length).split("/").filter(Boolean).slice(1).join("/")}`;
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    if (kind === "rate_limit") {
      return {
        status: 429,
        json: { detail: "Too Many Requests" },
        headers: { "retry-after": String(retryAfter) },
      };
    }
    return { status, json: { detail: "Internal Server Error" } };
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    const segments = req.path.slice(PREFIX.length).split("/").filter(Boolean);
    let request: unknown = null;
    try {
      if (segments[0] === "sub" && segments.length === 2 && req.method === "GET") {
        return { reply: this.subscription(segments[1] ?? ""), request };
      }
      if (segments[0] !== "api") throw new PanelError(404, "Not Found");
      const r = segments.slice(1);
      if (req.method === "POST" && r.join("/") === "admin/token") {
        const form = new URLSearchParams(req.body.toString("utf8"));
        request = { username: form.get("username") };
        if (
          form.get("username") !== this.opts.username ||
          form.get("password") !== this.opts.password
        ) {
          throw new PanelError(401, "Incorrect username or password");
        }
        const token = randomBytes(24).toString("base64url");
        this.tokens.add(token);
        return {
          reply: { status: 200, json: { access_token: token, token_type: "bearer" } },
          request,
        };
      }
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
      if (!auth || !this.tokens.has(auth))
        throw new PanelError(401, "Could not validate credentials");
      request = req.body.length > 0 ? parseJson(req.body) : null;
      return { reply: { status: 200, json: this.run(req.method, r, request, req.query) }, request };
    } catch (err) {
      if (!(err instanceof PanelError)) throw err;
      return { reply: { status: err.status, json: { detail: err.detail } }, request };
    }
  }

  private run(method: string, r: string[], body: unknown, query: URLSearchParams): unknown {
    const [a, name, action] = r;
    if (method === "GET" && a === "system" && r.length === 1) {
      return { version: "0.8.4", users_active: this.users.size };
    }
    if (method === "GET" && a === "users" && r.length === 1) {
      const offset = Number(query.get("offset") ?? 0);
      const limit = Number(query.get("limit") ?? 0) || this.users.size;
      const all = [...this.users.values()];
      return { users: all.slice(offset, offset + limit), total: all.length };
    }
    if (a !== "user") throw new PanelError(404, "Not Found");
    if (method === "POST" && r.length === 1) return this.create(body);
    const user = this.users.get(name ?? "");
    if (!user) throw new PanelError(404, "User not found");
    if (r.length === 2 && method === "GET") return user;
    if (r.length === 2 && method === "DELETE") {
      this.users.delete(user.username);
      return {};
    }
    if (r.length === 2 && method === "PUT") {
      const input = validate(modifySchema, body);
      if (input.expire !== undefined) user.expire = input.expire;
      if (input.status !== undefined) user.status = input.status;
      if (input.note !== undefined) user.note = input.note;
      if (input.data_limit !== undefined) user.data_limit = input.data_limit;
      if (input.data_limit_reset_strategy !== undefined)
        user.data_limit_reset_strategy = input.data_limit_reset_strategy;
      if (input.proxies !== undefined) user.proxies = input.proxies;
      return user;
    }
    if (r.length === 3 && method === "POST" && action === "revoke_sub") {
      // Like Marzban's revoke_user_sub: a new link, and every proxy's credentials renewed.
      user.subscription_url = `/sub/${randomBytes(18).toString("base64url")}`;
      for (const settings of Object.values(user.proxies)) {
        if ("id" in settings) settings.id = randomUUID();
        if ("password" in settings) settings.password = randomBytes(12).toString("base64url");
      }
      return user;
    }
    if (r.length === 3 && method === "POST" && action === "reset") {
      user.used_traffic = 0;
      return user;
    }
    throw new PanelError(404, "Not Found");
  }

  /**
   * What a client app fetches from a subscription URL (public): the user's VLESS link,
   * base64-encoded; 404 for a revoked or unknown link, or a user not active.
   */
  private subscription(token: string): Reply {
    const user = [...this.users.values()].find((u) => u.subscription_url === `/sub/${token}`);
    if (user?.status !== "active") return { status: 404, json: { detail: "Not Found" } };
    const id = user.proxies.vless?.id;
    const link = `vless://${typeof id === "string" ? id : ""}@vpn.sandbox.invalid:443?type=tcp#${user.username}`;
    return {
      status: 200,
      bytes: Buffer.from(Buffer.from(`${link}\n`).toString("base64")),
      contentType: "text/plain; charset=utf-8",
    };
  }

  private create(body: unknown): MarzbanUser {
    const input = validate(createSchema, body);
    if (this.users.has(input.username)) throw new PanelError(409, "User already exists");
    const user: MarzbanUser = {
      username: input.username,
      status: input.status ?? "active",
      expire: input.expire ?? null,
      data_limit: input.data_limit ?? null,
      data_limit_reset_strategy: input.data_limit_reset_strategy ?? "no_reset",
      used_traffic: 0,
      note: input.note ?? null,
      proxies: input.proxies,
      inbounds: input.inbounds ?? { vless: ["VLESS TCP REALITY"] },
      links: [],
      subscription_url: `/sub/${randomBytes(18).toString("base64url")}`,
      created_at: new Date().toISOString(),
    };
    this.users.set(user.username, user);
    return user;
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PanelError(
      422,
      result.error.issues.map((i) => ({ loc: ["body", ...i.path], msg: i.message })),
    );
  }
  return result.data;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new PanelError(422, "body must be JSON");
  }
}
