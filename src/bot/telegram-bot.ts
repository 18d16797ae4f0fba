import { type BotServicesDeps, createBotServices } from "../bot-services.js";
import type { Config } from "../config.js";
import type { Db } from "../db/pool.js";
import type { DbScope } from "../db/scope.js";
import { claimTtlFor, type ProvisioningDeps } from "../domain/subscriptions/provisioning.js";
import { adminFeature } from "../features/admin/feature.js";
import { type AdminDeps, withdrawalCopyRecorder } from "../features/admin/index.js";
import { devicesFeature } from "../features/devices/index.js";
import { supportFeature } from "../features/support/index.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import type { CryptoPayApi } from "../payments/cryptopay.js";
import { replicaName } from "../util/replica.js";
import type { VpnApi } from "../vpn/api.js";
import type { BotOptions } from "./options.js";
import { type BotRuntime, createBotRuntime } from "./runtime.js";
import type { BotServices } from "./services.js";

export interface TelegramBotDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  scope: DbScope;
  /** Handler checkouts: everything the bot does answers a customer or an operator. */
  db: Db;
  vpn: VpnApi;
  cryptopay: CryptoPayApi | undefined;
  /** Overrides of the runtime's timings (tests shorten polling and leadership). */
  options?: Partial<BotOptions>;
  /** Overrides of the customer flows' deps (tests: limits, a faster provisioning retry). */
  services?: Partial<BotServicesDeps>;
  /** The console dashboard's health line (absent: the dashboard leaves it out). */
  health?: AdminDeps["health"];
}

/** Provisioning as a handler runs it, claimed in this replica's name with `role`. */
export function handlerProvisioning(
  deps: Pick<TelegramBotDeps, "config" | "db" | "vpn" | "logger">,
  role: string,
): ProvisioningDeps {
  return {
    db: deps.db,
    vpn: deps.vpn,
    logger: deps.logger.child({ component: "provisioning" }),
    claimant: `${replicaName()}:${role}`,
    claimTtlMs: claimTtlFor(deps.config.vpn.timeoutMs),
  };
}

export interface TelegramBot {
  /** Not started: the caller starts it last and stops it first. */
  runtime: BotRuntime;
  /** The customer flows' ports behind the bot (stories call them directly). */
  services: BotServices;
}

/**
 * The Telegram bot as the service runs it: the customer flows, the operator console and the
 * runtime (polling leader or webhook, update inbox, the notifier).
 */
export function createTelegramBot(deps: TelegramBotDeps): TelegramBot {
  const { config, logger, metrics, db } = deps;
  const services = createBotServices({
    config,
    db,
    logger,
    metrics,
    vpn: deps.vpn,
    cryptopay: deps.cryptopay,
    ...deps.services,
  });
  const runtime = createBotRuntime({
    config,
    logger,
    metrics,
    scope: deps.scope,
    db,
    apiRoot: config.bot.apiRoot,
    ...(deps.options ? { options: deps.options } : {}),
    services,
    features: [
      adminFeature({
        config,
        db,
        logger: logger.child({ component: "console" }),
        metrics,
        provisioning: handlerProvisioning(deps, "console"),
        ...(deps.health ? { health: deps.health } : {}),
      }),
      devicesFeature({ db, vpn: deps.vpn, logger }),
      supportFeature({
        db,
        adminIds: config.bot.adminIds,
        logger: logger.child({ component: "support" }),
      }),
    ],
    // Every admin's copy of a withdrawal request is remembered, so a decision updates them all.
    noticeSent: withdrawalCopyRecorder(db, logger),
  });
  return { runtime, services };
}
