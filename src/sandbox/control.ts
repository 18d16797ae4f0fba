import { z } from "zod";
import type { CallLog } from "./calls.js";
import type { CryptoPayStandIn } from "./cryptopay/stand-in.js";
import { payOptionsSchema } from "./cryptopay/stand-in.js";
import { type FaultRegistry, faultSpecSchema } from "./faults.js";
import { HttpError } from "./http/errors.js";
import { type Reply, type SandboxRequest, TARGETS, type Target } from "./http/types.js";
import { PRE_CHECKOUT_TIMEOUT_MS } from "./telegram/customers.js";
import type { TelegramStandIn } from "./telegram/stand-in.js";
import type { VpnStandIn } from "./vpn/stand-in.js";

export interface ControlPlaneDeps {
  telegram: TelegramStandIn;
  vpn: VpnStandIn;
  cryptopay: CryptoPayStandIn;
  faults: FaultRegistry;
  calls: CallLog;
  /** Ends requests a `hang` fault is holding, once faults are cleared. */
  releaseHung(target?: Target): void;
  /** Where each stand-in lives, for `GET /sandbox`. */
  describe(): Record<string, string>;
}

/** Longest a control-plane request may wait for a chat message. */
const MAX_WAIT_MS = 60_000;

const messageBody = z.object({
  text: z.string(),
  first_name: z.string().min(1).optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
  /** The message is forwarded: from this user's id, or from a sender who hides their account. */
  forward_from: z.number().int().positive().optional(),
  forward_hidden_name: z.string().min(1).optional(),
});
const pressBody = z.object({
  message_id: z.number().int().positive(),
  data: z.string(),
  /** Send data the message does not show (a forged press). */
  forged: z.boolean().optional(),
});
const payBody = z.object({
  message_id: z.number().int().positive(),
  timeout_ms: z.number().int().positive().max(PRE_CHECKOUT_TIMEOUT_MS).optional(),
  /** Pay, but never deliver the successful_payment update (a lost update). */
  drop_update: z.boolean().optional(),
});

type Handler = (m: RegExpExecArray, req: SandboxRequest) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  run: Handler;
}

const ok = (json: unknown): Reply => ({ status: 200, json });

/** The `/sandbox/...` control plane (contracts/sandbox.md). */
export class ControlPlane {
  private readonly routes: Route[];

  constructor(private readonly deps: ControlPlaneDeps) {
    this.routes = this.buildRoutes();
  }

  async handle(req: SandboxRequest): Promise<Reply> {
    const candidates = this.routes.filter((r) => r.pattern.test(req.path));
    if (candidates.length === 0) throw new HttpError(404, `no control-plane route ${req.path}`);
    const route = candidates.find((r) => r.method === req.method);
    if (!route) throw new HttpError(405, `${req.method} not allowed on ${req.path}`);
    const match = route.pattern.exec(req.path);
    if (!match) throw new HttpError(404, `no control-plane route ${req.path}`);
    return route.run(match, req);
  }

  private buildRoutes(): Route[] {
    const { telegram, vpn, cryptopay, faults, calls } = this.deps;
    const customers = telegram.customers;
    const user = "/sandbox/users/(\\d{1,15})";
    const route = (method: string, path: string, run: Handler): Route => ({
      method,
      pattern: new RegExp(`^${path}/?$`),
      run,
    });
    return [
      route("GET", "/sandbox", () => ok(this.deps.describe())),
      route("POST", `${user}/message`, (m, req) => {
        const { text, forward_from, forward_hidden_name, ...profile } = parse(messageBody, req);
        const forward =
          forward_from !== undefined
            ? { userId: forward_from }
            : forward_hidden_name !== undefined
              ? { hiddenName: forward_hidden_name }
              : undefined;
        return ok(customers.message(userId(m), text, profile, forward));
      }),
      route("POST", `${user}/press`, (m, req) => {
        const body = parse(pressBody, req);
        return ok(customers.press(userId(m), body.message_id, body.data, body.forged ?? false));
      }),
      route("POST", `${user}/pay`, async (m, req) => {
        const body = parse(payBody, req);
        const timeout = body.timeout_ms ?? PRE_CHECKOUT_TIMEOUT_MS;
        return ok(
          await customers.pay(userId(m), body.message_id, timeout, req.signal, {
            dropUpdate: body.drop_update === true,
          }),
        );
      }),
      route("POST", `${user}/block`, (m) => ok(customers.setBlocked(userId(m), true))),
      route("POST", `${user}/unblock`, (m) => ok(customers.setBlocked(userId(m), false))),
      route("GET", `${user}/chat`, async (m, req) => {
        const after = intQuery(req, "after", 0);
        const waitMs = Math.min(intQuery(req, "wait_ms", 0), MAX_WAIT_MS);
        const chats = telegram.ctx.chats;
        const messages =
          waitMs > 0
            ? await chats.waitForView(userId(m), after, waitMs, req.signal)
            : chats.view(userId(m), after);
        return ok({ messages });
      }),
      route("GET", "/sandbox/files/([^/]+)", (m) => {
        const file = telegram.ctx.files.get(decodeURIComponent(m[1] ?? ""));
        if (!file) throw new HttpError(404, "no such file");
        return {
          status: 200,
          bytes: file.data,
          contentType: file.mime_type ?? "application/octet-stream",
          ...(file.file_name
            ? {
                headers: {
                  "content-disposition": `attachment; filename="${encodeURIComponent(file.file_name)}"`,
                },
              }
            : {}),
        };
      }),
      route("GET", "/sandbox/vpn/users", () => ok({ users: vpn.list() })),
      route("GET", "/sandbox/cryptopay/invoices", () =>
        ok({ invoices: cryptopay.invoices.list({ offset: 0, count: Number.MAX_SAFE_INTEGER }) }),
      ),
      route("POST", "/sandbox/cryptopay/invoices/(\\d+)/pay", async (m, req) => {
        const options = parse(payOptionsSchema, req);
        return ok(await cryptopay.pay(Number(m[1]), options, req.signal));
      }),
      route("GET", "/sandbox/faults", () => ok({ faults: faults.list() })),
      route("POST", "/sandbox/faults", (_m, req) => ok(faults.add(parse(faultSpecSchema, req)))),
      route("DELETE", "/sandbox/faults", (_m, req) => {
        const target = targetQuery(req);
        faults.clear(target);
        this.deps.releaseHung(target);
        return ok({ cleared: true });
      }),
      route("GET", "/sandbox/calls", (_m, req) => {
        const target = targetQuery(req);
        const method = req.query.get("method") ?? undefined;
        return ok({
          calls: calls.list({ ...(target ? { target } : {}), ...(method ? { method } : {}) }),
        });
      }),
      route("DELETE", "/sandbox/calls", () => {
        calls.clear();
        return ok({ cleared: true });
      }),
    ];
  }
}

function userId(m: RegExpExecArray): number {
  return Number(m[1]);
}

function parse<T extends z.ZodType>(schema: T, req: SandboxRequest): z.infer<T> {
  let body: unknown = {};
  const text = req.body.toString("utf8").trim();
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, "body is not valid JSON");
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, z.prettifyError(result.error));
  return result.data;
}

function intQuery(req: SandboxRequest, name: string, fallback: number): number {
  const raw = req.query.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new HttpError(400, `${name} must be a non-negative integer`);
  return n;
}

function targetQuery(req: SandboxRequest): Target | undefined {
  const raw = req.query.get("target");
  if (raw === null || raw === "") return undefined;
  if (!TARGETS.includes(raw as Target)) {
    throw new HttpError(400, `target must be one of ${TARGETS.join(", ")}`);
  }
  return raw as Target;
}
