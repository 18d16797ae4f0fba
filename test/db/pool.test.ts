import { type AddressInfo, createServer, type Socket } from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { acquireTimeoutCause, Db } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import { testDatabaseUrl, testDb, testDbOptions } from "../support/db.js";
import { captureLogs } from "../support/logs.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function histogram(metrics: Metrics, name: string, labels: Record<string, string>) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, string | number>;
    value: number;
  }>;
  const mine = values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  const buckets = new Map<number, number>();
  for (const v of mine) {
    if (v.metricName?.endsWith("_bucket")) buckets.set(Number(v.labels.le), v.value);
  }
  return {
    count: mine.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0,
    sum: mine.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0,
    /** Observations in (lower, upper] by cumulative bucket counts. */
    between: (lower: number, upper: number) =>
      (buckets.get(upper) ?? 0) - (buckets.get(lower) ?? 0),
  };
}

describe("instrumented pool", () => {
  it("records acquire wait and hold time per label", async () => {
    const metrics = createMetrics();
    const db = await testDb({ poolMax: 1, metrics });
    let holding!: () => void;
    const aHolds = new Promise<void>((r) => {
      holding = r;
    });
    const a = db.withClient("label_a", async (c) => {
      await c.query("SELECT 1");
      holding();
      await sleep(200);
    });
    await aHolds;
    const b = db.withClient("label_b", (c) => c.query("SELECT 1"));
    await Promise.all([a, b]);

    const aUse = await histogram(metrics, "db_client_connection_use_time_seconds", {
      label: "label_a",
      kind: "handler",
    });
    expect(aUse.count).toBe(1);
    expect(aUse.between(0.1, 0.25)).toBe(1);
    const bWait = await histogram(metrics, "db_client_connection_wait_time_seconds", {
      label: "label_b",
      kind: "handler",
    });
    expect(bWait.count).toBe(1);
    expect(bWait.sum).toBeGreaterThanOrEqual(0.15);
  });

  it("caps worker checkouts at the bulkhead while handlers never queue behind them", async () => {
    const workerMax = 2;
    const db = await testDb({ poolMax: 4, workerMax });
    const events: string[] = [];
    let concurrent = 0;
    let peak = 0;
    const worker = db.forKind("worker");
    const tasks = Array.from({ length: 3 * workerMax }, (_, i) =>
      worker.withClient(`worker_${i}`, async (c) => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        events.push(`worker_${i}:acquired`);
        await c.query("SELECT pg_sleep(0.1)");
        concurrent--;
        events.push(`worker_${i}:released`);
      }),
    );
    await sleep(20);
    const pgQueueAtHandlerRequest: number[] = [];
    const handlers = Array.from({ length: 2 }, (_, i) => {
      pgQueueAtHandlerRequest.push(db.stats().waiting);
      return db.withClient(`handler_${i}`, async (c) => {
        events.push(`handler_${i}:acquired`);
        await c.query("SELECT 1");
      });
    });
    expect(db.stats().workerWaiting).toBe(3 * workerMax - workerMax);
    await Promise.all([...tasks, ...handlers]);

    expect(peak).toBe(workerMax);
    expect(events.filter((e) => e.endsWith(":released"))).toHaveLength(3 * workerMax);
    expect(pgQueueAtHandlerRequest).toEqual([0, 0]);
    // Both handlers got a connection before the first worker gave one back.
    const firstRelease = events.findIndex((e) => e.endsWith(":released"));
    expect(events.indexOf("handler_0:acquired")).toBeLessThan(firstRelease);
    expect(events.indexOf("handler_1:acquired")).toBeLessThan(firstRelease);
  });

  it("counts then throws when a network call happens inside withClient or tx (R2 guard)", async () => {
    const metrics = createMetrics();
    const scope = new DbScope({
      mode: "throw",
      onViolation: () => metrics.dbHeldDuringNetwork.inc(),
      warn: () => {},
    });
    const db = await testDb({ metrics, scope });
    const counter = async () =>
      (await metrics.dbHeldDuringNetwork.get()).values.reduce((n, v) => n + v.value, 0);

    await expect(
      db.withClient("guarded", async () => scope.assertNoDbScope("vpn.add")),
    ).rejects.toMatchObject({ name: "DbScopeViolationError" });
    expect(await counter()).toBe(1);
    await expect(
      db.tx("guarded_tx", async () => scope.assertNoDbScope("telegram.sendMessage")),
    ).rejects.toThrow(/guarded_tx/);
    expect(await counter()).toBe(2);

    // Outside any scope, and in work merely started inside one that outlives it: allowed.
    scope.assertNoDbScope("vpn.add");
    let detached!: Promise<void>;
    await db.withClient("starts_background_work", async () => {
      detached = sleep(20).then(() => scope.assertNoDbScope("vpn.add"));
    });
    await detached;
    expect(await counter()).toBe(2);
  });

  it("logs instead of throwing in production mode, still counting", async () => {
    const warnings: string[] = [];
    let count = 0;
    const scope = new DbScope({
      mode: "log",
      onViolation: () => count++,
      warn: (_f, msg) => warnings.push(msg),
    });
    const db = await testDb({ scope });
    await db.withClient("prod", async () => scope.assertNoDbScope("vpn.remove"));
    expect(count).toBe(1);
    expect(warnings).toEqual(["network call inside a database scope"]);
  });

  it("refuses a nested checkout from the same async context", async () => {
    const db = await testDb();
    await expect(db.withClient("outer", () => db.query("inner", "SELECT 1"))).rejects.toMatchObject(
      { name: "NestedCheckoutError" },
    );
    // The outer connection went back to the pool in a usable state.
    const { rows } = await db.query<{ ok: number }>("after", "SELECT 1 AS ok");
    expect(rows[0]?.ok).toBe(1);
  });

  it("survives a backend terminated while its client is checked out, and recovers", async () => {
    const db = await testDb({ poolMax: 2 });
    const { rows } = await db.query<{ pid: number }>("pid", "SELECT pg_backend_pid() AS pid");
    const victim = db.withClient("victim", async (c) => {
      const { rows: mine } = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const killer = new pg.Client({ connectionString: testDatabaseUrl() });
      await killer.connect();
      await killer.query("SELECT pg_terminate_backend($1)", [mine[0]?.pid]);
      await killer.end();
      await sleep(100);
      await c.query("SELECT 1");
    });
    await expect(victim).rejects.toThrow();
    expect(rows[0]?.pid).toBeGreaterThan(0);
    // Every connection still handed out works.
    for (let i = 0; i < 4; i++) {
      const r = await db.query<{ ok: number }>("after_kill", "SELECT 1 AS ok");
      expect(r.rows[0]?.ok).toBe(1);
    }
  });

  it("rolls back a failed transaction and keeps the connection", async () => {
    const db = await testDb({ poolMax: 1 });
    await db.query("setup", "CREATE TABLE tx_probe (x int PRIMARY KEY)");
    await expect(
      db.tx("fails", async (c) => {
        await c.query("INSERT INTO tx_probe VALUES (1)");
        throw new Error("domain rule violated");
      }),
    ).rejects.toThrow("domain rule violated");
    const { rows } = await db.query("check", "SELECT count(*)::int AS n FROM tx_probe");
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("counts acquire timeouts by kind", async () => {
    const metrics = createMetrics();
    const db = await testDb({ poolMax: 1, acquireTimeoutMs: 150, metrics });
    let release!: () => void;
    const held = db.withClient("hog", () => new Promise<void>((r) => (release = r)));
    await sleep(20);
    await expect(db.query("starved", "SELECT 1")).rejects.toMatchObject({
      name: "DbAcquireTimeoutError",
    });
    release();
    await held;
    const timeouts = (await metrics.dbTimeouts.get()).values;
    // Every kind has its series from the start; only the handler's counted one.
    expect(timeouts).toEqual([
      expect.objectContaining({ labels: { kind: "handler" }, value: 1 }),
      expect.objectContaining({ labels: { kind: "worker" }, value: 0 }),
      expect.objectContaining({ labels: { kind: "system" }, value: 0 }),
    ]);
  });

  it("shows waiting checkouts in the gauges while the pool is exhausted, not only afterwards", async () => {
    const metrics = createMetrics();
    const db = await testDb({ poolMax: 1, metrics });
    let release!: () => void;
    const held = db.withClient("hog", () => new Promise<void>((r) => (release = r)));
    await sleep(20);
    const waiting = [db.query("w1", "SELECT 1"), db.query("w2", "SELECT 1")];
    await sleep(20);
    const gauge = async (name: "dbPending" | "dbCount", state?: string) =>
      (await metrics[name].get()).values.find((v) => !state || v.labels.state === state)?.value;
    expect(await gauge("dbPending")).toBe(2);
    expect(await gauge("dbCount", "used")).toBe(1);
    release();
    await Promise.all([held, ...waiting]);
    expect(await gauge("dbPending")).toBe(0);
  });

  it("warns about a long hold with the acquiring stack, and writes the pool_report line", async () => {
    const logs = captureLogs();
    const db = await testDb({ longHoldWarnMs: 50, logger: logs.logger });
    await db.withClient("slow_holder", () => sleep(120));
    await db.query("quick", "SELECT 1");
    const warning = logs.find("database connection held too long");
    expect(warning).toMatchObject({ label: "slow_holder", kind: "handler" });
    expect(String(warning?.stack)).toContain("pool.test.ts");

    db.report();
    const report = logs.find("pool_report");
    expect(report).toMatchObject({ event: "pool_report", checkouts: 2, waiting: 0 });
    expect((report?.top_holders as Array<{ label: string }> | undefined)?.[0]?.label).toBe(
      "slow_holder",
    );
    expect(Number(report?.hold_p99_ms)).toBeGreaterThanOrEqual(100);
    db.report();
    expect(logs.lines.filter((l) => l.msg === "pool_report").at(-1)).toMatchObject({
      checkouts: 0,
    });
  });
});

/** A TCP server that accepts connections and never says a word: a database dropping packets. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://nobody:nothing@127.0.0.1:${port}/none`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("opening connections to a server that never answers", () => {
  it("counts and logs a timeout while opening a new pooled connection, like a queue timeout", async () => {
    const silent = await silentServer();
    const metrics = createMetrics();
    const logs = captureLogs();
    const db = new Db(
      testDbOptions({
        connectionString: silent.url,
        acquireTimeoutMs: 200,
        metrics,
        logger: logs.logger,
      }),
    );
    try {
      const err = await db.query("login", "SELECT 1").catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "DbAcquireTimeoutError", timeoutCause: "connect" });
      const timeouts = (await metrics.dbTimeouts.get()).values;
      expect(timeouts.filter((t) => t.value > 0)).toEqual([
        expect.objectContaining({ labels: { kind: "handler" }, value: 1 }),
      ]);
      expect(logs.find("database connect timeout")).toMatchObject({
        label: "login",
        kind: "handler",
        cause: "connect",
      });
    } finally {
      await db.close();
      await silent.close();
    }
  });

  it("gives the dedicated session client (the polling leader lock) a connect timeout", async () => {
    const silent = await silentServer();
    const metrics = createMetrics();
    const db = new Db(
      testDbOptions({ connectionString: silent.url, acquireTimeoutMs: 200, metrics }),
    );
    try {
      const err = await db.dedicatedClient("polling-leader", () => {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "DbAcquireTimeoutError", timeoutCause: "connect" });
      expect((await metrics.dbTimeouts.get()).values.filter((t) => t.value > 0)).toEqual([
        expect.objectContaining({ labels: { kind: "system" }, value: 1 }),
      ]);
    } finally {
      await db.close();
      await silent.close();
    }
  });

  it("recognises every pg message for a connect or queue timeout, and nothing else", () => {
    expect(acquireTimeoutCause(new Error("timeout exceeded when trying to connect"))).toBe("queue");
    expect(acquireTimeoutCause(new Error("Connection terminated due to connection timeout"))).toBe(
      "connect",
    );
    expect(acquireTimeoutCause(new Error("timeout expired"))).toBe("connect");
    expect(acquireTimeoutCause(new Error("Connection terminated unexpectedly"))).toBeUndefined();
    expect(acquireTimeoutCause(undefined)).toBeUndefined();
  });
});
