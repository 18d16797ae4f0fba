import type { BotNotifier } from "../bot/notifier.js";
import { type Config, LIGHT_WORKERS, type WorkerName } from "../config.js";
import type { Db } from "../db/pool.js";
import type { CryptoPaymentProcessor } from "../domain/billing/out-of-chat-payments.js";
import type { SendOnceDeps } from "../domain/notifications/send-once.js";
import { claimTtlFor, type ProvisioningDeps } from "../domain/subscriptions/provisioning.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import type { CryptoPayApi } from "../payments/cryptopay.js";
import { replicaName } from "../util/replica.js";
import type { VpnApi } from "../vpn/api.js";
import { activationIteration } from "./activation.js";
import { autoRenewalIteration } from "./auto-renewal.js";
import { type BroadcastWorkerDeps, broadcastIteration } from "./broadcast.js";
import { cryptoWatcherIteration } from "./crypto-watcher.js";
import { fastExpiryIteration } from "./fast-expiry.js";
import { sqlLeaseStore } from "./lease.js";
import { type IterationContext, type IterationReport, Loop } from "./loop.js";
import { noticeRetryIteration } from "./notices.js";
import { reconcileIteration } from "./reconcile.js";
import { remindersIteration } from "./reminders.js";
import { type StarTransactionsSource, starsBackstopIteration } from "./stars-backstop.js";
import type { StartGate } from "./start-gate.js";
import { trialNotificationsIteration } from "./trial-notifications.js";

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  gate: StartGate;
  vpn: VpnApi;
  cryptopay: CryptoPayApi | undefined;
  cryptoPayments: CryptoPaymentProcessor | undefined;
  /** The bot's one outbound path: notices and broadcasts; without a bot neither loop runs. */
  notifier: BotNotifier | undefined;
  /** The bot's Star transactions; without a bot the Stars backstop does not run. */
  starTransactions: StarTransactionsSource | undefined;
  /**
   * The console's view of running broadcasts (progress message, summary to the creator);
   * without it a finished broadcast is reported to the admins as a line of text.
   */
  broadcastConsole?: Pick<BroadcastWorkerDeps, "progress" | "report">;
  /** Something needs a person: logged at error and sent to the admins. */
  alertOperator(text: string): Promise<void>;
  /** Routine news for the admins (a finished broadcast): logged at info. */
  reportToOperator(text: string): Promise<void>;
  /** Base of the activation retry backoff (default: provisioning's own). */
  activationRetryBaseMs?: number;
}

/** One worker's iteration and whether it runs under a per-iteration lease. */
export interface WorkerIteration {
  run(ctx: IterationContext): Promise<IterationReport>;
  exclusive: boolean;
}

/**
 * The background loops (SPEC "Background work"), each on its own grid from the configuration.
 * Workers reach the database through the worker bulkhead; network calls happen with no
 * connection held. Loops whose work must not run twice at once take a per-iteration lease.
 */
export function createWorkerLoops(deps: WorkerDeps): Loop[] {
  const { config } = deps;
  const holder = replicaName();
  const leases = sqlLeaseStore(deps.db.forKind("worker"));
  const loops: Loop[] = [];
  for (const [name, iteration] of Object.entries(createWorkerIterations(deps)) as Array<
    [WorkerName, WorkerIteration]
  >) {
    const schedule = config.scheduling.workers[name];
    if (!schedule.enabled) continue;
    loops.push(
      new Loop({
        name: name.toLowerCase(),
        intervalMs: schedule.intervalMs,
        offsetMs: schedule.offsetMs,
        jitterMs: config.scheduling.jitterMs,
        heavy: !LIGHT_WORKERS.includes(name),
        gate: deps.gate,
        ...(iteration.exclusive ? { lease: { store: leases, holder } } : {}),
        logger: deps.logger,
        metrics: deps.metrics,
        run: iteration.run,
      }),
    );
  }
  return loops;
}

/**
 * Every worker's iteration, built on the worker bulkhead; the ones whose prerequisites are
 * missing (no bot, no Crypto Pay) are absent. `createWorkerLoops` puts them on their grids;
 * tests run them one iteration at a time.
 */
export function createWorkerIterations(
  deps: WorkerDeps,
): Partial<Record<WorkerName, WorkerIteration>> {
  const { config } = deps;
  const worker = deps.db.forKind("worker");
  const provisioning: ProvisioningDeps = {
    db: worker,
    vpn: deps.vpn,
    logger: deps.logger.child({ component: "provisioning" }),
    claimant: replicaName(),
    claimTtlMs: claimTtlFor(config.vpn.timeoutMs),
    ...(deps.activationRetryBaseMs === undefined
      ? {}
      : { retryBaseMs: deps.activationRetryBaseMs }),
  };
  const noticesOrNone: SendOnceDeps | undefined = deps.notifier
    ? { db: worker, notifier: deps.notifier, logger: deps.logger }
    : undefined;
  const notices: SendOnceDeps = noticesOrNone ?? {
    db: worker,
    logger: deps.logger,
    // Without a bot (no BOT_TOKEN in a bare service) nobody can be told; say so in the log.
    notifier: {
      async send(userId, notice) {
        deps.logger.warn(
          { user_id: userId, kind: notice.kind },
          "no bot configured: notice not sent",
        );
        return "unreachable";
      },
    },
  };

  const iterations: Partial<Record<WorkerName, WorkerIteration>> = {};
  const loop = (name: WorkerName, run: WorkerIteration["run"], exclusive = false) => {
    iterations[name] = { run, exclusive };
  };

  loop(
    "ACTIVATION",
    activationIteration({
      provisioning,
      notices,
      batchSize: config.scheduling.batchSize,
      concurrency: config.scheduling.concurrency,
      alertAfterAttempts: config.business.activationAlertAfterAttempts,
      alertOperator: deps.alertOperator,
    }),
  );
  loop(
    "FAST_EXPIRY",
    fastExpiryIteration({
      db: worker,
      provisioning,
      batchSize: config.scheduling.batchSize,
      concurrency: config.scheduling.concurrency,
    }),
  );
  loop(
    "AUTO_RENEWAL",
    autoRenewalIteration({
      db: worker,
      metrics: deps.metrics,
      logger: deps.logger,
      provisioning,
      notices,
      windowSeconds: config.business.autoRenewWindowSeconds,
      batchSize: config.scheduling.batchSize,
    }),
  );
  loop("REMINDERS", remindersIteration({ db: worker, notices, batchSize: 200 }));
  loop("TRIAL_NOTIFICATIONS", trialNotificationsIteration({ db: worker, notices, batchSize: 200 }));
  loop(
    "RECONCILE",
    reconcileIteration({
      db: worker,
      vpn: deps.vpn,
      metrics: deps.metrics,
      options: config.reconcile,
    }),
    true,
  );
  const notifier = deps.notifier;
  if (notifier) {
    loop(
      "BROADCAST",
      broadcastIteration({
        db: worker,
        transport: {
          send: (userId, message, signal) => notifier.sendBroadcast(userId, message, signal),
        },
        report:
          deps.broadcastConsole?.report ??
          ((r) =>
            deps.reportToOperator(
              `Broadcast #${r.broadcastId} finished: sent ${r.counts.sent}, blocked ${r.counts.blocked}, failed ${r.counts.failed}, unknown ${r.counts.unknown}.`,
            )),
        ...(deps.broadcastConsole?.progress ? { progress: deps.broadcastConsole.progress } : {}),
        batchSize: 25,
        interruptedAfterMs: 5 * 60_000,
        unreachablePauseSeconds: 5,
      }),
      true,
    );
  }
  if (deps.cryptopay && deps.cryptoPayments) {
    loop(
      "CRYPTO_WATCHER",
      cryptoWatcherIteration({
        db: worker,
        cryptopay: deps.cryptopay,
        payments: deps.cryptoPayments,
        batchSize: 200,
      }),
      true,
    );
  }
  if (notifier) {
    loop(
      "NOTICES",
      noticeRetryIteration({
        notices,
        batchSize: config.scheduling.notices.batchSize,
        concurrency: config.scheduling.notices.concurrency,
        perSecond: config.scheduling.notices.perSecond,
        // The longest send: the API guard's timeout per attempt and its bounded retries.
        interruptedAfterMs: 2 * 60_000,
      }),
    );
  }
  if (deps.starTransactions && deps.cryptoPayments) {
    const payments = deps.cryptoPayments;
    loop(
      "STARS_BACKSTOP",
      starsBackstopIteration({
        db: worker,
        transactions: deps.starTransactions,
        credit: (event) => payments.creditEvent(event),
        graceMs: config.business.starsBackstopGraceSeconds * 1000,
        maxPages: 10,
      }),
      true,
    );
  }
  return iterations;
}
