import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type BotRuntime, createBotRuntime } from "./bot/runtime.js";
import { createBotServices } from "./bot-services.js";
import type { Config } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./db/connect.js";
import { migrate } from "./db/migrate.js";
import type { Db } from "./db/pool.js";
import { DbScope } from "./db/scope.js";
import { CryptoPaymentProcessor } from "./domain/billing/out-of-chat-payments.js";
import { createPaymentAnnouncer } from "./domain/billing/payment-announcer.js";
import { claimTtlFor, provisionSubscription } from "./domain/subscriptions/provisioning.js";
import { broadcastConsole, broadcastTransport } from "./features/admin/broadcasts/index.js";
import { createAdminFeature, withdrawalCopyRecorder } from "./features/admin/index.js";
import { supportFeature } from "./features/support/index.js";
import { cryptoPayWebhook } from "./http/cryptopay-webhook.js";
import { buildHttpServer, buildMetricsServer } from "./http/server.js";
import { type AppLogger, createLogger, type Logger } from "./logger.js";
import { createNetworkClients } from "./network-clients.js";
import { createAdminMessenger, createOperatorChannel } from "./ops/admin-messages.js";
import { formatDigest, scheduleDaily, yesterdayInNumbers } from "./ops/daily-digest.js";
import { DatabaseHealth } from "./ops/database-health.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import { Readiness } from "./ops/readiness.js";
import {
  eventLoopPart,
  loopPart,
  poolPart,
  startMainThreadSentinel,
  Watchdog,
} from "./ops/watchdog.js";
import type { CryptoPayApi } from "./payments/cryptopay.js";
import { toError } from "./util/errors.js";
import { replicaName } from "./util/replica.js";
import type { VpnApi } from "./vpn/api.js";
import { createWorkerLoops } from "./workers/index.js";
import { sqlLeaseStore } from "./workers/lease.js";
import type { Loop } from "./workers/loop.js";
import { StartGate } from "./workers/start-gate.js";

/** Everything the composition root built, for shutdown and for tests that drive the process. */
export interface Service {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  scope: DbScope;
  http: FastifyInstance;
  httpUrl: string;
  /** Where `/metrics` is served: `httpUrl`, or its own port when `METRICS_PORT` is set. */
  metricsUrl: string;
  readiness: Readiness;
  watchdog: Watchdog;
  gate: StartGate;
  loops: Loop[];
  vpn: VpnApi;
  cryptopay: CryptoPayApi | undefined;
  /** Undefined when no BOT_TOKEN is configured (the bare service, in tests). */
  bot: BotRuntime | undefined;
  /** Stops intake, loops, HTTP, the pool and the embedded database, in that order. */
  shutdown(reason: string): Promise<void>;
}

interface Step {
  name: string;
  run(): Promise<void> | void;
}

/** Runs before anything else: sandbox mode starts its stand-ins and rewrites the config here. */
export interface Preparation {
  config: Config;
  afterListen?(httpUrl: string): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  prepare?: (logger: Logger) => Promise<Preparation>;
  /** Extra loops to run (the workers register theirs here). */
  loops?: (deps: LoopDeps) => Loop[];
  /** Overrides the log destination (tests pass a file descriptor). */
  appLogger?: AppLogger;
}

export interface LoopDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  gate: StartGate;
}

/**
 * Brings the service up: config → logger → database (embedded if needed) → migrations → HTTP
 * probes → watchdog → loops. Each started part adds its stop step; shutdown runs them in
 * reverse, so the database is stopped last.
 */
export async function startService(
  baseConfig: Config,
  options: StartOptions = {},
): Promise<Service> {
  const startedAt = Date.now();
  const metrics = createMetrics();
  const appLogger =
    options.appLogger ??
    createLogger({
      level: baseConfig.log.level,
      bufferMaxBytes: baseConfig.log.bufferMaxBytes,
      onDrop: () => metrics.logLinesDropped.inc(),
    });
  const logger = appLogger.logger;
  const stopSteps: Step[] = [];

  let config = baseConfig;
  let preparation: Preparation | undefined;
  const scope = new DbScope({
    mode: config.env === "production" ? "log" : "throw",
    onViolation: () => metrics.dbHeldDuringNetwork.inc(),
    warn: (fields, msg) => logger.warn(fields, msg),
  });

  const readiness = new Readiness();
  readiness.require("migrations", "not applied yet");

  let database: DatabaseHandle | undefined;
  try {
    if (options.prepare) {
      preparation = await options.prepare(logger);
      config = preparation.config;
      const prepared = preparation;
      stopSteps.push({ name: "sandbox", run: () => prepared.stop() });
    }
    database = await openDatabase({ config, logger, metrics, scope });
    const { db, embedded } = database;
    if (embedded) stopSteps.push({ name: "embedded database", run: () => embedded.stop() });
    stopSteps.push({ name: "database pool", run: () => db.close() });

    const { applied } = await migrate(db, logger);
    readiness.met("migrations");
    logger.info({ applied: applied.length }, "database schema is up to date");
    // Asked on a new connection outside the pool: a starving pool cannot hide the answer, and an
    // outage is named here instead of restarting the process (R6).
    const databaseHealth = new DatabaseHealth({
      probe: () => db.probeFresh(config.watchdog.dbProbeTimeoutMs),
      timeoutMs: config.watchdog.dbProbeTimeoutMs,
      logger: logger.child({ component: "db" }),
      readiness,
    });
    readiness.addCheck("database", () => databaseHealth.readinessReason());
    db.startReporting();

    // Set once the bot exists; admin messages posted before that are only logged.
    let bot: BotRuntime | undefined;
    const messageAdmins = async (text: string) => {
      if (!bot) return;
      for (const adminId of config.bot.adminIds) {
        await bot.bot.api
          .sendMessage(adminId, text)
          .catch((err) =>
            logger.warn(
              { admin_id: adminId, err: toError(err).message },
              "admin message not delivered",
            ),
          );
      }
    };
    // Alerts are logged at once and sent in the background: no worker waits on Telegram for them.
    const adminMessages = createAdminMessenger({ send: messageAdmins, logger, maxQueued: 100 });
    stopSteps.push({ name: "admin messages", run: () => adminMessages.drain(2_000) });
    const operators = createOperatorChannel({ messenger: adminMessages, logger });
    const network = createNetworkClients({
      config,
      logger,
      metrics,
      scope,
      readiness,
      alertOperator: operators.alert,
    });
    stopSteps.push({ name: "network clients", run: () => network.close() });

    const watchdog = new Watchdog({
      checkIntervalMs: config.watchdog.checkIntervalMs,
      exitDelayMs: config.watchdog.exitDelayMs,
      logger,
      metrics,
    });
    const loopPartOfWatchdog = eventLoopPart(config.watchdog.eventLoopMaxMs);
    watchdog.register(loopPartOfWatchdog);
    watchdog.register(poolPart(() => db.stats(), config.watchdog.poolStuckMs, databaseHealth));
    stopSteps.push({
      name: "event loop monitor",
      run: () => void loopPartOfWatchdog.histogram.disable(),
    });

    if (config.bot.token) {
      const runtime = createBotRuntime({
        config,
        logger,
        metrics,
        scope,
        db,
        services: createBotServices({
          config,
          db,
          logger,
          metrics,
          vpn: network.vpn,
          cryptopay: network.cryptopay,
        }),
        apiRoot: config.bot.apiRoot,
        features: [
          createAdminFeature({
            config,
            db,
            logger: logger.child({ component: "console" }),
            metrics,
            provisioning: {
              db,
              vpn: network.vpn,
              logger: logger.child({ component: "provisioning" }),
              claimant: `${replicaName()}:console`,
              claimTtlMs: claimTtlFor(config.vpn.timeoutMs),
            },
          }),
          supportFeature({
            db,
            adminIds: config.bot.adminIds,
            logger: logger.child({ component: "support" }),
          }).composer,
        ],
        noticeSent: withdrawalCopyRecorder(db, logger),
      });
      for (const part of runtime.parts()) watchdog.register(part);
      readiness.addCheck("telegram_bot", async () => runtime.readinessReason());
      bot = runtime;
    }

    // Payments that arrive outside the chat — the crypto webhook, the crypto watcher, the Stars
    // backstop — credit through this one processor (same finalizer).
    const cryptoPayments =
      network.cryptopay || bot
        ? new CryptoPaymentProcessor({
            db,
            metrics,
            logger: logger.child({ component: "crypto_payments" }),
            provision: (subscriptionId) =>
              provisionSubscription(
                {
                  db,
                  vpn: network.vpn,
                  logger: logger.child({ component: "provisioning" }),
                  claimant: `${replicaName()}:crypto`,
                  claimTtlMs: claimTtlFor(config.vpn.timeoutMs),
                },
                subscriptionId,
              ),
            announce: createPaymentAnnouncer({
              db,
              notifier: bot?.notifier,
              logger,
              adminIds: config.bot.adminIds,
            }),
          })
        : undefined;
    if (cryptoPayments) {
      stopSteps.push({
        name: "crypto payments",
        run: () => cryptoPayments.drain(config.shutdownTimeoutMs / 4),
      });
    }

    const gate = new StartGate(config.scheduling.startGateIntervalMs);
    void network.verify((text) => void operators.alert(text));
    const loops = [
      ...createWorkerLoops({
        config,
        logger,
        metrics,
        db,
        gate,
        vpn: network.vpn,
        cryptopay: network.cryptopay,
        cryptoPayments,
        starTransactions: bot?.starTransactions,
        notifier: bot?.notifier,
        // Each Bot API call has its own timeout (the API guard); stopping never cuts one off.
        broadcastTransport: bot ? broadcastTransport(bot.bot.api) : undefined,
        ...(bot
          ? {
              broadcastConsole: broadcastConsole({
                db: db.forKind("worker"),
                api: bot.bot.api,
                logger: logger.child({ component: "broadcast" }),
              }),
            }
          : {}),
        alertOperator: operators.alert,
        reportToOperator: operators.report,
      }),
      ...(options.loops?.({ config, logger, metrics, db, gate }) ?? []),
    ];
    for (const loop of loops) {
      watchdog.register(
        loopPart(
          () => loop.state(),
          config.watchdog.workerStuckFactor,
          config.watchdog.workerStuckMinMs,
        ),
      );
    }

    const http = buildHttpServer({
      logger,
      metrics,
      readiness,
      health: () => watchdog.status(),
      startedAt,
      timeouts: { requestMs: config.http.requestTimeoutMs, idleMs: config.http.idleTimeoutMs },
      serveMetrics: config.metrics.port === undefined,
      metricsToken: config.metrics.token,
    });
    if (bot?.webhookPlugin) await http.register(bot.webhookPlugin);
    if (cryptoPayments && config.cryptopay.token) {
      await http.register(
        cryptoPayWebhook({
          token: config.cryptopay.token,
          logger,
          onInvoicePaid: async (invoice) => {
            await cryptoPayments.credit(invoice);
          },
        }),
      );
    }
    await http.listen({ port: config.http.port, host: config.http.host });
    const address = http.server.address() as AddressInfo;
    const localHost = config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host;
    const httpUrl = `http://${localHost}:${address.port}`;
    stopSteps.push({ name: "http server", run: () => http.close() });
    let metricsUrl = httpUrl;
    if (config.metrics.port !== undefined) {
      const metricsHttp = buildMetricsServer({
        logger,
        metrics,
        token: config.metrics.token,
        timeouts: { requestMs: config.http.requestTimeoutMs, idleMs: config.http.idleTimeoutMs },
      });
      await metricsHttp.listen({ port: config.metrics.port, host: config.http.host });
      metricsUrl = `http://${localHost}:${(metricsHttp.server.address() as AddressInfo).port}`;
      stopSteps.push({ name: "metrics http server", run: () => metricsHttp.close() });
    }
    preparation?.afterListen?.(httpUrl);

    if (config.watchdog.enabled) {
      watchdog.start();
      const sentinel = startMainThreadSentinel({
        blockedMs: config.watchdog.blockedMs,
        beatMs: Math.min(1_000, Math.max(10, Math.floor(config.watchdog.blockedMs / 5))),
        exitDelayMs: config.watchdog.exitDelayMs,
      });
      stopSteps.push({ name: "watchdog", run: () => sentinel.stop().then(() => watchdog.stop()) });
    }

    if (config.digest.enabled) {
      const leases = sqlLeaseStore(db.forKind("worker"));
      const digest = scheduleDaily({
        time: config.digest.time,
        timezone: config.digest.timezone,
        logger,
        run: async () => {
          // Every replica fires; the lease lets one of them send it (held for an hour).
          if (!(await leases.tryTake("daily_digest", replicaName(), 3_600_000))) return;
          await operators.report(
            formatDigest(await yesterdayInNumbers(db.forKind("worker"), config.digest.timezone)),
          );
        },
      });
      stopSteps.push({ name: "daily digest", run: () => digest.stop() });
    }

    for (const loop of loops) loop.start();
    readiness.addCheck("worker_loops", async () => {
      const stopped = loops.filter((l) => !l.state().running).map((l) => l.name);
      return stopped.length > 0 ? `not running: ${stopped.join(", ")}` : undefined;
    });
    stopSteps.push({
      name: "worker loops",
      run: () => Promise.all(loops.map((l) => l.stop(config.shutdownTimeoutMs / 2))).then(() => {}),
    });
    if (bot) {
      // Started last and stopped first: intake ends before loops, HTTP and the pool.
      const running = bot;
      await running.start();
      stopSteps.push({ name: "telegram bot", run: () => running.stop() });
    }

    logger.info(
      {
        port: address.port,
        metrics_url: metricsUrl,
        env: config.env,
        embedded_db: Boolean(embedded),
        loops: loops.map((l) => l.name),
        startup_ms: Date.now() - startedAt,
      },
      "service started",
    );

    let shuttingDown: Promise<void> | undefined;
    const service: Service = {
      config,
      logger,
      metrics,
      db,
      scope,
      http,
      httpUrl,
      metricsUrl,
      readiness,
      watchdog,
      gate,
      loops,
      vpn: network.vpn,
      cryptopay: network.cryptopay,
      bot,
      shutdown(reason) {
        shuttingDown ??= runStopSteps(stopSteps, logger, reason).then(() => appLogger.flush(1_000));
        return shuttingDown;
      },
    };
    return service;
  } catch (err) {
    logger.error({ err: toError(err).message, stack: toError(err).stack }, "start failed");
    await runStopSteps(stopSteps, logger, "start failed");
    await appLogger.flush(1_000);
    throw err;
  }
}

async function runStopSteps(steps: Step[], logger: Logger, reason: string): Promise<void> {
  const started = Date.now();
  logger.info({ reason }, "shutting down");
  for (const step of [...steps].reverse()) {
    try {
      await step.run();
      logger.info({ step: step.name }, "stopped");
    } catch (err) {
      logger.warn({ step: step.name, err: toError(err).message }, "stop step failed");
    }
  }
  logger.info({ duration_ms: Date.now() - started }, "shutdown complete");
}
