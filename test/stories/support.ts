import Fastify from "fastify";
import { afterAll } from "vitest";
import type { BotOptions } from "../../src/bot/options.js";
import type { BotRuntime } from "../../src/bot/runtime.js";
import type { BotServices } from "../../src/bot/services.js";
import { createTelegramBot, handlerProvisioning } from "../../src/bot/telegram-bot.js";
import { renderQrPng } from "../../src/bot/ui.js";
import type { BotServicesDeps } from "../../src/bot-services.js";
import type { Config } from "../../src/config.js";
import type { Db, QueryResultRow, WorkerDb } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import { createOutOfChatPayments } from "../../src/domain/billing/out-of-chat-payments.js";
import type { ProvisioningDeps } from "../../src/domain/subscriptions/provisioning.js";
import { cryptoPayWebhook } from "../../src/http/cryptopay-webhook.js";
import { plainText } from "../../src/locales/format.js";
import { I18n, LOCALES, type MessageKey, type MessageVars } from "../../src/locales/index.js";
import { silentLogger } from "../../src/logger.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { systemHealthProbe } from "../../src/ops/system-health.js";
import { HttpCryptoPayApi } from "../../src/payments/cryptopay.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import type { VpnApi } from "../../src/vpn/api.js";
import { HttpVpnApi } from "../../src/vpn/http-client.js";
import { createWorkerIterations } from "../../src/workers/index.js";
import type { IterationReport } from "../../src/workers/loop.js";
import { StartGate } from "../../src/workers/start-gate.js";
import { FAST_OPTIONS, roleOf, testConfig, until } from "../bot/support/testbed.js";
import { testDb } from "../support/db.js";
import {
  type ChatMessage,
  type Customer,
  type CustomerProfile,
  type SandboxClient,
  sandboxClient,
} from "../support/driver.js";
import { type PanelName, sandboxPanel } from "../support/panels.js";
import { sandboxVpnClient, testSandbox } from "../support/sandbox.js";

/** The operator in every story (ADMIN_IDS). */
export const ADMIN_ID = 900_001;
export const PROVIDER_TOKEN = "sandbox-card-provider:TEST";

export interface StoryOptions {
  /** Environment overrides on top of the story defaults (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  options?: Partial<BotOptions>;
  /** Extra createBotServices deps (limits…). */
  services?: Partial<BotServicesDeps>;
  /** The backend the keys live on: the VPN API stand-in (default) or the Remnawave stand-in. */
  backend?: "xray-api" | PanelName;
  /** The VPN API client's timeout (the stand-in's client waits 1 s by default). */
  vpnTimeoutMs?: number;
}

/**
 * One customer story's world, built through the composition root's own factories
 * (`createTelegramBot`, `createOutOfChatPayments`, `createWorkerIterations`): this file's
 * database, the sandbox stand-ins over real HTTP, the bot polling the Telegram stand-in, the
 * VPN and Crypto Pay clients, the Crypto Pay webhook on its own Fastify server, and the
 * activation and Stars backstop workers' iterations. The DB
 * scope throws on any network call made while a connection is held (R2), and counts it.
 */
export interface Story {
  sandbox: Sandbox;
  sb: SandboxClient;
  db: Db;
  config: Config;
  metrics: Metrics;
  runtime: BotRuntime;
  services: BotServices;
  vpn: VpnApi;
  cryptopay: HttpCryptoPayApi;
  /** Provisioning as the workers run it. */
  provisioning: ProvisioningDeps;
  i18n: I18n;
  t(locale: string, key: MessageKey, vars?: MessageVars): string;
  customer(id: number, profile?: CustomerProfile): Customer;
  /** /start (with an optional referrer), pick a language, see the menu. */
  onboard(
    id: number,
    opts?: { language?: "ru" | "en"; firstName?: string; referrer?: number },
  ): Promise<Customer>;
  /**
   * Resolves once the bot is handling no update: what a handler does after its reply (a paid
   * key's provisioning) is done.
   */
  handled(): Promise<void>;
  /** One iteration of the activation worker (provisioning, then `activation_done` notices). */
  runActivation(): Promise<IterationReport>;
  /** One Stars backstop iteration with no grace (every transaction is settled). */
  runStarsBackstop(): Promise<IterationReport>;
  sql<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Network calls made while a DB connection was held (must stay 0). */
  r2Violations(): number;
}

/**
 * No activation backoff anywhere in a story: each explicit `runActivation()` retries every failed
 * subscription. Any positive backoff races the test's next step (1 ms doubled per attempt was
 * outrun by a fast clearFaults and run). The backoff has tests of its own in test/workers.
 */
const RETRY_AT_ONCE_MS = 0;

export async function startStory(opts: StoryOptions = {}): Promise<Story> {
  const sandbox = await testSandbox();
  const sb = sandboxClient(sandbox.url);
  const metrics = createMetrics();
  let violations = 0;
  const scope = new DbScope({
    mode: "throw",
    onViolation: () => {
      violations++;
      metrics.dbHeldDuringNetwork.inc();
    },
    warn: () => {},
  });
  const db = await testDb({ metrics, scope, poolMax: 8, workerMax: 3 });
  const config = testConfig(sandbox, {
    VPN_API_URL: sandbox.vpnApiUrl,
    VPN_API_KEY: sandbox.vpnApiKey,
    VPN_API_TIMEOUT_MS: "1000",
    CRYPTOPAY_TOKEN: sandbox.cryptopayToken,
    CRYPTOPAY_API_URL: sandbox.cryptopayApiUrl,
    TG_PROVIDER_TOKEN: PROVIDER_TOKEN,
    ADMIN_IDS: String(ADMIN_ID),
    // The workers' iterations as the stories run them: small batches, no Stars grace.
    WORKER_CONCURRENCY: "2",
    ACTIVATION_ALERT_AFTER_ATTEMPTS: "100",
    STARS_BACKSTOP_GRACE_SECONDS: "0",
    ...opts.env,
  });
  const logger = silentLogger();
  const guard = (what: string) => scope.assertNoDbScope(what);
  const vpn: VpnApi =
    opts.backend === undefined || opts.backend === "xray-api"
      ? sandboxVpnClient(sandbox, {
          metrics,
          scope,
          ...(opts.vpnTimeoutMs === undefined ? {} : { timeoutMs: opts.vpnTimeoutMs }),
        })
      : sandboxPanel(sandbox, opts.backend, { metrics, scope });
  const cryptopay = new HttpCryptoPayApi({
    baseUrl: sandbox.cryptopayApiUrl,
    token: sandbox.cryptopayToken,
    assets: ["USDT", "TON"],
    timeoutMs: 2_000,
    breaker: new CircuitBreaker("cryptopay", { failureThreshold: 1_000, openMs: 1_000 }),
    metrics,
    logger,
    assertNoDbScope: guard,
  });
  afterAll(() =>
    Promise.all([vpn instanceof HttpVpnApi ? vpn.close() : undefined, cryptopay.close()]),
  );

  // The stand-ins are up for the whole story: the dashboard's health line names them "ok".
  const readiness = new Readiness();
  readiness.dependency("vpn_api", true);
  readiness.dependency("cryptopay", true);

  // The bot, the out-of-chat payments and the workers through the composition root's factories.
  const telegram = createTelegramBot({
    config,
    logger,
    metrics,
    scope,
    db,
    vpn,
    cryptopay: config.cryptopay.token ? cryptopay : undefined,
    health: systemHealthProbe({
      handlerWaitP99Ms: () => db.handlerWaitP99Ms(),
      loops: () => [],
      readiness: () => readiness.report(),
    }),
    options: {
      ...FAST_OPTIONS,
      rateLimitCapacity: 100,
      rateLimitRefillPerSecond: 100,
      ...opts.options,
    },
    services: {
      // The bot's own attempt right after a payment.
      provisioning: {
        ...handlerProvisioning({ config, db, vpn, logger }, "bot"),
        retryBaseMs: RETRY_AT_ONCE_MS,
      },
      ...opts.services,
    },
  });
  const { runtime, services } = telegram;
  afterAll(() => runtime.stop());
  const worker = db.forKind("worker");
  const provisioning: ProvisioningDeps & { db: WorkerDb } = {
    db: worker,
    vpn,
    logger,
    claimant: "story-worker",
    claimTtlMs: 30_000,
    retryBaseMs: RETRY_AT_ONCE_MS,
  };
  const processor = createOutOfChatPayments({
    db: worker,
    metrics,
    logger,
    provisioning,
    notifier: runtime.notifier,
    adminIds: config.bot.adminIds,
  });
  const iterations = createWorkerIterations({
    config,
    logger,
    metrics,
    db,
    gate: new StartGate(0),
    vpn,
    cryptopay,
    cryptoPayments: processor,
    notifier: runtime.notifier,
    starTransactions: runtime.starTransactions,
    alertOperator: async () => {},
    reportToOperator: async () => {},
    activationRetryBaseMs: RETRY_AT_ONCE_MS,
  });
  const activation = required(iterations.ACTIVATION, "activation");
  const starsBackstop = required(iterations.STARS_BACKSTOP, "stars backstop");

  // The Crypto Pay webhook exactly as the composition root mounts it.
  const http = Fastify();
  await http.register(
    cryptoPayWebhook({
      token: sandbox.cryptopayToken,
      logger,
      onInvoicePaid: async (invoice) => {
        await processor.credit(invoice);
      },
    }),
  );
  const address = await http.listen({ port: 0, host: "127.0.0.1" });
  sandbox.setCryptopayWebhookUrl(`${address}/webhooks/cryptopay`);
  afterAll(async () => {
    await processor.drain(10_000);
    await http.close();
  });

  await runtime.start();
  await until(() => roleOf(runtime) === "leader", 5_000, "polling leadership");

  const i18n = new I18n(LOCALES);

  const story: Story = {
    sandbox,
    sb,
    db,
    config,
    metrics,
    runtime,
    services,
    vpn,
    cryptopay,
    provisioning,
    i18n,
    t: (locale, key, vars) => i18n.t(locale, key, vars),
    customer: (id, profile) => sb.customer(id, profile),
    async onboard(id, o = {}) {
      const language = o.language ?? "en";
      const customer = sb.customer(id, {
        first_name: o.firstName ?? `Customer${id}`,
        language_code: language,
      });
      await customer.send(o.referrer === undefined ? "/start" : `/start ref_${o.referrer}`);
      const picker = await customer.waitForMessage();
      await customer.press(`lang:first:${language}`);
      await customer.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
      return customer;
    },
    handled: async () => {
      await until(() => runtime.status().inFlight === 0, 10_000, "no update in flight");
    },
    runStarsBackstop: () =>
      starsBackstop.run({
        signal: AbortSignal.timeout(10_000),
        deadline: Date.now() + 10_000,
        iteration: 1,
        logger,
      }),
    runActivation: () =>
      activation.run({
        signal: AbortSignal.timeout(10_000),
        deadline: Date.now() + 10_000,
        iteration: 1,
        logger,
      }),
    async sql<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
      return (await db.query<R>("story", text, values)).rows;
    },
    r2Violations: () => violations,
  };
  return story;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the story needs the ${what} worker`);
  return value;
}

/** A message's visible text: the text, or a photo's caption. */
export { buttonsOf, toPaymentMethods } from "../support/driver.js";

export function body(m: ChatMessage | undefined): string {
  return m?.text ?? m?.caption ?? "";
}

/** Telegram's HTML as the customer reads it (tags dropped, entities decoded). */
export function visible(html: string): string {
  return plainText(html, Number.POSITIVE_INFINITY);
}

/** The key shown in a key message: a vless:// link or a panel's subscription URL. */
export function linkIn(m: ChatMessage | undefined): string | undefined {
  return /(?:vless|https?):\/\/[^\s<]+/.exec(visible(body(m)))?.[0];
}

/** The QR code PNG the bot would draw for `text`, byte for byte. */
export const expectedQr = (text: string) => renderQrPng(text);

/** The customer's subscription row, for assertions. */
export async function subscriptionOf(story: Story, userId: number) {
  const [row] = await story.sql<{
    status: string;
    expires_at: Date;
    vpn_uuid: string;
    vless_link: string | null;
    auto_renew: boolean;
    is_trial: boolean;
  }>(
    "SELECT status, expires_at, vpn_uuid, vless_link, auto_renew, is_trial FROM subscriptions WHERE user_id = $1",
    [userId],
  );
  return row;
}

export async function balanceOf(story: Story, userId: number): Promise<number> {
  const [row] = await story.sql<{ balance_kopecks: string }>(
    "SELECT balance_kopecks FROM users WHERE telegram_id = $1",
    [userId],
  );
  return Number(row?.balance_kopecks ?? 0);
}
