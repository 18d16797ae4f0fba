import { Bot } from "grammy";
import { installApiGuard } from "../../src/bot/api-guard.js";
import { createCustomerNotifier } from "../../src/bot/notifier.js";
import { DEFAULT_BOT_OPTIONS } from "../../src/bot/options.js";
import { QrCodes } from "../../src/bot/qr.js";
import type { Db } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import * as users from "../../src/domain/customers/users.js";
import type { CustomerNotifier } from "../../src/domain/notifications/notices.js";
import type { ProvisioningDeps } from "../../src/domain/subscriptions/provisioning.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import type { IterationContext } from "../../src/workers/loop.js";
import { testDb } from "../support/db.js";
import { sandboxVpnClient, testSandbox } from "../support/sandbox.js";

export interface WorkerBed {
  sandbox: Sandbox;
  db: Db;
  metrics: Metrics;
  scope: DbScope;
  notifier: CustomerNotifier;
  provisioning: ProvisioningDeps;
}

/**
 * A worker's real surroundings: this file's database, the sandbox stand-ins, the VPN client and
 * the bot's notifier talking to the Telegram stand-in. The scope throws on any network call
 * made while a connection is held.
 */
export async function workerBed(): Promise<WorkerBed> {
  const sandbox = await testSandbox();
  const metrics = createMetrics();
  const scope = new DbScope({
    mode: "throw",
    onViolation: () => metrics.dbHeldDuringNetwork.inc(),
    warn: () => {},
  });
  const db = await testDb({ metrics, scope, poolMax: 6, workerMax: 3 });
  // Sends only (no getMe needed): the notifier never reads the bot's own profile.
  const bot = new Bot(sandbox.botToken, { client: { apiRoot: sandbox.url } });
  installApiGuard(bot.api, {
    scope,
    metrics,
    logger: silentLogger(),
    options: { ...DEFAULT_BOT_OPTIONS, maxRetryDelaySeconds: 2 },
    onUnreachable: (id) => users.markUnreachable(db, id),
  });
  const notifier = createCustomerNotifier({
    api: bot.api,
    i18n: new I18n(LOCALES),
    users: { languageOf: (id) => users.languageOf(db, id) },
    qrCodes: new QrCodes(),
  });
  const vpn = sandboxVpnClient(sandbox, { metrics, scope });
  const provisioning: ProvisioningDeps = {
    db: db.forKind("worker"),
    vpn,
    logger: silentLogger(),
    claimant: "test-replica",
    claimTtlMs: 30_000,
    retryBaseMs: 1_000,
  };
  return { sandbox, db, metrics, scope, notifier, provisioning };
}

/** One iteration's context with a generous budget. */
export function iterationContext(budgetMs = 20_000): IterationContext {
  return {
    signal: AbortSignal.timeout(budgetMs),
    deadline: Date.now() + budgetMs,
    iteration: 1,
    logger: silentLogger(),
  };
}
