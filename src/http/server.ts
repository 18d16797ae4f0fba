import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { Metrics } from "../ops/metrics.js";
import type { Readiness } from "../ops/readiness.js";
import type { WatchdogStatus } from "../ops/watchdog.js";

export interface HttpServerDeps {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The watchdog's verdict; `/health` must never touch the pool. */
  health(): WatchdogStatus;
  startedAt: number;
}

/**
 * Probes and metrics. Route plugins (payment webhooks, the Telegram webhook) are registered by
 * the composition root on the returned instance before `listen`.
 */
export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "http" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Probes must answer even when a client keeps a socket open during shutdown.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
  });

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

  app.get("/metrics", async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  return app;
}
