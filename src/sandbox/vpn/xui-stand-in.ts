import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Reply, SandboxRequest, StandIn } from "../http/types.js";

/**
 * The 3x-ui panel stand-in (v3.2+ clients API) under `/xui`, following contracts/vpn-panels.md
 * and the panel's own behaviour: a Bearer API token; a request without an accepted token gets
 * 404, or 401 when it carries `X-Requested-With: XMLHttpRequest`; every answer is HTTP 200 with
 * `{success, msg, obj}`, a refusal being `success: false`. Its subscription server is
 * `/xui/sub/{subId}` (base64 of the client's links, 404 for an unknown or disabled one).
 */
export interface XuiStandInOptions {
  token: string;
  /** Host written into the generated vless:// links. */
  linkHost: string;
  /** Ids of the inbounds that exist on the panel. Default [1]. */
  inboundIds?: number[];
}

/** One client as the panel's API shows it. */
export type XuiClient = {
  id: number;
  email: string;
  uuid: string;
  subId: string;
  flow: string;
  enable: boolean;
  expiryTime: number;
  tgId: number;
  limitIp: number;
  totalGB: number;
  comment: string;
  trafficReset: string;
  inboundIds: number[];
  createdAt: number;
  updatedAt: number;
};

const PREFIX = "/xui";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields of the panel's `model.Client` the API binds (JSON names and Go types). */
const clientSchema = z.object({
  id: z.string().regex(UUID).optional(),
  email: z.string().min(1),
  flow: z.string().optional(),
  limitIp: z.number().int().min(0).default(0),
  totalGB: z.number().int().min(0).default(0),
  expiryTime: z.number().int().default(0),
  enable: z.boolean().default(false),
  tgId: z.number().int().default(0),
  subId: z.string().default(""),
  comment: z.string().default(""),
  trafficReset: z.enum(["never", "hourly", "daily", "weekly", "monthly"]).optional(),
});
const createSchema = z.object({
  client: clientSchema,
  inboundIds: z.array(z.number().int()).min(1),
});

class Refusal extends Error {}

export class XuiStandIn implements StandIn {
  readonly target = "vpn";
  private readonly clients = new Map<string, XuiClient>();
  private readonly inbounds: Set<number>;
  private nextId = 1;

  constructor(private readonly opts: XuiStandInOptions) {
    this.inbounds = new Set(opts.inboundIds ?? [1]);
  }

  list(): XuiClient[] {
    return [...this.clients.values()].map((c) => structuredClone(c));
  }

  /** The panel's clients and the next client id, for the sandbox state file. */
  saveState(): { clients: XuiClient[]; nextId: number } {
    return { clients: [...this.clients.values()], nextId: this.nextId };
  }

  restoreState(state: { clients: XuiClient[]; nextId: number }): void {
    this.clients.clear();
    for (const client of state.clients) this.clients.set(client.email, client);
    this.nextId = state.nextId;
  }

  methodOf(path: string): string {
    const rest = path.slice(PREFIX.length).split("/").filter(Boolean);
    return `xui:${(rest[0] === "panel" && rest[1] === "api" ? rest.slice(2) : rest).join("/")}`;
  }

  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply {
    if (kind === "rate_limit") {
      return {
        status: 429,
        bytes: Buffer.from("Too Many Requests"),
        contentType: "text/plain",
        headers: { "retry-after": String(retryAfter) },
      };
    }
    return { status, bytes: Buffer.from("Internal Server Error"), contentType: "text/plain" };
  }

  async handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }> {
    const segments = req.path.slice(PREFIX.length).split("/").filter(Boolean);
    if (segments[0] === "sub" && segments.length === 2 && req.method === "GET") {
      return { reply: this.subscription(segments[1] ?? ""), request: null };
    }
    if (segments[0] !== "panel" || segments[1] !== "api") {
      return { reply: notFoundPage(), request: null };
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    if (bearer !== this.opts.token) {
      const api = req.headers["x-requested-with"] === "XMLHttpRequest";
      return {
        reply: api ? { status: 401, bytes: Buffer.alloc(0) } : notFoundPage(),
        request: null,
      };
    }
    let request: unknown = null;
    try {
      request = req.body.length > 0 ? JSON.parse(req.body.toString("utf8")) : null;
    } catch {
      return { reply: msg(false, "somethingWentWrong (invalid character in JSON)"), request: null };
    }
    const r = segments.slice(2);
    try {
      const obj = this.run(req.method, r, request);
      if (obj === NO_ROUTE) return { reply: notFoundPage(), request };
      return { reply: msg(true, "", obj), request };
    } catch (err) {
      if (err instanceof Refusal) return { reply: msg(false, err.message), request };
      throw err;
    }
  }

  private run(method: string, r: string[], body: unknown): unknown {
    const [group, action, arg] = r;
    if (group === "server" && action === "status" && r.length === 2 && method === "GET") {
      return { cpu: 1, xray: { state: "running", version: "26.1.1" } };
    }
    if (group !== "clients") return NO_ROUTE;
    if (method === "GET" && action === "list" && r.length === 2) {
      return [...this.clients.values()];
    }
    if (method === "GET" && action === "get" && r.length === 3) {
      const client = this.byEmail(arg);
      return { client, inboundIds: client.inboundIds, externalLinks: [], usedTraffic: 0 };
    }
    if (method === "GET" && action === "traffic" && r.length === 3) {
      const client = this.byEmail(arg);
      return {
        email: client.email,
        up: 0,
        down: 0,
        total: client.totalGB,
        expiryTime: client.expiryTime,
        enable: client.enable,
      };
    }
    if (method === "POST" && action === "add" && r.length === 2) {
      this.create(body);
      return null;
    }
    if (method === "POST" && action === "update" && r.length === 3) {
      this.update(this.byEmail(arg), body);
      return null;
    }
    if (method === "POST" && action === "del" && r.length === 3) {
      this.clients.delete(this.byEmail(arg).email);
      return null;
    }
    if (method === "POST" && action === "resetTraffic" && r.length === 3) {
      this.byEmail(arg);
      return null;
    }
    return NO_ROUTE;
  }

  private create(body: unknown): void {
    const input = bind(createSchema, body);
    const c = input.client;
    if (this.clients.has(c.email))
      throw new Refusal(`somethingWentWrong (Duplicate email: ${c.email})`);
    for (const id of input.inboundIds) {
      if (!this.inbounds.has(id))
        throw new Refusal(`somethingWentWrong (inbound ${id}: record not found)`);
    }
    const now = Date.now();
    this.clients.set(c.email, {
      id: this.nextId++,
      email: c.email,
      uuid: c.id ?? randomUUID(),
      subId: c.subId || randomUUID().replace(/-/g, "").slice(0, 16),
      flow: c.flow ?? "",
      enable: c.enable,
      expiryTime: c.expiryTime,
      tgId: c.tgId,
      limitIp: c.limitIp,
      totalGB: c.totalGB,
      comment: c.comment,
      trafficReset: c.trafficReset ?? "never",
      inboundIds: input.inboundIds,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The panel replaces the whole client with what was sent (the email may not change here). */
  private update(client: XuiClient, body: unknown): void {
    const c = bind(clientSchema, body);
    if (c.email !== client.email) throw new Refusal("somethingWentWrong (email cannot change)");
    client.uuid = c.id ?? client.uuid;
    client.subId = c.subId;
    client.flow = c.flow ?? "";
    client.enable = c.enable;
    client.expiryTime = c.expiryTime;
    client.tgId = c.tgId;
    client.limitIp = c.limitIp;
    client.totalGB = c.totalGB;
    client.comment = c.comment;
    client.trafficReset = c.trafficReset ?? "never";
    client.updatedAt = Date.now();
  }

  private byEmail(email: string | undefined): XuiClient {
    const client = this.clients.get(decodeURIComponent(email ?? ""));
    if (!client) throw new Refusal("pages.inbounds.toasts.obtain (record not found)");
    return client;
  }

  /** What a client app fetches: the links of an enabled, unexpired client, base64-encoded. */
  private subscription(subId: string): Reply {
    const client = [...this.clients.values()].find((c) => c.subId === subId);
    const live = client?.enable && (client.expiryTime === 0 || client.expiryTime > Date.now());
    if (!client || !live) return notFoundPage();
    const query = new URLSearchParams({ type: "tcp", security: "reality", flow: client.flow });
    const link = `vless://${client.uuid}@${this.opts.linkHost}:443?${query}#${encodeURIComponent(client.email)}`;
    return {
      status: 200,
      bytes: Buffer.from(Buffer.from(`${link}\n`).toString("base64")),
      contentType: "text/plain; charset=utf-8",
      headers: {
        "subscription-userinfo": `upload=0; download=0; total=${client.totalGB}; expire=${Math.floor(client.expiryTime / 1000)}`,
      },
    };
  }
}

const NO_ROUTE = Symbol("no route");

function msg(success: boolean, text: string, obj: unknown = null): Reply {
  return { status: 200, json: { success, msg: text, obj } };
}

function notFoundPage(): Reply {
  return { status: 404, bytes: Buffer.from("404 page not found"), contentType: "text/plain" };
}

/** Gin's ShouldBindJSON: a body that does not bind is refused with the binding error. */
function bind<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Refusal(`somethingWentWrong (${issue?.path.join(".")}: ${issue?.message})`);
  }
  return result.data;
}
