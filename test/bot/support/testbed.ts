import type { Logger } from "pino";
import { afterAll } from "vitest";
import type { CreateBotDeps } from "../../../src/bot/create-bot.js";
import type { BotOptions } from "../../../src/bot/options.js";
import { type BotRuntime, createBotRuntime } from "../../../src/bot/runtime.js";
import type { BotServices } from "../../../src/bot/services.js";
import { type Config, loadConfig } from "../../../src/config.js";
import type { Db } from "../../../src/db/pool.js";
import { DbScope } from "../../../src/db/scope.js";
import { silentLogger } from "../../../src/logger.js";
import { createMetrics, type Metrics } from "../../../src/ops/metrics.js";
import type { Sandbox } from "../../../src/sandbox/index.js";

/** Short timings so polling, leadership and back-off happen within a test's patience. */
export const FAST_OPTIONS: Partial<BotOptions> = {
  pollTimeoutSeconds: 2,
  getUpdatesGraceMs: 2_000,
  requestTimeoutMs: 3_000,
  leaderKeepAliveMs: 200,
  leaderKeepAliveTimeoutMs: 1_000,
  standbyRetryMs: 150,
  conflictBackoffMs: 200,
  conflictBackoffMaxMs: 1_000,
  fetchRetryMs: 100,
  fetchRetryMaxMs: 500,
  stopDrainMs: 2_000,
  maxRetryDelaySeconds: 2,
};

export function testConfig(sandbox: Sandbox, env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    BOT_TOKEN: sandbox.botToken,
    TELEGRAM_API_ROOT: sandbox.url,
    WATCHDOG_POLLING_GRACE_MS: "5000",
    ...env,
  });
}

export interface TestRuntime {
  runtime: BotRuntime;
  metrics: Metrics;
  scope: DbScope;
  config: Config;
}

/** A bot runtime against the sandbox and this file's database, stopped after the file. */
export function testRuntime(opts: {
  sandbox: Sandbox;
  db: Db;
  services: BotServices;
  config?: Config;
  options?: Partial<BotOptions>;
  logger?: Logger;
  metrics?: Metrics;
  scope?: DbScope;
  features?: CreateBotDeps["features"];
  noticeSent?: CreateBotDeps["noticeSent"];
}): TestRuntime {
  const metrics = opts.metrics ?? createMetrics();
  const scope = opts.scope ?? new DbScope();
  const config = opts.config ?? testConfig(opts.sandbox);
  const runtime = createBotRuntime({
    config,
    logger: opts.logger ?? silentLogger(),
    metrics,
    scope,
    db: opts.db,
    services: opts.services,
    options: { ...FAST_OPTIONS, ...opts.options },
    ...(opts.features ? { features: opts.features } : {}),
    ...(opts.noticeSent ? { noticeSent: opts.noticeSent } : {}),
  });
  afterAll(() => runtime.stop());
  return { runtime, metrics, scope, config };
}

/** The polling role ("leader", "standby", …), or undefined in webhook mode. */
export function roleOf(runtime: BotRuntime): string | undefined {
  const status = runtime.status();
  return status.mode === "polling" ? status.role : undefined;
}

/** Polls `check` until it returns something other than undefined/false. */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function buttonTexts(markup: unknown): string[] {
  const rows = (markup as { inline_keyboard?: Array<Array<{ text: string }>> } | null)
    ?.inline_keyboard;
  return rows?.flat().map((b) => b.text) ?? [];
}

/** Sum of a histogram's observation counts for the labels given. */
export async function histogramCount(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, string | number>;
    value: number;
  }>;
  return values
    .filter((v) => v.metricName?.endsWith("_count"))
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((n, v) => n + v.value, 0);
}
