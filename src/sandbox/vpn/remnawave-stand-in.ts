import { randomBytes, randomUUID } from "node:crypto";
import {
  CreateUserCommand,
  CreateUserHwidDeviceCommand,
  DeleteUserCommand,
  DeleteUserHwidDeviceCommand,
  GetMetadataCommand,
  GetRemnawaveHealthCommand,
  GetUserByIdCommand,
  GetUserByUsernameCommand,
  GetUserHwidDevicesCommand,
  GetUsersCommand,
  RevokeUserSubscriptionCommand,
  UpdateUserCommand,
} from "@remnawave/backend-contract";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";

/**
 * The Remnawave 3.x panel stand-in under `/remnawave`. Every request body is parsed with the
 * panel authors' own zod schemas (`@remnawave/backend-contract`) and every response is checked
 * against them before it is sent, so a field the adapter sends or reads wrongly fails a test.
 * Development only: the package is AGPL-3.0-only and not part of the runtime image.
 */
export interface RemnawaveStandInOptions {
  token: string;
  /** Base of the subscription URLs handed out. */
  subscriptionBase: string;
  /** What `/api/system/metadata` reports (a 2.x value exercises the version check). */
  version?: string;
}

/** One panel user as the panel's API shows it (JSON: dates as ISO strings). */
export type RemnawaveUser = {
  id: number;
  uuid: string;
  shortUuid: string;
  username: string;
  status: "ACTIVE" | "DISABLED" | "LIMITED" | "EXPIRED";
  trafficLimitBytes: number;
  trafficLimitStrategy: string;
  expireAt: string;
  telegramId: number | null;
  email: string | null;
  description: string | null;
  tag: string | null;
  hwidDeviceLimit: number | null;
  externalSquadUuid: string | null;
  trojanPassword: string;
  vlessUuid: string;
  ssPassword: string;
  lastTriggeredThreshold: number;
  subRevokedAt: string | null;
  lastTrafficResetAt: string | null;
  createdAt: string;
  updatedAt: string;
  subscriptionUrl: string;
  activeInternalSquads: { uuid: string; name: string }[];
  userTraffic: {
    usedTrafficBytes: number;
    lifetimeUsedTrafficBytes: number;
    onlineAt: string | null;
    firstConnectedAt: string | null;
    lastConnectedNodeUuid: string | null;
  };
};

const PREFIX = "/remnawave";

/** One HWID device bound to a user, as the panel's API shows it. */
type HwidDevice = {
  hwid: string;
  userId: number;
  platform: string | null;
  osVersion: string | null;
  deviceModel: string | null;
  userAgent: string | null;
  requestIp: string | null;
  createdAt: string;
  updatedAt: string;
};

class PanelError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

export class RemnawaveStandIn implements StandIn {
  readonly target = "vpn";
  private readonly users = new Map<number, RemnawaveUser>();
  private readonly devices = new Map<number, HwidDevice[]>();
  private nextId = 1;
  private version: string;

  constructor(private opts: RemnawaveStandInOptions) {
    this.version = opts.version ?? "3.4.15";
  }

  /** Where the subscription URLs handed out from now on point (the stand-in's own once listening). */
  setSubscriptionBase(base: string): void {
    this.opts.subscriptionBase = base;
  }

  /** Pretends to be another panel version (e.g. "2.6.1"). */
  setVersion(version: string): void {
    this.version = version;
  }

  list(): RemnawaveUser[] {
    return [...this.users.values()].map((u) => structuredClone(u));
  }

  /** The panel's users and its id sequence, kept across a restart as the panel keeps them. */
  saveState(): { nextId: number; users: RemnawaveUser[] } {
    return { nextId: this.nextId, users: [...this.users.values()] };
  }

  restoreState(state: { nextId: number; users: RemnawaveUser[] }): void {
    this.users.clear();
    for (const user of state.users) this.users.set(user.id, user);
    this.nextId = state.nextId;
  }

  methodOf(path: string): string {
    return `remnawave:${this.route(path).join("/")}`;
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    if (kind === "rate_limit") {
      return {
        status: 429,
        json: { message: "Too Many Requests", statusCode: 429 },
        headers: { "retry-after": String(retryAfter) },
      };
    }
    return { status, json: { message: "Internal server error", statusCode: status } };
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    let request: unknown = null;
    const sub = /^\/remnawave\/api\/sub\/([^/]+)$/.exec(req.path)?.[1];
    if (sub && req.method === "GET") return { reply: this.subscription(sub), request };
    try {
      if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
        throw new PanelError(401, "Unauthorized");
      }
      request = req.body.length > 0 ? parseJson(req.body) : null;
      const route = this.route(req.path);
      const json = this.run(req.method, route, request, req.query);
      // Like the panel (NestJS): a created user answers 201.
      const created = req.method === "POST" && route.length === 1 && route[0] === "users";
      return { reply: { status: created ? 201 : 200, json }, request };
    } catch (err) {
      if (!(err instanceof PanelError)) throw err;
      return {
        reply: {
          status: err.status,
          json: {
            message: err.message,
            statusCode: err.status,
            ...(err.errors ? { errors: err.errors } : {}),
          },
        },
        request,
      };
    }
  }

  /** The path below `/remnawave/api/` as segments ("users", "by-username", "x"). */
  private route(path: string): string[] {
    const segments = path.slice(PREFIX.length).split("/").filter(Boolean);
    return segments[0] === "api" ? segments.slice(1) : ["?"];
  }

  private run(method: string, r: string[], body: unknown, query: URLSearchParams): unknown {
    const [a, b, c, d] = r;
    if (method === "GET" && a === "system" && b === "metadata" && r.length === 2) {
      return respond(GetMetadataCommand.ResponseSchema, {
        response: {
          version: this.version,
          build: { time: "2026-01-01T00:00:00Z", number: "1" },
          git: {
            backend: { commitSha: "sandbox", branch: "main", commitUrl: "https://invalid" },
            frontend: { commitSha: "sandbox", commitUrl: "https://invalid" },
          },
        },
      });
    }
    if (method === "GET" && a === "system" && b === "health" && r.length === 2) {
      return respond(GetRemnawaveHealthCommand.ResponseSchema, {
        response: { runtimeMetrics: [] },
      });
    }
    if (a === "hwid" && b === "devices") return this.hwid(method, r.slice(2), body);
    if (a !== "users") throw new PanelError(404, `Cannot ${method} ${r.join("/")}`);
    if (r.length === 1 && method === "POST") return this.create(body);
    if (r.length === 1 && method === "PATCH") return this.update(body);
    if (r.length === 1 && method === "GET") return this.page(query);
    if (r.length === 3 && b === "by-username" && method === "GET" && c) {
      const user = [...this.users.values()].find((u) => u.username === c);
      if (!user) throw new PanelError(404, "User not found");
      return respond(GetUserByUsernameCommand.ResponseSchema, { response: user });
    }
    if (r.length === 2 && method === "GET") {
      return respond(GetUserByIdCommand.ResponseSchema, { response: this.byId(b) });
    }
    if (r.length === 2 && method === "DELETE") {
      const user = this.byId(b);
      this.users.delete(user.id);
      validate(DeleteUserCommand.RequestParamSchema, { userId: b });
      return { response: { isDeleted: true } };
    }
    if (r.length === 4 && c === "actions" && d === "revoke" && method === "POST") {
      const input = validate(RevokeUserSubscriptionCommand.RequestBodySchema, body ?? {});
      const user = this.byId(b);
      // Like the panel: the credentials are always new; the link too unless only passwords go.
      if (!input.revokeOnlyPasswords) user.shortUuid = input.shortUuid ?? shortUuid();
      user.vlessUuid = randomUUID();
      user.trojanPassword = secret();
      user.ssPassword = secret();
      user.subRevokedAt = new Date().toISOString();
      this.touch(user);
      return respond(RevokeUserSubscriptionCommand.ResponseSchema, { response: user });
    }
    throw new PanelError(404, `Cannot ${method} users/${r.slice(1).join("/")}`);
  }

  /** `/api/hwid/devices…`: a user's devices, binding one (the panel does it when an app connects), unbinding one. */
  private hwid(method: string, rest: string[], body: unknown): unknown {
    const list = (userId: number) => {
      const devices = this.devices.get(userId) ?? [];
      return { response: { total: devices.length, devices } };
    };
    if (method === "GET" && rest.length === 1) {
      const { userId } = validate(GetUserHwidDevicesCommand.RequestParamSchema, {
        userId: rest[0],
      });
      this.byId(String(userId));
      return respond(GetUserHwidDevicesCommand.ResponseSchema, list(userId));
    }
    if (method === "POST" && rest.length === 0) {
      const input = validate(CreateUserHwidDeviceCommand.RequestBodySchema, body);
      const user = this.byId(String(input.userId));
      const devices = this.devices.get(user.id) ?? [];
      if (user.hwidDeviceLimit && devices.length >= user.hwidDeviceLimit) {
        throw new PanelError(400, "User has reached the maximum number of HWID devices");
      }
      const now = new Date().toISOString();
      devices.push({
        hwid: input.hwid,
        userId: user.id,
        platform: input.platform ?? null,
        osVersion: input.osVersion ?? null,
        deviceModel: input.deviceModel ?? null,
        userAgent: input.userAgent ?? null,
        requestIp: input.requestIp ?? null,
        createdAt: now,
        updatedAt: now,
      });
      this.devices.set(user.id, devices);
      return respond(CreateUserHwidDeviceCommand.ResponseSchema, list(user.id));
    }
    if (method === "POST" && rest.length === 1 && rest[0] === "delete") {
      const input = validate(DeleteUserHwidDeviceCommand.RequestBodySchema, body);
      const user = this.byId(String(input.userId));
      this.devices.set(
        user.id,
        (this.devices.get(user.id) ?? []).filter((d) => d.hwid !== input.hwid),
      );
      return respond(DeleteUserHwidDeviceCommand.ResponseSchema, list(user.id));
    }
    throw new PanelError(404, `Cannot ${method} hwid/devices/${rest.join("/")}`);
  }

  private create(body: unknown): unknown {
    const input = validate(CreateUserCommand.RequestBodySchema, body);
    if ([...this.users.values()].some((u) => u.username === input.username)) {
      throw new PanelError(400, "User username already exists");
    }
    const now = new Date().toISOString();
    const id = this.nextId++;
    const user: RemnawaveUser = {
      id,
      uuid: randomUUID(),
      shortUuid: input.shortUuid ?? shortUuid(),
      username: input.username,
      status: input.status ?? "ACTIVE",
      trafficLimitBytes: input.trafficLimitBytes ?? 0,
      trafficLimitStrategy: input.trafficLimitStrategy ?? "NO_RESET",
      expireAt: input.expireAt.toISOString(),
      telegramId: input.telegramId ?? null,
      email: input.email ?? null,
      description: input.description ?? null,
      tag: input.tag ?? null,
      hwidDeviceLimit: input.hwidDeviceLimit ?? null,
      externalSquadUuid: input.externalSquadUuid ?? null,
      trojanPassword: input.trojanPassword ?? secret(),
      vlessUuid: input.vlessUuid ?? randomUUID(),
      ssPassword: input.ssPassword ?? secret(),
      lastTriggeredThreshold: 0,
      subRevokedAt: null,
      lastTrafficResetAt: null,
      createdAt: now,
      updatedAt: now,
      subscriptionUrl: "",
      activeInternalSquads: (input.activeInternalSquads ?? []).map((uuid) => ({
        uuid,
        name: `squad-${uuid.slice(0, 8)}`,
      })),
      userTraffic: {
        usedTrafficBytes: 0,
        lifetimeUsedTrafficBytes: 0,
        onlineAt: null,
        firstConnectedAt: null,
        lastConnectedNodeUuid: null,
      },
    };
    this.touch(user);
    this.users.set(id, user);
    return respond(CreateUserCommand.ResponseSchema, { response: user });
  }

  private update(body: unknown): unknown {
    const input = validate(UpdateUserCommand.RequestBodySchema, body);
    const user =
      input.id !== undefined
        ? this.users.get(input.id)
        : [...this.users.values()].find((u) => u.username === input.username);
    if (!user) throw new PanelError(404, "User not found");
    if (input.expireAt !== undefined) user.expireAt = input.expireAt.toISOString();
    if (input.status !== undefined) user.status = input.status;
    if (input.trafficLimitBytes !== undefined) user.trafficLimitBytes = input.trafficLimitBytes;
    if (input.trafficLimitStrategy !== undefined)
      user.trafficLimitStrategy = input.trafficLimitStrategy;
    if (input.description !== undefined) user.description = input.description;
    if (input.tag !== undefined) user.tag = input.tag;
    if (input.telegramId !== undefined) user.telegramId = input.telegramId;
    if (input.hwidDeviceLimit !== undefined) user.hwidDeviceLimit = input.hwidDeviceLimit;
    this.touch(user);
    return respond(UpdateUserCommand.ResponseSchema, { response: user });
  }

  private page(query: URLSearchParams): unknown {
    const q = validate(GetUsersCommand.RequestQuerySchema, Object.fromEntries(query));
    const all = [...this.users.values()].sort((x, y) => x.id - y.id);
    return respond(GetUsersCommand.ResponseSchema, {
      response: { users: all.slice(q.start, q.start + q.size), total: all.length },
    });
  }

  private byId(raw: string | undefined): RemnawaveUser {
    const user = this.users.get(Number(raw));
    if (!user) throw new PanelError(404, "User not found");
    return user;
  }

  /**
   * What a client app fetches from a subscription URL (public, no token): the user's VLESS link,
   * base64-encoded; 404 for a short uuid that no longer exists (revoked) or a user not active.
   */
  private subscription(short: string): Reply {
    const user = [...this.users.values()].find((u) => u.shortUuid === short);
    if (user?.status !== "ACTIVE" || new Date(user.expireAt) <= new Date()) {
      return { status: 404, json: { message: "Not found", statusCode: 404 } };
    }
    const link = `vless://${user.vlessUuid}@vpn.sandbox.invalid:443?type=tcp&security=reality#${encodeURIComponent(user.username)}`;
    return {
      status: 200,
      bytes: Buffer.from(Buffer.from(`${link}\n`).toString("base64")),
      contentType: "text/plain; charset=utf-8",
    };
  }

  private touch(user: RemnawaveUser): void {
    user.updatedAt = new Date().toISOString();
    user.subscriptionUrl = `${this.opts.subscriptionBase.replace(/\/+$/, "")}/${user.shortUuid}`;
  }
}

/** Parses a request with the panel's own schema: a 400 with the panel's issues when it fails. */
function validate<S extends Schema>(schema: S, value: unknown): Parsed<S> {
  const result = schema.safeParse(value) as ParseResult<Parsed<S>>;
  if (!result.success) {
    throw new PanelError(400, "Validation failed", result.error.issues);
  }
  return result.data;
}

/** The package's schemas come with its own zod copy: only their `safeParse` is relied on. */
type ParseResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: unknown; message: string } };
type Schema = { safeParse(value: unknown): unknown };
type Parsed<S extends Schema> =
  Extract<ReturnType<S["safeParse"]>, { success: true }> extends {
    data: infer T;
  }
    ? T
    : never;

/** Checks a response against the panel's own schema; the JSON sent is the unparsed value. */
function respond(schema: Schema, value: unknown): unknown {
  const result = schema.safeParse(value) as ParseResult<unknown>;
  if (!result.success) {
    throw new Error(
      `stand-in built a response the panel's schema refuses: ${result.error.message}`,
    );
  }
  return value;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new PanelError(400, "Body must be JSON");
  }
}

const shortUuid = () => randomBytes(12).toString("base64url").slice(0, 16);
const secret = () => randomBytes(12).toString("base64url").slice(0, 16);
