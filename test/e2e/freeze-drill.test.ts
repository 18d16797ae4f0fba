import { afterAll, describe, expect, it } from "vitest";
import { type Service, startService } from "../../src/app.js";
import { loadConfig, WORKER_NAMES } from "../../src/config.js";
import { enterSandboxMode } from "../../src/sandbox-mode.js";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { sandboxClient } from "../support/driver.js";
import { captureLogs } from "../support/logs.js";

/**
 * The freeze drill as a test: every loop forced onto the same instant (one grid, no jitter, no
 * start gate) against thousands of due rows, while a customer keeps chatting with the bot.
 */
const DUE_ACTIVATIONS = 2_000;
const DUE_EXPIRIES = 1_000;

const seed = await testDb();
await seed.tx("seed", async (c) => {
  await c.query(
    "INSERT INTO users (telegram_id) SELECT g FROM generate_series(100001, 100000 + $1) g",
    [DUE_ACTIVATIONS + DUE_EXPIRIES],
  );
  await c.query(
    `INSERT INTO subscriptions (user_id, expires_at)
     SELECT 100000 + g, CASE WHEN g <= $1 THEN now() + interval '30 days' ELSE now() - interval '1 minute' END
       FROM generate_series(1, $2) g`,
    [DUE_ACTIVATIONS, DUE_ACTIVATIONS + DUE_EXPIRIES],
  );
  await c.query(
    `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
     SELECT id, user_id, 'admin', 2592000, expires_at - interval '30 days', expires_at FROM subscriptions`,
  );
});

const sameInstant = Object.fromEntries(
  WORKER_NAMES.flatMap((name) => [
    [`WORKER_${name}_INTERVAL_MS`, "1000"],
    [`WORKER_${name}_OFFSET_MS`, "0"],
  ]),
);
const logs = captureLogs("info");
const config = loadConfig({
  NODE_ENV: "test",
  DATABASE_URL: testDatabaseUrl(),
  PORT: "0",
  HOST: "127.0.0.1",
  SANDBOX_PORT: "0",
  DB_POOL_MAX: "6",
  DB_POOL_WORKER_MAX: "2",
  DB_ACQUIRE_TIMEOUT_MS: "2000",
  WORKER_JITTER_MS: "0",
  START_GATE_INTERVAL_MS: "0",
  WATCHDOG_ENABLED: "false",
  ...sameInstant,
});
let service: Service;
afterAll(() => service?.shutdown("test finished"));

const counter = async (
  name: "dbTimeouts" | "dbHeldDuringNetwork",
  labels?: Record<string, string>,
) => {
  const values = (await service.metrics[name].get()).values;
  return values
    .filter((v) => !labels || Object.entries(labels).every(([k, x]) => v.labels[k as never] === x))
    .reduce((n, v) => n + v.value, 0);
};

describe("freeze drill: all loops at the same instant, thousands of due rows, a customer chatting", () => {
  it("the control: breaking the rule (a VPN call inside a transaction) is counted and refused", async () => {
    service = await startService(config, {
      prepare: (logger) => enterSandboxMode(config, logger),
      appLogger: { logger: logs.logger, flush: async () => {} },
    });
    const before = await counter("dbHeldDuringNetwork");
    await expect(service.db.tx("broken_pattern", () => service.vpn.list())).rejects.toMatchObject({
      name: "DbScopeViolationError",
    });
    expect(await counter("dbHeldDuringNetwork")).toBe(before + 1);
  });

  it("keeps serving the customer: no handler acquire timeout, no connection held across a network call", async () => {
    const heldBefore = await counter("dbHeldDuringNetwork");
    const sandboxUrl = String(logs.lines.find((l) => l.control_plane)?.telegram_stand_in);
    const customer = sandboxClient(sandboxUrl).customer(42);
    await customer.send("/start");
    await customer.waitForMessage(undefined, 10_000);
    const answered: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 6_000) {
      const t = Date.now();
      await customer.send("/help");
      await customer.waitForMessage(undefined, 10_000);
      answered.push(Date.now() - t);
    }
    // The workers were really busy meanwhile.
    const iterations = logs.lines.filter(
      (l) => l.msg === "worker iteration" && Number(l.claimed ?? 0) > 0,
    );
    expect(iterations.length).toBeGreaterThan(3);
    const { rows } = await service.db.query<{ active: number; expired: number }>(
      "drill_progress",
      `SELECT count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'expired')::int AS expired FROM subscriptions`,
    );
    expect(rows[0]?.active).toBeGreaterThan(0);
    expect(rows[0]?.expired).toBeGreaterThan(0);

    expect(answered.length).toBeGreaterThan(3);
    expect(await counter("dbTimeouts", { kind: "handler" })).toBe(0);
    expect(await counter("dbHeldDuringNetwork")).toBe(heldBefore);
    // Workers never held more than their bulkhead.
    expect(
      logs.lines.filter((l) => l.msg === "database acquire timeout" && l.kind === "handler"),
    ).toEqual([]);
  });
});
