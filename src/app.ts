import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type BotRuntime, createBotRuntime } from "./bot/runtime.js";
import { createBotServices } from "./bot-services.js";
import type { Config } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./db/connect.js";
import { migrate } from "./db/migrate.js";
import type { Db } from "./db/pool.js";
import { DbScope } from "./db/scope.js";
import { cryptoPayWebhook } from "./http/cryptopay-webhook.js";
import { buildHttpServer } from "./http/server.js";
import { type AppLogger, createLogger, type Logger } from "./logger.js";
import { createNetworkClients } from "./network-clients.js";
import { markInterruptedNotifications } from "./notifications/send-once.js";
import { createAdminMessenger } from "./ops/admin-messages.js";
import { formatDigest, scheduleDaily, yesterdayInNumbers } from "./ops/daily-digest.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import { Readiness } from "./ops/readiness.js";
import {
  eventLoopPart,
  loopPart,
  poolPart,
  startMainThreadSentinel,
  Watchdog,
} from "./ops/watchdog.js";
import { createPaymentAnnouncer } from "./payments/announce.js";
import { CryptoPaymentProcessor } from "./payments/crypto-payments.js";
import type { CryptoPayApi } from "./payments/cryptopay.js";
import { replicaName } from "./util/replica.js";
import type { VpnApi } from "./vpn/api.js";
import { claimTtlFor, provisionSubscription } from "./vpn/provisioning.js";
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
    // Sends cut off by a crash or kill stay unknown: never resent (at most once). Broadcast
    // messages get the same treatment from the broadcast sender on every iteration.
    const interrupted = await markInterruptedNotifications(db.forKind("system"), 10 * 60_000);
    if (interrupted > 0) {
      logger.warn(
        { notices: interrupted },
        "sends interrupted by a previous run marked unknown (never repeated)",
      );
    }
    logger.info({ applied: applied.length }, "database schema is up to date");
    readiness.addCheck("database", async () => {
      await db.query("ready_probe", "SELECT 1", [], "system");
      return undefined;
    });
    db.startReporting();

    const network = createNetworkClients({ config, logger, metrics, scope, readiness });
    stopSteps.push({ name: "network clients", run: () => network.close() });

    const watchdog = new Watchdog({
      checkIntervalMs: config.watchdog.checkIntervalMs,
      exitDelayMs: config.watchdog.exitDelayMs,
      logger,
      metrics,
    });
    const loopPartOfWatchdog = eventLoopPart(config.watchdog.eventLoopMaxMs);
    watchdog.register(loopPartOfWatchdog);
    watchdog.register(poolPart(() => db.stats(), config.watchdog.poolStuckMs));
    stopSteps.push({
      name: "event loop monitor",
      run: () => void loopPartOfWatchdog.histogram.disable(),
    });

    let bot: BotRuntime | undefined;
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
      });
      for (const part of runtime.parts()) watchdog.register(part);
      readiness.addCheck("telegram_bot", async () => runtime.readinessReason());
      bot = runtime;
    }

    // The crypto webhook and the watcher credit through this one processor (same finalizer).
    const cryptoPayments = network.cryptopay
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
    const messageAdmins = async (text: string) => {
      if (!bot) return;
      for (const adminId of config.bot.adminIds) {
        await bot.bot.api
          .sendMessage(adminId, text)
          .catch((err) =>
            logger.warn(
              { admin_id: adminId, err: (err as Error).message },
              "admin message not delivered",
            ),
          );
      }
    };
    // Alerts are logged at once and sent in the background: no worker waits on Telegram for them.
    const adminMessages = createAdminMessenger({ send: messageAdmins, logger, maxQueued: 100 });
    stopSteps.push({ name: "admin messages", run: () => adminMessages.drain(2_000) });
    const alertOperator = async (text: string) => {
      logger.error({ event: "operator_alert" }, text);
      adminMessages.post(text);
    };
    void network.verify((text) => void alertOperator(text));
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
        notifier: bot?.notifier,
        broadcastTransport: bot
          ? {
              // Each Bot API call has its own timeout (the API guard); stopping never cuts one off.
              send: async (userId, text) => {
                await bot?.bot.api.sendMessage(userId, text);
              },
            }
          : undefined,
        alertOperator,
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
    const httpUrl = `http://${config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host}:${address.port}`;
    stopSteps.push({ name: "http server", run: () => http.close() });
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
          await alertOperator(
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
    logger.error({ err: (err as Error).message, stack: (err as Error).stack }, "start failed");
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
      logger.warn({ step: step.name, err: (err as Error).message }, "stop step failed");
    }
  }
  logger.info({ duration_ms: Date.now() - started }, "shutdown complete");
}
