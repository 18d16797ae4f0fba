import { afterEach, describe, expect, it } from "vitest";
import { WORKER_NAMES } from "../../src/config.js";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { freePort } from "../support/postgres.js";
import {
  childEnv,
  type ServiceProcess,
  spawnService,
  waitForHttp,
} from "../support/service-process.js";

const STUCK_BUDGET_MS = 1_000;

const seed = await testDb();
await seed.tx("seed", async (c) => {
  await c.query("INSERT INTO users (telegram_id) SELECT g FROM generate_series(300001, 300050) g");
  await c.query(
    `INSERT INTO subscriptions (user_id, expires_at)
     SELECT g, now() + interval '30 days' FROM generate_series(300001, 300050) g`,
  );
  await c.query(
    `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
     SELECT id, user_id, 'admin', 2592000, expires_at - interval '30 days', expires_at FROM subscriptions`,
  );
});

const running: ServiceProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill("SIGKILL");
});

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("outages are not hangs (R6), with the service as a child process", () => {
  it("keeps running through a VPN API outage and a Telegram 429 storm; /ready names the outage", async () => {
    const port = await freePort();
    const sandboxPort = await freePort();
    const fast = Object.fromEntries(WORKER_NAMES.map((n) => [`WORKER_${n}_INTERVAL_MS`, "300"]));
    const proc = spawnService({
      env: childEnv({
        DATABASE_URL: testDatabaseUrl(),
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        VPN_API_TIMEOUT_MS: "300",
        WATCHDOG_CHECK_INTERVAL_MS: "100",
        WATCHDOG_WORKER_STUCK_FACTOR: "2",
        WATCHDOG_WORKER_STUCK_MIN_MS: String(STUCK_BUDGET_MS),
        WATCHDOG_POOL_STUCK_MS: String(STUCK_BUDGET_MS),
        WATCHDOG_EVENT_LOOP_MAX_MS: String(STUCK_BUDGET_MS),
        START_GATE_INTERVAL_MS: "50",
        // Idle iterations (nothing claimed while keys wait out their backoff) log at debug.
        LOG_LEVEL: "debug",
        ...fast,
      }),
    });
    running.push(proc);
    await proc.waitForLine((l) => l.msg === "service started", 30_000);
    const sandbox = `http://127.0.0.1:${sandboxPort}`;
    await post(`${sandbox}/sandbox/faults`, { target: "vpn", mode: "down" });
    await post(`${sandbox}/sandbox/faults`, {
      target: "telegram",
      mode: "rate_limit",
      retry_after: 1,
    });
    // A customer keeps writing into the storm.
    for (let i = 0; i < 5; i++)
      await post(`${sandbox}/sandbox/users/${300001 + i}/message`, { text: "/start" });

    await new Promise((r) => setTimeout(r, STUCK_BUDGET_MS * 5));
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBeNull();
    expect((await waitForHttp(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    const body = (await ready.json()) as {
      dependencies: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(ready.status).toBe(200);
    expect(body.dependencies.vpn_api).toMatchObject({ ok: false });
    expect(body.dependencies.vpn_api?.detail).toMatch(/circuit open/);
    expect(proc.lines.some((l) => l.event === "watchdog_exit")).toBe(false);
    // The workers kept finishing their iterations — failures handled and counted are progress.
    const activation = proc.lines.filter(
      (l) => l.worker === "activation" && l.msg === "worker iteration",
    );
    expect(activation.some((l) => l.outcome === "degraded")).toBe(true);
    expect(activation.length).toBeGreaterThan(5);
    const { rows } = await seed.query<{ pending: number }>(
      "pending",
      // Each was tried (a failed attempt) or refused by the open circuit (not an attempt).
      `SELECT count(*)::int AS pending FROM subscriptions
        WHERE status = 'pending'
          AND (activation_attempts > 0 OR last_activation_error LIKE 'circuit_open%')`,
    );
    expect(rows[0]?.pending).toBe(50);

    await fetch(`${sandbox}/sandbox/faults`, { method: "DELETE" });
    proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});
