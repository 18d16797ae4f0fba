/**
 * `npm run bench`: the freeze drill and throughput benchmarks. Prints a table and writes a JSON
 * report to bench/reports/. Uses BENCH_DATABASE_URL when set (a database it may write to),
 * otherwise an embedded PostgreSQL in a temporary directory.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createHistogram, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { migrate } from "../src/db/migrate.js";
import { Db } from "../src/db/pool.js";
import { DbScope } from "../src/db/scope.js";
import {
  expireSubscription,
  provisionSubscription,
} from "../src/domain/subscriptions/provisioning.js";
import { silentLogger } from "../src/logger.js";
import { CircuitBreaker } from "../src/net/circuit-breaker.js";
import { createMetrics, type Metrics } from "../src/ops/metrics.js";
import { startSandbox } from "../src/sandbox/index.js";
import { HttpVpnApi } from "../src/vpn/http-client.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const POOL_MAX = 10;
const WORKER_MAX = 3;
const DRILL_SUBSCRIPTIONS = 400;
const DRILL_SECONDS = 20;
const CUSTOMER_RPS = 200;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  const external = process.env.BENCH_DATABASE_URL;
  const adminUrl = external ? { url: external, stop: async () => {} } : await startEmbedded();
  const name = `vpnbot_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl.url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async stop() {
      const c = new pg.Client({ connectionString: adminUrl.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await adminUrl.stop();
    },
  };

  async function startEmbedded() {
    const dir = await mkdtemp("/var/tmp/vpnbot-bench-pg-");
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: `${dir}/data`,
      port: await freePort(),
      logger: silentLogger(),
    });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

function newDb(url: string, metrics: Metrics, scope: DbScope): Db {
  return new Db({
    connectionString: url,
    poolMax: POOL_MAX,
    workerMax: WORKER_MAX,
    acquireTimeoutMs: 5_000,
    statementTimeoutMs: 15_000,
    idleInTransactionTimeoutMs: 20_000,
    idleTimeoutMs: 30_000,
    longHoldWarnMs: 2_000,
    reportIntervalMs: 60_000,
    applicationName: "vpnbot-bench",
    nestedCheckout: "throw",
    logger: silentLogger(),
    metrics,
    scope,
  });
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * Instrumented checkout vs a raw pg-pool checkout: the price of R1's bookkeeping. The two are
 * measured in alternating rounds and the median round is reported, so warm-up and background
 * noise hit both alike.
 */
async function checkoutOverhead(url: string, db: Db) {
  const raw = new pg.Pool({ connectionString: url, max: POOL_MAX });
  const n = 2_000;
  const rounds = 5;
  const time = async (once: () => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < n; i++) await once();
    return ((performance.now() - started) / n) * 1000;
  };
  const rawOnce = async () => {
    const c = await raw.connect();
    await c.query("SELECT 1");
    c.release();
  };
  const dbOnce = () => db.withClient("bench", (c) => c.query("SELECT 1"));
  await time(rawOnce);
  await time(dbOnce);
  const rawUs: number[] = [];
  const dbUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    rawUs.push(await time(rawOnce));
    dbUs.push(await time(dbOnce));
  }
  await raw.end();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const row = (label: string, us: number) => ({
    label,
    per_checkout_us: Math.round(us),
    checkouts_per_s: Math.round(1e6 / us),
  });
  return [row("raw pg-pool", median(rawUs)), row("db.withClient", median(dbUs))];
}

/**
 * The freeze drill: every heavy worker starts at the same instant (the old 600 s boundary) and
 * works through due subscriptions while the VPN API answers slowly and sometimes not at all,
 * and customers keep arriving. The old service froze here; the numbers below show handler
 * checkouts never queue behind workers and no connection is held across a VPN call.
 */
async function freezeDrill(url: string) {
  const metrics = createMetrics();
  const scope = new DbScope({
    mode: "log",
    onViolation: () => metrics.dbHeldDuringNetwork.inc(),
    warn: () => {},
  });
  const db = newDb(url, metrics, scope);
  const sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  const vpn = new HttpVpnApi({
    baseUrl: sandbox.vpnApiUrl,
    apiKey: sandbox.vpnApiKey,
    timeoutMs: 1_500,
    retries: 0,
    breaker: new CircuitBreaker("vpn_api", { failureThreshold: 1_000, openMs: 1_000 }),
    metrics,
    logger: silentLogger(),
    assertNoDbScope: (what) => scope.assertNoDbScope(what),
  });
  // Slow VPN API: 300 ms on every call, and one call in five hangs until the timeout.
  const fault = (spec: unknown) =>
    fetch(`${sandbox.url}/sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
  await fault({ target: "vpn", mode: "latency", latency_ms: 300 });
  await fault({ target: "vpn", mode: "hang", probability: 0.2 });

  const ids = await db.tx("seed", async (c) => {
    await c.query(
      "INSERT INTO users (telegram_id) SELECT g FROM generate_series(1, $1) g ON CONFLICT DO NOTHING",
      [DRILL_SUBSCRIPTIONS * 2],
    );
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO subscriptions (user_id, expires_at)
       SELECT g, CASE WHEN g % 2 = 0 THEN now() + interval '30 days' ELSE now() - interval '1 minute' END
         FROM generate_series(1, $1) g RETURNING id`,
      [DRILL_SUBSCRIPTIONS],
    );
    await c.query(
      `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
       SELECT id, user_id, 'admin', 2592000, expires_at - interval '30 days', expires_at FROM subscriptions`,
    );
    return rows.map((r) => Number(r.id));
  });

  const worker = db.forKind("worker");
  const deps = { db: worker, vpn, logger: silentLogger(), claimant: "bench", claimTtlMs: 30_000 };
  const deadline = Date.now() + DRILL_SECONDS * 1000;
  const queue = [...ids];
  const heavyWorkers = Array.from({ length: 7 }, async (_, w) => {
    let done = 0;
    while (Date.now() < deadline) {
      const id = queue.shift();
      if (id === undefined) break;
      const r =
        w % 2 === 0 ? await provisionSubscription(deps, id) : await expireSubscription(deps, id);
      if (r.outcome !== "skipped") done++;
    }
    return done;
  });

  const handlerWait = createHistogram();
  let customers = 0;
  let customerErrors = 0;
  const customerLoad = (async () => {
    const pending: Promise<void>[] = [];
    const gap = 1000 / CUSTOMER_RPS;
    let next = performance.now();
    while (Date.now() < deadline) {
      next += gap;
      const userId = 1 + (customers++ % (DRILL_SUBSCRIPTIONS * 2));
      pending.push(
        (async () => {
          const requested = performance.now();
          await db.tx("bench_customer_start", async (c) => {
            handlerWait.record(Math.max(1, Math.round((performance.now() - requested) * 1e6)));
            await c.query("UPDATE users SET last_seen_at = now() WHERE telegram_id = $1", [userId]);
            await c.query("SELECT status, expires_at FROM subscriptions WHERE user_id = $1", [
              userId,
            ]);
          });
        })().catch(() => {
          customerErrors++;
        }),
      );
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(pending);
  })();

  const [processed] = await Promise.all([Promise.all(heavyWorkers), customerLoad]);
  const timeouts = (await metrics.dbTimeouts.get()).values.reduce((n, v) => n + v.value, 0);
  const held = (await metrics.dbHeldDuringNetwork.get()).values.reduce((n, v) => n + v.value, 0);
  const useByLabel = (await metrics.dbUse.get()).values.filter((v) =>
    v.metricName?.endsWith("_sum"),
  );
  const useCount = (await metrics.dbUse.get()).values.filter((v) =>
    v.metricName?.endsWith("_count"),
  );
  const holds = useByLabel.map((s) => ({
    label: String(s.labels.label),
    mean_hold_ms:
      Math.round(
        (s.value / (useCount.find((c) => c.labels.label === s.labels.label)?.value ?? 1)) * 100_000,
      ) / 100,
  }));
  await db.close();
  await sandbox.close();
  return {
    duration_s: DRILL_SECONDS,
    heavy_workers: 7,
    vpn_fault: "300 ms latency, 20 % hang until the 1.5 s timeout",
    subscriptions_processed: processed.reduce((a, b) => a + b, 0),
    customer_transactions: customers,
    customer_errors: customerErrors,
    handler_wait_p50_ms: ms(handlerWait.percentile(50)),
    handler_wait_p99_ms: ms(handlerWait.percentile(99)),
    handler_wait_max_ms: ms(handlerWait.max),
    acquire_timeouts: timeouts,
    held_during_network_call: held,
    mean_hold_by_label: holds,
  };
}

async function main() {
  const { url, stop } = await database();
  try {
    const metrics = createMetrics();
    const db = newDb(url, metrics, new DbScope());
    await migrate(db, silentLogger());
    const overhead = await checkoutOverhead(url, db);
    await db.close();
    const drill = await freezeDrill(url);

    const report = {
      at: new Date().toISOString(),
      node: process.version,
      pool_max: POOL_MAX,
      worker_max: WORKER_MAX,
      checkout_overhead: overhead,
      freeze_drill: drill,
    };
    const dir = path.join(ROOT, "bench", "reports");
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `bench-${report.at.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);

    console.log("\nCheckout overhead (sequential SELECT 1)");
    console.table(overhead);
    console.log("Freeze drill");
    const { mean_hold_by_label, ...flat } = drill;
    console.table(Object.entries(flat).map(([metric, value]) => ({ metric, value })));
    console.table(mean_hold_by_label);
    console.log(`report: ${path.relative(ROOT, file)}`);
  } finally {
    await stop();
  }
}

await main();
