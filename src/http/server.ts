import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { Metrics } from "../ops/metrics.js";
import type { Readiness } from "../ops/readiness.js";
import type { WatchdogStatus } from "../ops/watchdog.js";

/** How long a client may take (Fastify's `requestTimeout` / `connectionTimeout`). */
export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this (else 408 and closed). */
  requestMs: number;
  /** A socket with no traffic either way for this long is closed (idle keep-alive too). */
  idleMs: number;
}

export interface MetricsRouteOptions {
  metrics: Metrics;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; others get 401. */
  token: string | undefined;
}

export interface HttpServerDeps {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The watchdog's verdict; `/health` must never touch the pool. */
  health(): WatchdogStatus;
  startedAt: number;
  timeouts: HttpTimeouts;
  /**
   * Serve `/metrics` on this server (the default), or not: when `METRICS_PORT` is set it lives
   * on its own server (`buildMetricsServer`) and the public port does not answer it.
   */
  serveMetrics: boolean;
  metricsToken: string | undefined;
}

/** A Fastify instance with the service's logger and bounded client timeouts. */
function baseServer(logger: Logger, component: string, timeouts: HttpTimeouts): FastifyInstance {
  return Fastify({
    loggerInstance: logger.child({ component }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Probes must answer even when a client keeps a socket open during shutdown.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
    // Without these a client that sends headers and stalls its body holds a socket forever.
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    http: {
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.requestMs,
      // How often Node enforces the two above (its default, 30 s, would let a stall run long).
      connectionsCheckingInterval: Math.min(1_000, timeouts.requestMs),
    },
  });
}

/**
 * Probes and metrics. Route plugins (payment webhooks, the Telegram webhook) are registered by
 * the composition root on the returned instance before `listen`.
 */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = baseServer(deps.logger, "http", deps.timeouts);

  app.get("/health", async (_req, reply) => {
    const status = deps.health();
    const body = {
      status: status.ok ? "ok" : "stuck",
      stuck: status.stuck,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
    };
    return reply.code(status.ok ? 200 : 503).send(body);
  });

  app.get("/ready", async (_req, reply) => {
    const report = await deps.readiness.report();
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? "ready" : "not_ready",
      reasons: report.reasons,
      dependencies: report.dependencies,
    });
  });

  if (deps.serveMetrics) metricsRoute(app, { metrics: deps.metrics, token: deps.metricsToken });
  return app;
}

/** `/metrics` alone, for `METRICS_PORT`: a port that need not be reachable from outside. */
export function buildMetricsServer(
  deps: MetricsRouteOptions & { logger: Logger; timeouts: HttpTimeouts },
): FastifyInstance {
  const app = baseServer(deps.logger, "metrics_http", deps.timeouts);
  metricsRoute(app, deps);
  return app;
}

function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  app.get("/metrics", async (req, reply) => {
    if (expected && !sameBytes(req.headers.authorization, expected)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="metrics"')
        .send({ error: "unauthorized" });
    }
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}

function sameBytes(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}
