import { GrammyError } from "grammy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { timeoutFor } from "../../src/bot/api-guard.js";
import { createBot } from "../../src/bot/create-bot.js";
import { DEFAULT_BOT_OPTIONS } from "../../src/bot/options.js";
import type { Db } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { type Fakes, fakeServices } from "./support/fakes.js";
import { FAST_OPTIONS, histogramCount, testConfig, testRuntime } from "./support/testbed.js";

let sandbox: Sandbox;
let sb: SandboxClient;
let db: Db;

beforeAll(async () => {
  sandbox = await testSandbox();
  sb = sandboxClient(sandbox.url);
  db = await testDb();
  // Customers must have opened the chat before the bot can write to them.
  await sb.customer(3001).send("hi");
  await sb.customer(3002).send("hi");
});
afterEach(() => sb.clearFaults());

function guardedBot(opts: { scope?: DbScope; metrics?: Metrics; fakes?: Fakes } = {}) {
  const metrics = opts.metrics ?? createMetrics();
  const fakes = opts.fakes ?? fakeServices();
  const { bot } = createBot({
    config: testConfig(sandbox),
    logger: silentLogger(),
    metrics,
    scope: opts.scope ?? new DbScope(),
    db,
    services: fakes.services,
    options: { ...FAST_OPTIONS, requestTimeoutMs: 400, maxRetryAttempts: 1 },
  });
  return { bot, metrics, fakes };
}

const heldCounter = async (metrics: Metrics) =>
  (await metrics.dbHeldDuringNetwork.get()).values.reduce((n, v) => n + v.value, 0);

describe("R2: no Telegram call while a database connection is held", () => {
  it("counts, then throws, for a call made inside db.tx()", async () => {
    const metrics = createMetrics();
    const scope = new DbScope({
      mode: "throw",
      onViolation: () => metrics.dbHeldDuringNetwork.inc(),
      warn: () => {},
    });
    const guardedDb = await testDb({ metrics, scope });
    const { bot } = guardedBot({ scope, metrics });
    await sb.clearCalls();

    const inside = guardedDb.tx("holds_a_connection", async (client) => {
      await client.query("SELECT 1");
      await bot.api.sendMessage(3001, "must not be sent");
    });
    await expect(inside).rejects.toMatchObject({ name: "DbScopeViolationError" });
    await expect(inside).rejects.toThrow(/telegram\.sendMessage.*holds_a_connection/);
    expect(await heldCounter(metrics)).toBe(1);
    expect(await sb.calls("telegram", "sendMessage")).toHaveLength(0);

    // The same call after the transaction is fine.
    await bot.api.sendMessage(3001, "sent after commit");
    expect(await heldCounter(metrics)).toBe(1);
  });

  it("in production it counts and logs, and the call goes through", async () => {
    let counted = 0;
    const warnings: string[] = [];
    const scope = new DbScope({
      mode: "log",
      onViolation: () => counted++,
      warn: (_f, msg) => warnings.push(msg),
    });
    const guardedDb = await testDb({ scope });
    const { bot } = guardedBot({ scope });
    await guardedDb.withClient("prod_holder", () => bot.api.sendMessage(3001, "logged, sent"));
    expect(counted).toBe(1);
    expect(warnings).toEqual(["network call inside a database scope"]);
  });
});

describe("blocked customers", () => {
  it("a send to a customer who blocked the bot marks them unreachable; their next update marks them reachable", async () => {
    const fakes = fakeServices();
    fakes.users.known(3003);
    const carl = sb.customer(3003, { first_name: "Carl" });
    await carl.send("/start");
    await carl.block();

    // A notification (not a reply) hits the block: 403 → markUnreachable, from the API guard.
    const { bot } = guardedBot({ fakes });
    const failed = bot.api.sendMessage(3003, "your subscription ends soon");
    await expect(failed).rejects.toBeInstanceOf(GrammyError);
    await expect(failed).rejects.toMatchObject({ error_code: 403 });
    expect(fakes.users.marks).toEqual(["unreachable:3003"]);

    // Now the bot runs: Carl unblocks and writes again.
    const { runtime } = testRuntime({ sandbox, db, services: fakes.services });
    await runtime.start();
    await carl.unblock();
    await carl.send("hello again");
    // Updates of one chat are handled in order: once this is answered, all before it were too.
    await carl.waitForMessage((m) => m.text?.includes("/help") ?? false);
    expect(fakes.users.users.get(3003)?.reachable).toBe(true);
    const last = fakes.users.marks.lastIndexOf("unreachable:3003");
    expect(fakes.users.marks.slice(last + 1)).toContain("reachable:3003");
    // The block itself arrived as my_chat_member "kicked" and was recorded too.
    expect(fakes.users.marks.filter((m) => m === "unreachable:3003").length).toBeGreaterThanOrEqual(
      2,
    );
    await runtime.stop();
  });
});

describe("timeouts, retries, metrics", () => {
  it("gives each method its own budget", () => {
    const o = DEFAULT_BOT_OPTIONS;
    expect(timeoutFor("getUpdates", { timeout: 30 }, o)).toBe(30_000 + o.getUpdatesGraceMs);
    expect(timeoutFor("sendMessage", {}, o)).toBe(10_000);
    expect(timeoutFor("sendPhoto", {}, o)).toBe(o.uploadTimeoutMs);
    expect(timeoutFor("answerPreCheckoutQuery", {}, o)).toBeLessThan(10_000);
  });

  it("aborts a hanging send at its timeout and counts it", async () => {
    const { bot, metrics } = guardedBot();
    await sb.fault({ target: "telegram", mode: "hang", methods: ["sendMessage"] });
    const started = Date.now();
    await expect(bot.api.sendMessage(3002, "hangs")).rejects.toMatchObject({
      name: "TelegramTimeoutError",
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(
      await histogramCount(metrics, "telegram_api_request_duration_seconds", {
        method: "sendMessage",
        outcome: "timeout",
      }),
    ).toBe(1);
  });

  it("retries a 429 a bounded number of times, and not when retry_after is too long", async () => {
    const { bot, metrics } = guardedBot();
    await sb.fault({
      target: "telegram",
      mode: "rate_limit",
      retry_after: 1,
      methods: ["sendMessage"],
    });
    await expect(bot.api.sendMessage(3002, "limited")).rejects.toMatchObject({ error_code: 429 });
    // One attempt plus maxRetryAttempts (1).
    expect(
      await histogramCount(metrics, "telegram_api_request_duration_seconds", {
        method: "sendMessage",
        outcome: "error_429",
      }),
    ).toBe(2);

    await sb.clearFaults();
    await sb.fault({
      target: "telegram",
      mode: "rate_limit",
      retry_after: 60,
      methods: ["sendMessage"],
    });
    const started = Date.now();
    await expect(bot.api.sendMessage(3002, "limited")).rejects.toMatchObject({ error_code: 429 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("never retries answerPreCheckoutQuery", async () => {
    const { bot, metrics } = guardedBot();
    await sb.fault({
      target: "telegram",
      mode: "rate_limit",
      retry_after: 1,
      methods: ["answerPreCheckoutQuery"],
    });
    await expect(bot.api.answerPreCheckoutQuery("123", true)).rejects.toMatchObject({
      error_code: 429,
    });
    expect(
      await histogramCount(metrics, "telegram_api_request_duration_seconds", {
        method: "answerPreCheckoutQuery",
      }),
    ).toBe(1);
  });
});

afterAll(() => sb.clearFaults());
