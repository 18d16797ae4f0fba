import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { BotRuntime } from "./bot/runtime.js";
import { createTelegramBot } from "./bot/telegram-bot.js";
import type { Config } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./db/connect.js";
import { migrate } from "./db/migrate.js";
import type { Db } from "./db/pool.js";
import { DbScope } from "./db/scope.js";
import {
  type CryptoPaymentProcessor,
  createOutOfChatPayments,
} from "./domain/billing/out-of-chat-payments.js";
import { claimTtlFor } from "./domain/subscriptions/provisioning.js";
import { broadcastConsole } from "./features/admin/broadcasts/index.js";
import { cryptoPayWebhook } from "./http/cryptopay-webhook.js";
import { buildHttpServer, buildMetricsServer } from "./http/server.js";
import { type AppLogger, createLogger, type Logger } from "./logger.js";
import { createNetworkClients, type NetworkClients } from "./network-clients.js";
import { createOperatorMessages, type OperatorChannel } from "./ops/admin-messages.js";
import { formatDigest, scheduleDaily, yesterdayInNumbers } from "./ops/daily-digest.js";
import { DatabaseHealth } from "./ops/database-health.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import { Readiness } from "./ops/readiness.js";
import { systemHealthProbe } from "./ops/system-health.js";
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

/** Stop steps in start order; shutdown runs them in reverse. */
class StopSteps {
  readonly steps: Step[] = [];
  add(name: string, run: Step["run"]): void {
    this.steps.push({ name, run });
  }
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
 * Brings the service up as a list of parts: config → logger → database (embedded if needed) →
 * migrations → operator messages → network clients → watchdog → bot → out-of-chat payments →
 * workers → HTTP → digest → loops → bot intake. Each started part adds its stop step; shutdown
 * runs them in reverse, so intake stops first and the database last.
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
  const stops = new StopSteps();
  const scope = new DbScope({
    mode: baseConfig.env === "production" ? "log" : "throw",
    onViolation: () => metrics.dbHeldDuringNetwork.inc(),
    warn: (fields, msg) => logger.warn(fields, msg),
  });
  const readiness = new Readiness();
  readiness.require("migrations", "not applied yet");

  try {
    const preparation = options.prepare ? await options.prepare(logger) : undefined;
    if (preparation) stops.add("sandbox", () => preparation.stop());
    const config = preparation?.config ?? baseConfig;

    const { db, embedded, databaseHealth } = await databasePart(
      { config, logger, metrics, scope, readiness },
      stops,
    );
    // Set once the bot exists; admin messages posted before that are only logged.
    let bot: BotRuntime | undefined;
    const { messenger, operators } = createOperatorMessages({
      adminIds: config.bot.adminIds,
      sender: () => bot?.notifier,
      logger,
    });
    stops.add("admin messages", () => messenger.drain(2_000));
    const network = createNetworkClients({
      config,
      logger,
      metrics,
      scope,
      readiness,
      alertOperator: operators.alert,
    });
    stops.add("network clients", () => network.close());
    const watchdog = watchdogPart({ config, logger, metrics, db, databaseHealth }, stops);

    bot = config.bot.token
      ? createTelegramBot({
          config,
          logger,
          metrics,
          scope,
          db,
          vpn: network.vpn,
          cryptopay: network.cryptopay,
          // Read when an admin opens the dashboard, after the loops below exist.
          health: systemHealthProbe({
            handlerWaitP99Ms: () => db.handlerWaitP99Ms(),
            loops: () => loops.map((l) => l.state()),
            readiness: () => readiness.report(),
          }),
        }).runtime
      : undefined;
    if (bot) {
      const runtime = bot;
      for (const part of runtime.parts()) watchdog.register(part);
      readiness.addCheck("telegram_bot", async () => runtime.readinessReason());
    }

    const cryptoPayments = outOfChatPaymentsPart(
      { config, logger, metrics, db, network, bot },
      stops,
    );
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

    const { http, httpUrl, metricsUrl, port } = await httpPart(
      { config, logger, metrics, readiness, watchdog, startedAt, bot, cryptoPayments },
      stops,
    );
    preparation?.afterListen?.(httpUrl);
    if (config.watchdog.enabled) startWatchdog(config, watchdog, stops);
    if (config.digest.enabled) digestPart({ config, logger, db, operators }, stops);
    startLoops(config, loops, readiness, stops);
    if (bot) {
      // Started last and stopped first: intake ends before loops, HTTP and the pool.
      const running = bot;
      await running.start();
      stops.add("telegram bot", () => running.stop());
    }

    logger.info(
      {
        port,
        metrics_url: metricsUrl,
        env: config.env,
        embedded_db: embedded,
        loops: loops.map((l) => l.name),
        startup_ms: Date.now() - startedAt,
      },
      "service started",
    );

    let shuttingDown: Promise<void> | undefined;
    return {
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
        shuttingDown ??= runStopSteps(stops.steps, logger, reason).then(() =>
          appLogger.flush(1_000),
        );
        return shuttingDown;
      },
    };
  } catch (err) {
    logger.error({ err: toError(err).message, stack: toError(err).stack }, "start failed");
    await runStopSteps(stops.steps, logger, "start failed");
    await appLogger.flush(1_000);
    throw err;
  }
}

interface PartDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
}

/** The pool (on an embedded server when no DATABASE_URL), migrations, and its health probe. */
async function databasePart(
  deps: PartDeps & { scope: DbScope; readiness: Readiness },
  stops: StopSteps,
): Promise<{ db: Db; embedded: boolean; databaseHealth: DatabaseHealth }> {
  const { config, logger, readiness } = deps;
  const database: DatabaseHandle = await openDatabase(deps);
  const { db, embedded } = database;
  if (embedded) stops.add("embedded database", () => embedded.stop());
  stops.add("database pool", () => db.close());

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
  return { db, embedded: Boolean(embedded), databaseHealth };
}

/** The watchdog with its event-loop and pool parts; loops and the bot register theirs later. */
function watchdogPart(
  deps: PartDeps & { db: Db; databaseHealth: DatabaseHealth },
  stops: StopSteps,
): Watchdog {
  const { config, db } = deps;
  const watchdog = new Watchdog({
    checkIntervalMs: config.watchdog.checkIntervalMs,
    exitDelayMs: config.watchdog.exitDelayMs,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  const eventLoop = eventLoopPart(config.watchdog.eventLoopMaxMs);
  watchdog.register(eventLoop);
  watchdog.register(poolPart(() => db.stats(), config.watchdog.poolStuckMs, deps.databaseHealth));
  stops.add("event loop monitor", () => void eventLoop.histogram.disable());
  return watchdog;
}

function startWatchdog(config: Config, watchdog: Watchdog, stops: StopSteps): void {
  watchdog.start();
  const sentinel = startMainThreadSentinel({
    blockedMs: config.watchdog.blockedMs,
    beatMs: Math.min(1_000, Math.max(10, Math.floor(config.watchdog.blockedMs / 5))),
    exitDelayMs: config.watchdog.exitDelayMs,
  });
  stops.add("watchdog", () => sentinel.stop().then(() => watchdog.stop()));
}

/**
 * Payments that arrive outside the chat — the crypto webhook, the crypto watcher, the Stars
 * backstop — credit through this one processor (same finalizer), on the worker bulkhead.
 */
function outOfChatPaymentsPart(
  deps: PartDeps & { db: Db; network: NetworkClients; bot: BotRuntime | undefined },
  stops: StopSteps,
): CryptoPaymentProcessor | undefined {
  const { config, logger, db } = deps;
  if (!deps.network.cryptopay && !deps.bot) return undefined;
  const worker = db.forKind("worker");
  const payments = createOutOfChatPayments({
    db: worker,
    metrics: deps.metrics,
    logger: logger.child({ component: "crypto_payments" }),
    provisioning: {
      db: worker,
      vpn: deps.network.vpn,
      logger: logger.child({ component: "provisioning" }),
      claimant: `${replicaName()}:crypto`,
      claimTtlMs: claimTtlFor(config.vpn.timeoutMs),
    },
    notifier: deps.bot?.notifier,
    adminIds: config.bot.adminIds,
  });
  stops.add("crypto payments", () => payments.drain(config.shutdownTimeoutMs / 4));
  return payments;
}

/** Probes, metrics, the Telegram webhook and the Crypto Pay webhook; `/metrics` on its own port when set. */
async function httpPart(
  deps: PartDeps & {
    readiness: Readiness;
    watchdog: Watchdog;
    startedAt: number;
    bot: BotRuntime | undefined;
    cryptoPayments: CryptoPaymentProcessor | undefined;
  },
  stops: StopSteps,
): Promise<{ http: FastifyInstance; httpUrl: string; metricsUrl: string; port: number }> {
  const { config, logger, metrics, cryptoPayments } = deps;
  const timeouts = { requestMs: config.http.requestTimeoutMs, idleMs: config.http.idleTimeoutMs };
  const http = buildHttpServer({
    logger,
    metrics,
    readiness: deps.readiness,
    health: () => deps.watchdog.status(),
    startedAt: deps.startedAt,
    timeouts,
    serveMetrics: config.metrics.port === undefined,
    metricsToken: config.metrics.token,
  });
  if (deps.bot?.webhookPlugin) await http.register(deps.bot.webhookPlugin);
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
  stops.add("http server", () => http.close());
  let metricsUrl = httpUrl;
  if (config.metrics.port !== undefined) {
    const metricsHttp = buildMetricsServer({
      logger,
      metrics,
      token: config.metrics.token,
      timeouts,
    });
    await metricsHttp.listen({ port: config.metrics.port, host: config.http.host });
    metricsUrl = `http://${localHost}:${(metricsHttp.server.address() as AddressInfo).port}`;
    stops.add("metrics http server", () => metricsHttp.close());
  }
  return { http, httpUrl, metricsUrl, port: address.port };
}

/** Yesterday in numbers for the operators, sent by one replica (a lease held for an hour). */
function digestPart(
  deps: { config: Config; logger: Logger; db: Db; operators: OperatorChannel },
  stops: StopSteps,
): void {
  const { config } = deps;
  const worker = deps.db.forKind("worker");
  const leases = sqlLeaseStore(worker);
  const digest = scheduleDaily({
    time: config.digest.time,
    timezone: config.digest.timezone,
    logger: deps.logger,
    run: async () => {
      if (!(await leases.tryTake("daily_digest", replicaName(), 3_600_000))) return;
      await deps.operators.report(
        formatDigest(await yesterdayInNumbers(worker, config.digest.timezone)),
      );
    },
  });
  stops.add("daily digest", () => digest.stop());
}

function startLoops(config: Config, loops: Loop[], readiness: Readiness, stops: StopSteps): void {
  for (const loop of loops) loop.start();
  readiness.addCheck("worker_loops", async () => {
    const stopped = loops.filter((l) => !l.state().running).map((l) => l.name);
    return stopped.length > 0 ? `not running: ${stopped.join(", ")}` : undefined;
  });
  stops.add("worker loops", () =>
    Promise.all(loops.map((l) => l.stop(config.shutdownTimeoutMs / 2))).then(() => {}),
  );
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
