import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { toError } from "../util/errors.js";
import type { CallLog } from "./calls.js";
import type { FaultDecision, FaultRegistry } from "./faults.js";
import { BodyTooLargeError, readBody, summariseBody } from "./http/body.js";
import { HttpError } from "./http/errors.js";
import type { Reply, SandboxRequest, StandIn, Target } from "./http/types.js";
import { sleep } from "./wait.js";

export interface SandboxServerDeps {
  logger: Logger;
  /** Stand-ins by the path prefix they serve. */
  standIns: { matches(path: string): boolean; standIn: StandIn }[];
  control(req: SandboxRequest): Promise<Reply>;
  faults: FaultRegistry;
  calls: CallLog;
  bodyLimitBytes: number;
  /** A request that may have changed a stand-in's state has been answered. */
  onRequestDone?: () => void;
}

/** The abort reason of a request's signal once its response is closed. */
const REQUEST_CLOSED = "request closed";
/**
 * The one HTTP server behind every stand-in and the control plane. It applies injected faults
 * to stand-in requests (never to the control plane), records stand-in calls, and tracks its
 * sockets so that `close()` ends long polls, hung requests and keep-alive connections at once.
 */
export class SandboxServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Map<ServerResponse, Target>();
  private readonly closing = new AbortController();

  constructor(private readonly deps: SandboxServerDeps) {
    this.server = createServer((req, res) => {
      this.onRequest(req, res)
        .catch((err: unknown) => {
          deps.logger.error({ err, url: req.url }, "sandbox request failed");
          writeReply(res, { status: 500, json: { error: "internal sandbox error" } });
        })
        .finally(() => {
          // Reading the control plane changes nothing; everything else may.
          const readOnly = req.method === "GET" && req.url?.startsWith("/sandbox");
          if (!readOnly) deps.onRequestDone?.();
        });
    });
    // Longer than any client's idle keep-alive, so a client never reuses a socket the server
    // is closing at that very moment (a spurious ECONNRESET under load).
    this.server.keepAliveTimeout = 65_000;
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  /** Drops the connections of requests a `hang` fault holds (all, or one target's). */
  releaseHung(target?: Target): void {
    for (const [res, t] of this.hung) {
      if (target === undefined || t === target) res.socket?.destroy();
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const path = url.pathname.replace(/\/{2,}/g, "/");
    const requestDone = new AbortController();
    // An explicit reason: abort() without one builds a DOMException (and its stack) per request.
    const abort = () => requestDone.abort(REQUEST_CLOSED);
    this.closing.signal.addEventListener("abort", abort, { once: true });
    res.on("close", () => {
      this.closing.signal.removeEventListener("abort", abort);
      abort();
    });
    const base = {
      method: req.method ?? "GET",
      path,
      query: url.searchParams,
      headers: req.headers,
      signal: requestDone.signal,
    };
    const entry = this.deps.standIns.find((s) => s.matches(path));
    if (entry) {
      await this.serveStandIn(entry.standIn, req, res, base);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.deps.bodyLimitBytes);
    } catch (err) {
      writeReply(res, bodyErrorReply(err));
      return;
    }
    if (path === "/sandbox" || path.startsWith("/sandbox/")) {
      try {
        writeReply(res, await this.deps.control({ ...base, body }));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        writeReply(res, { status: err.status, json: { error: err.message } });
      }
      return;
    }
    writeReply(res, { status: 404, json: { error: `nothing at ${path}` } });
  }

  private async serveStandIn(
    standIn: StandIn,
    req: IncomingMessage,
    res: ServerResponse,
    base: Omit<SandboxRequest, "body">,
  ): Promise<void> {
    const target = standIn.target;
    const method = standIn.methodOf(base.path);
    const decision: FaultDecision = this.deps.faults.decide(target, method);
    const record = (request: unknown, status: number, response: unknown) =>
      this.deps.calls.record({ target, method, request, status, response });

    if (decision.action.kind === "down") {
      record(null, 0, { fault: "down" });
      // An RST rather than a FIN: the client sees a connection reset, as with a dead server.
      req.socket.resetAndDestroy();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.deps.bodyLimitBytes);
    } catch (err) {
      writeReply(res, bodyErrorReply(err));
      return;
    }
    if (decision.latencyMs > 0) {
      const slept = await sleep(decision.latencyMs, base.signal);
      if (!slept) return;
    }
    const summary = () => summariseBody(req.headers["content-type"], body);
    const action = decision.action;
    if (action.kind === "hang") {
      this.hung.set(res, target);
      res.on("close", () => {
        this.hung.delete(res);
        record(summary(), 0, { fault: "hang" });
      });
      return;
    }
    if (action.kind === "error" || action.kind === "rate_limit") {
      const reply =
        action.kind === "error"
          ? standIn.faultReply("error", action.status, 0)
          : standIn.faultReply("rate_limit", 429, action.retryAfter);
      record(summary(), reply.status, reply.json);
      writeReply(res, reply);
      return;
    }
    const { reply, request } = await standIn.handle({ ...base, body });
    record(request, reply.status, reply.json ?? null);
    writeReply(res, reply);
  }
}

function bodyErrorReply(err: unknown): Reply {
  if (err instanceof BodyTooLargeError) return { status: 413, json: { error: err.message } };
  return { status: 400, json: { error: toError(err).message } };
}

function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const payload = reply.bytes ?? Buffer.from(JSON.stringify(reply.json ?? null));
  res.writeHead(reply.status, {
    "content-type": reply.bytes
      ? (reply.contentType ?? "application/octet-stream")
      : "application/json",
    "content-length": payload.length,
    ...reply.headers,
  });
  res.end(payload);
}
