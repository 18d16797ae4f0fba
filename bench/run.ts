/**
 * `npm run bench` (about 12 minutes) and `npm run bench -- --quick` (under 3): the freeze drill
 * on the real service process beside the old pattern, and throughput against the floors.
 *
 * Phases, each on a fresh database cloned from nothing (created on BENCH_DATABASE_URL's server,
 * default postgres://postgres@127.0.0.1:5432/postgres, dropped at the end):
 *   1. tick: `src/main.ts` in sandbox mode, 50 000 seeded customers with thousands due for every
 *      worker, every heavy worker on one grid (same interval, offset 0, no start gate, no
 *      jitter), a slow VPN stand-in, 200 customers running the steady mix;
 *   2. idle: the same service with its workers disabled, the same customers;
 *   3. old: bench/old-pattern.ts, the same customers;
 *   4. throughput: closed-loop /profile load stepped up until p99 > 250 ms, on the service and
 *      on bench/echo-bot.ts;
 *   5. sweep: fast expiry alone over 10 000 due subscriptions with a 20 ms VPN stand-in.
 *   6. dashboard: the console dashboard's numbers read on a 100 000-customer seed.
 * Output: a table on stdout, bench/reports/bench-<time>.json, bench/reports/chart-<time>.svg
 * and bench/reports/latest.{md,json,svg}.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { LIGHT_WORKERS, WORKER_NAMES } from "../src/config.js";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { migrate } from "../src/db/migrate.js";
import { Db } from "../src/db/pool.js";
import { DbScope } from "../src/db/scope.js";
import { silentLogger } from "../src/logger.js";
import { createMetrics } from "../src/ops/metrics.js";
import { abortableDelay } from "../src/util/delay.js";
import { dashboardPhase } from "./dashboard.js";
import { type PhaseSeries, renderChart } from "./lib/chart.js";
import { KEY_AFTER_PAY, runClosedLoop, runMix, type Sample } from "./lib/driver.js";
import { type Child, freePort, spawnTs, waitForHttp } from "./lib/process.js";
import { SLOW_VPN_DESCRIPTION, SLOW_VPN_FAULTS, setFaults } from "./lib/sandbox-control.js";
import { countDueExpiry, seedExpired, seedService } from "./lib/seed.js";
import {
  buckets,
  histogramDelta,
  type PromSample,
  parseProm,
  percentile,
  round,
  summarize,
  sumOf,
} from "./lib/stats.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const QUICK = process.argv.includes("--quick");
const CFG = QUICK
  ? {
      tickMs: 15_000,
      drillMs: 25_000,
      idleMs: 15_000,
      stepMs: 4_000,
      steps: [10, 25, 50, 100, 200, 400],
      sweep: 1_000,
      sweepTimeoutMs: 15_000,
      due: 1_000,
    }
  : {
      tickMs: 60_000,
      drillMs: 150_000,
      idleMs: 90_000,
      stepMs: 12_000,
      steps: [10, 25, 50, 100, 200, 400, 800],
      sweep: 10_000,
      sweepTimeoutMs: 180_000,
      due: 3_000,
    };
const CUSTOMERS = 200;
const THINK_MS: [number, number] = [1_000, 3_000];
const SAMPLE_MS = 500;
const P99_LIMIT_MS = 250;
/** The service's handler pool (`DB_POOL_MAX`): the service default, or `BENCH_POOL_MAX`. */
const POOL_MAX = Number(process.env.BENCH_POOL_MAX ?? 10);
if (!Number.isSafeInteger(POOL_MAX) || POOL_MAX < 2)
  throw new Error("BENCH_POOL_MAX: an integer ≥ 2");
const WORKER_CONCURRENCY = 4;
const SWEEP_VPN_MS = 20;
const TICK_WINDOW_MS = 8_000;

/** Epoch ms of a log line (pino writes ISO time). */
const timeOf = (l: Record<string, unknown>) =>
  typeof l.time === "number" ? l.time : Date.parse(String(l.time));

const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// --- database ---

const DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `vpnbot_bench_${process.pid}`;
let adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER;
let dbUrl = databaseUrl(adminUrl);

function databaseUrl(server: string): string {
  const u = new URL(server);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/**
 * The PostgreSQL server the run uses: BENCH_DATABASE_URL, else the local server on 5432, else
 * (nothing listening there) an embedded PostgreSQL in a temporary directory, stopped after.
 */
async function prepareServer(): Promise<() => Promise<void>> {
  if (process.env.BENCH_DATABASE_URL) return async () => {};
  try {
    const c = new pg.Client({ connectionString: DEFAULT_SERVER, connectionTimeoutMillis: 3_000 });
    await c.connect();
    await c.end();
    return async () => {};
  } catch {
    log(`no PostgreSQL at ${DEFAULT_SERVER}: starting an embedded one`);
  }
  const dir = await mkdtemp("/var/tmp/vpnbot-bench-pg-");
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: `${dir}/data`,
    port: await freePort(),
    logger: silentLogger(),
  });
  adminUrl = server.url;
  dbUrl = databaseUrl(adminUrl);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function migrateDb() {
  const db = new Db({
    connectionString: dbUrl,
    poolMax: 3,
    workerMax: 1,
    acquireTimeoutMs: 10_000,
    statementTimeoutMs: 120_000,
    idleInTransactionTimeoutMs: 120_000,
    idleTimeoutMs: 30_000,
    longHoldWarnMs: 60_000,
    reportIntervalMs: 600_000,
    applicationName: "vpnbot-bench",
    nestedCheckout: "throw",
    logger: silentLogger(),
    metrics: createMetrics(),
    scope: new DbScope(),
  });
  await migrate(db, silentLogger());
  await db.close();
}

// --- the service process ---

type WorkerMode = "aligned" | "idle" | "sweep";

function serviceEnv(port: number, sandboxPort: number, mode: WorkerMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "development",
    LOG_LEVEL: "info",
    DATABASE_URL: dbUrl,
    HOST: "127.0.0.1",
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    ADMIN_IDS: "900001",
    DB_POOL_MAX: String(POOL_MAX),
    DB_LONG_HOLD_WARN_MS: "250",
    // Customers here act faster than the per-customer flood limit allows; it is not under test.
    BOT_RATE_LIMIT_BURST: "100000",
    BOT_RATE_LIMIT_PER_MINUTE: "100000",
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
  };
  for (const name of WORKER_NAMES) {
    if (mode === "idle") env[`WORKER_${name}_ENABLED`] = "false";
    // The sweep: fast expiry, and the notice sender delivering the "expired" notices it queues.
    if (mode === "sweep") {
      env[`WORKER_${name}_ENABLED`] =
        name === "FAST_EXPIRY" || name === "NOTICES" ? "true" : "false";
    }
    if (mode === "aligned" && !LIGHT_WORKERS.includes(name)) {
      env[`WORKER_${name}_INTERVAL_MS`] = String(CFG.tickMs);
      env[`WORKER_${name}_OFFSET_MS`] = "0";
    }
  }
  if (mode === "aligned") {
    env.START_GATE_INTERVAL_MS = "0";
    env.WORKER_JITTER_MS = "0";
  }
  if (mode === "sweep") {
    env.WORKER_FAST_EXPIRY_INTERVAL_MS = "1000";
    env.WORKER_FAST_EXPIRY_OFFSET_MS = "0";
    env.WORKER_BATCH_SIZE = "200";
  }
  return env;
}

interface Running {
  child: Child;
  metricsUrl: string;
  controlUrl: string;
}

/**
 * `BENCH_CPU_PROF=<dir>`: every service process runs with `--cpu-prof` and writes its
 * `.cpuprofile` into that directory when it exits (`npx tsx bench/lib/cpu-profile.ts <file>`
 * prints the functions by self time).
 */
function serviceNodeArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

async function startService(mode: WorkerMode): Promise<Running> {
  const port = await freePort();
  const sandboxPort = await freePort();
  const child = spawnTs(
    ROOT,
    "src/main.ts",
    serviceEnv(port, sandboxPort, mode),
    serviceNodeArgs(),
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, 90_000).catch(async (err) => {
    const last = child.lines.slice(-8).map((l) => JSON.stringify(l));
    await child.stop();
    throw new Error(
      `${err}; stderr: ${child.stderr().slice(-2_000)}; last lines:\n${last.join("\n")}`,
    );
  });
  return {
    child,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    controlUrl: `http://127.0.0.1:${sandboxPort}`,
  };
}

async function scrape(url: string): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return parseProm(await res.text());
}

interface Sampled {
  t: number;
  used: number;
  waiting: number;
  lagP99: number;
  lagMax: number;
}

function sampler(url: string) {
  const samples: Sampled[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      try {
        const m = await scrape(url);
        samples.push({
          t,
          used: sumOf(m, "db_client_connections_usage", { state: "used" }),
          waiting: sumOf(m, "db_client_connection_pending_requests"),
          lagP99: sumOf(m, "nodejs_eventloop_lag_p99_seconds") * 1000,
          lagMax: sumOf(m, "nodejs_eventloop_lag_max_seconds") * 1000,
        });
      } catch {
        // A scrape that did not answer in time is a gap in the chart.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (Date.now() - t))));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

const ms = (s: number) => round(s * 1000, 2);

/**
 * The steady mix's replies: every action but a new customer's first contact (its /start and
 * language), and not the key that follows a payment (a message after the reply).
 */
const steady = (samples: readonly Sample[]) =>
  samples.filter((s) => !s.kind.startsWith("first_") && s.kind !== KEY_AFTER_PAY);

function latency(samples: readonly Sample[]) {
  const s = summarize(samples.map((x) => x.ms));
  return {
    actions: s.n,
    unanswered: samples.filter((x) => x.timedOut).length,
    p50_ms: round(s.p50),
    p95_ms: round(s.p95),
    p99_ms: round(s.p99),
    max_ms: round(s.max),
  };
}

function byKind(samples: readonly Sample[]) {
  const kinds = [...new Set(samples.map((s) => s.kind))];
  return Object.fromEntries(kinds.map((k) => [k, latency(samples.filter((s) => s.kind === k))]));
}

function workerRows(lines: ReadonlyArray<Record<string, unknown>>, from: number, to: number) {
  const rows: Record<string, number> = {};
  for (const l of lines) {
    if (l.msg !== "worker iteration" || typeof l.worker !== "string") continue;
    const t = timeOf(l);
    if (t < from || t > to) continue;
    const counts = Object.entries(l)
      .filter(
        ([k, v]) =>
          typeof v === "number" &&
          !["iteration", "duration_ms", "time", "level", "pid"].includes(k),
      )
      .map(([, v]) => v as number);
    const n =
      typeof l.claimed === "number"
        ? l.claimed
        : typeof l.processed === "number"
          ? l.processed
          : Math.max(0, ...counts);
    rows[l.worker] = (rows[l.worker] ?? 0) + n;
  }
  const secs = (to - from) / 1000;
  return Object.fromEntries(
    Object.entries(rows).map(([w, n]) => [w, { rows: n, per_s: round(n / secs, 1) }]),
  );
}

/** Everything the report shows for one phase of the real service. */
function servicePhase(opts: {
  before: PromSample[];
  after: PromSample[];
  samples: Sample[];
  sampled: Sampled[];
  lines: ReadonlyArray<Record<string, unknown>>;
  from: number;
  to: number;
  ticks: number[];
  exited: boolean;
}) {
  const { before, after } = opts;
  const sampled = opts.sampled.filter((s) => s.t >= opts.from && s.t <= opts.to);
  const wait = (match: Record<string, string>) => {
    const d = histogramDelta(
      buckets(before, "db_client_connection_wait_time_seconds", match),
      buckets(after, "db_client_connection_wait_time_seconds", match),
    );
    return { n: d.count, p50_ms: ms(d.p50), p99_ms: ms(d.p99), max_ms_at_most: ms(d.maxBound) };
  };
  const handlerLabels = [
    ...new Set(
      after
        .filter(
          (s) =>
            s.name === "db_client_connection_wait_time_seconds_count" &&
            s.labels.kind === "handler",
        )
        .map((s) => s.labels.label as string),
    ),
  ].sort();
  const hold = histogramDelta(
    buckets(before, "db_client_connection_use_time_seconds"),
    buckets(after, "db_client_connection_use_time_seconds"),
  );
  const delta = (name: string, match: Record<string, string> = {}) =>
    sumOf(after, name, match) - sumOf(before, name, match);
  const duringTick = opts.samples.filter((s) =>
    opts.ticks.some((t) => s.at >= t && s.at < t + TICK_WINDOW_MS),
  );
  const longHolds = opts.lines.filter(
    (l) => typeof l.held_ms === "number" && timeOf(l) >= opts.from && timeOf(l) <= opts.to,
  );
  return {
    duration_s: round((opts.to - opts.from) / 1000, 1),
    ticks: opts.ticks.map((t) => new Date(t).toISOString()),
    update_to_reply: latency(steady(opts.samples)),
    update_to_reply_during_tick: opts.ticks.length > 0 ? latency(steady(duringTick)) : null,
    update_to_reply_by_action: byKind(opts.samples),
    acquire_wait: {
      handler: wait({ kind: "handler" }),
      worker: wait({ kind: "worker" }),
      system: wait({ kind: "system" }),
      handler_labels: Object.fromEntries(
        handlerLabels
          .map((l) => [l, wait({ kind: "handler", label: l })])
          .filter(([, w]) => (w as { n: number }).n > 0),
      ),
    },
    acquire_timeouts: delta("db_client_connection_timeouts_total"),
    hold: {
      p99_ms: ms(hold.p99),
      max_ms_at_most: ms(hold.maxBound),
      longest_by_label: [
        ...new Set(
          after
            .filter((x) => x.name === "db_client_connection_use_time_seconds_count")
            .map((x) => x.labels.label as string),
        ),
      ]
        .map((label) => ({
          label,
          max_ms_at_most: ms(
            histogramDelta(
              buckets(before, "db_client_connection_use_time_seconds", { label }),
              buckets(after, "db_client_connection_use_time_seconds", { label }),
            ).maxBound,
          ),
        }))
        .sort((a, b) => b.max_ms_at_most - a.max_ms_at_most)
        .slice(0, 5),
      // The pool warns once per checkout still held after DB_LONG_HOLD_WARN_MS (250 ms here).
      holds_over_250ms: longHolds.length,
    },
    max_pool_in_use: Math.max(0, ...sampled.map((s) => s.used)),
    max_pool_waiters: Math.max(0, ...sampled.map((s) => s.waiting)),
    event_loop_delay: {
      p99_ms: round(
        percentile(
          sampled.map((s) => s.lagP99),
          99,
        ),
      ),
      max_ms: round(Math.max(0, ...sampled.map((s) => s.lagMax))),
    },
    held_during_network_call: delta("db_client_connection_held_during_network_call_total"),
    rows_per_worker: workerRows(opts.lines, opts.from, opts.to),
    watchdog_exits:
      opts.lines.filter((l) => l.event === "watchdog_exit").length + (opts.exited ? 1 : 0),
    log_lines_dropped: delta("log_lines_dropped_total"),
  };
}

/** The grid slots whose tick window overlaps [from, to). */
function nextTicks(from: number, to: number): number[] {
  const out: number[] = [];
  const first = Math.ceil((from - TICK_WINDOW_MS + 1) / CFG.tickMs) * CFG.tickMs;
  for (let t = first; t < to; t += CFG.tickMs) out.push(t);
  return out;
}

const msToNextSlot = () => CFG.tickMs - (Date.now() % CFG.tickMs);
/** How long before the phase's first grid slot the customers start (full: 20 s, quick: 7.5 s). */
const CUSTOMER_LEAD_MS = Math.min(20_000, CFG.tickMs / 2);
/**
 * The service starts only with at least this long to the next slot (else once it has passed): time
 * to boot (a few seconds) and still start the customers `CUSTOMER_LEAD_MS` before it.
 */
const BOOT_MARGIN_MS = Math.min(CUSTOMER_LEAD_MS + 10_000, CFG.tickMs - 1);

/**
 * Places the tick phase on the grid the same way in every run: the service starts with time to
 * boot before the next slot, and the customers `CUSTOMER_LEAD_MS` before that slot — the
 * workers' first iteration, which meets the whole seeded backlog. So every tick, the heaviest
 * first, comes while the customers run their steady mix, and never, by chance, before the phase
 * or during 200 newcomers' first contact in the same second (a burst only the bench creates).
 */
const tickPlacement = {
  beforeStart: async () => {
    if (msToNextSlot() < BOOT_MARGIN_MS) await abortableDelay(msToNextSlot() + 100);
  },
  beforeCustomers: async () => {
    await abortableDelay(msToNextSlot() - CUSTOMER_LEAD_MS);
  },
};

const CUSTOMER_BASE = 7_000_001;

async function drillPhase(mode: "aligned" | "idle", durationMs: number) {
  if (mode === "aligned") await tickPlacement.beforeStart();
  const svc = await startService(mode);
  try {
    await setFaults(svc.controlUrl, SLOW_VPN_FAULTS);
    if (mode === "aligned") await tickPlacement.beforeCustomers();
    const sampling = sampler(svc.metricsUrl);
    const before = await scrape(svc.metricsUrl);
    const from = Date.now();
    const samples = await runMix({
      controlUrl: svc.controlUrl,
      firstId: CUSTOMER_BASE,
      count: CUSTOMERS,
      durationMs,
      thinkMs: THINK_MS,
      onboard: true,
    });
    const to = Date.now();
    const after = await scrape(svc.metricsUrl);
    await sampling.stop();
    const ticks = mode === "aligned" ? nextTicks(from, to) : [];
    const exited = svc.child.proc.exitCode !== null || svc.child.proc.signalCode !== null;
    const result = servicePhase({
      before,
      after,
      samples,
      sampled: sampling.samples,
      lines: svc.child.lines,
      from,
      to,
      ticks,
      exited,
    });
    const series: PhaseSeries = {
      title: mode === "aligned" ? "service, workers on one tick" : "service, workers idle",
      startMs: from,
      endMs: to,
      ticks,
      poolMax: POOL_MAX,
      used: sampling.samples.map((s) => [s.t, s.used]),
      waiting: sampling.samples.map((s) => [s.t, s.waiting]),
      latencyMs: samples.map((s) => [s.at, s.ms]),
      loopP99Ms: sampling.samples.map((s) => [s.t, s.lagP99]),
      loopMaxMs: sampling.samples.map((s) => [s.t, s.lagMax]),
    };
    return { result, series };
  } finally {
    await svc.child.stop();
  }
}

/**
 * Updates the old pattern handles at once: the replaced service's MAX_CONCURRENT_UPDATES (20);
 * OLD_HANDLER_CONCURRENCY sets another number to see the same shape without that limit.
 */
const OLD_HANDLER_SLOTS = Number(process.env.OLD_HANDLER_CONCURRENCY ?? 20);

async function oldPhase(durationMs: number) {
  const sandboxPort = await freePort();
  const child = spawnTs(ROOT, "bench/old-pattern.ts", {
    DATABASE_URL: dbUrl,
    SANDBOX_PORT: String(sandboxPort),
    TICK_MS: String(CFG.tickMs),
    SAMPLE_MS: String(SAMPLE_MS),
    HANDLER_CONCURRENCY: String(OLD_HANDLER_SLOTS),
  });
  try {
    await child.waitFor((l) => l.ready === true, 120_000);
    const controlUrl = `http://127.0.0.1:${sandboxPort}`;
    const from = Date.now();
    const samples = await runMix({
      controlUrl,
      firstId: CUSTOMER_BASE,
      count: CUSTOMERS,
      durationMs,
      thinkMs: THINK_MS,
      onboard: true,
    });
    const to = Date.now();
    child.proc.kill("SIGTERM");
    const summaryLine = await child.waitFor((l) => l.summary !== undefined, 60_000);
    await child.exited;
    const s = summaryLine.summary as {
      waits: Record<string, number[]>;
      timeouts: Record<string, number>;
      holds: number[];
      held_during_network_call: number;
      rows: Record<string, number>;
      ticks: number[];
      watchdog: { checks: number; exits: number; worst_staleness_ms: Record<string, number> };
      log: { lines: number; blocked_ms_total: number; blocked_ms_max: number };
    };
    const sampled = child.lines
      .map(
        (l) =>
          l.sample as
            | {
                t: number;
                used: number;
                waiting: number;
                handling: number;
                lag_p99_ms: number;
                lag_max_ms: number;
              }
            | undefined,
      )
      .filter((x): x is NonNullable<typeof x> => x !== undefined && x.t >= from && x.t <= to);
    const wait = (xs: number[] = []) => {
      const w = summarize(xs);
      return { n: w.n, p50_ms: round(w.p50, 2), p99_ms: round(w.p99, 2), max_ms: round(w.max, 2) };
    };
    const ticks = s.ticks.filter((t) => t >= from && t < to);
    const duringTick = samples.filter((x) =>
      ticks.some((t) => x.at >= t && x.at < t + TICK_WINDOW_MS),
    );
    const holds = summarize(s.holds);
    const secs = (to - from) / 1000;
    const result = {
      duration_s: round(secs, 1),
      ticks: ticks.map((t) => new Date(t).toISOString()),
      update_to_reply: latency(steady(samples)),
      update_to_reply_during_tick: latency(steady(duringTick)),
      update_to_reply_by_action: byKind(samples),
      acquire_wait: {
        handler: wait(s.waits.handler),
        worker: wait(s.waits.worker),
        system: wait(s.waits.system),
      },
      // The handler slots: the most taken at once, and the share of samples with all taken.
      handler_slots: OLD_HANDLER_SLOTS,
      handlers_in_flight: {
        max: Math.max(0, ...sampled.map((x) => x.handling)),
        all_taken_pct: round(
          (100 * sampled.filter((x) => x.handling >= OLD_HANDLER_SLOTS).length) /
            Math.max(1, sampled.length),
        ),
      },
      acquire_timeouts: Object.values(s.timeouts).reduce((a, b) => a + b, 0),
      acquire_timeouts_by_kind: s.timeouts,
      hold: { p99_ms: round(holds.p99, 1), max_ms: round(holds.max, 1) },
      max_pool_in_use: Math.max(0, ...sampled.map((x) => x.used)),
      max_pool_waiters: Math.max(0, ...sampled.map((x) => x.waiting)),
      event_loop_delay: {
        p99_ms: round(
          percentile(
            sampled.map((x) => x.lag_p99_ms),
            99,
          ),
        ),
        max_ms: round(Math.max(0, ...sampled.map((x) => x.lag_max_ms))),
      },
      held_during_network_call: s.held_during_network_call,
      rows_per_worker: Object.fromEntries(
        Object.entries(s.rows).map(([w, n]) => [w, { rows: n, per_s: round(n / secs, 1) }]),
      ),
      watchdog_exits: s.watchdog.exits,
      watchdog_checks: s.watchdog.checks,
      heartbeat_worst_staleness_ms: s.watchdog.worst_staleness_ms,
      // Synchronous writes never drop a line: a slow reader blocks the loop instead.
      log_lines_dropped: 0,
      log_lines: s.log.lines,
      log_blocked_ms: { total: s.log.blocked_ms_total, max: s.log.blocked_ms_max },
    };
    const series: PhaseSeries = {
      title: "old pattern, workers on one tick",
      startMs: from,
      endMs: to,
      ticks,
      poolMax: 15,
      used: sampled.map((x) => [x.t, x.used]),
      waiting: sampled.map((x) => [x.t, x.waiting]),
      latencyMs: samples.map((x) => [x.at, x.ms]),
      loopP99Ms: sampled.map((x) => [x.t, x.lag_p99_ms]),
      loopMaxMs: sampled.map((x) => [x.t, x.lag_max_ms]),
    };
    return { result, series };
  } finally {
    await child.stop();
  }
}

async function stepLoad(controlUrl: string, text: string, onboard: boolean) {
  const onboarded = onboard ? new Set<number>() : undefined;
  const steps: Array<{
    customers: number;
    replies_per_s: number;
    p50_ms: number;
    p99_ms: number;
    unanswered: number;
  }> = [];
  for (const n of CFG.steps) {
    const { samples, windowMs } = await runClosedLoop({
      controlUrl,
      firstId: 8_000_001,
      count: n,
      durationMs: CFG.stepMs,
      text,
      ...(onboarded ? { onboarded } : {}),
    });
    const answered = samples.filter((s) => !s.timedOut);
    const l = summarize(answered.map((s) => s.ms));
    steps.push({
      customers: n,
      replies_per_s: round(answered.length / (windowMs / 1000), 1),
      p50_ms: round(l.p50),
      p99_ms: round(l.p99),
      unanswered: samples.length - answered.length,
    });
    log(`  ${n} customers: ${steps.at(-1)?.replies_per_s} replies/s, p99 ${l.p99.toFixed(0)} ms`);
    if (l.p99 > P99_LIMIT_MS) break;
  }
  const ok = steps.filter((s) => s.p99_ms <= P99_LIMIT_MS);
  return { sustained_replies_per_s: Math.max(0, ...ok.map((s) => s.replies_per_s)), steps };
}

async function throughputPhase() {
  log("throughput: service (workers idle), /profile closed loop");
  const svc = await startService("idle");
  let service: Awaited<ReturnType<typeof stepLoad>>;
  try {
    service = await stepLoad(svc.controlUrl, "/profile", true);
  } finally {
    await svc.child.stop();
  }
  log("throughput: bare grammY echo bot");
  const port = await freePort();
  const echo = spawnTs(ROOT, "bench/echo-bot.ts", { SANDBOX_PORT: String(port) });
  let floor: Awaited<ReturnType<typeof stepLoad>>;
  try {
    await echo.waitFor((l) => l.ready === true);
    floor = await stepLoad(`http://127.0.0.1:${port}`, "/profile", false);
  } finally {
    await echo.stop();
  }
  // The same closed-loop load on both: how the service compares when neither meets the limit.
  const atSameLoad = service.steps.flatMap((a) => {
    const b = floor.steps.find((x) => x.customers === a.customers);
    return b
      ? [
          {
            customers: a.customers,
            service: a.replies_per_s,
            echo: b.replies_per_s,
            share_pct: round((100 * a.replies_per_s) / Math.max(0.1, b.replies_per_s), 1),
          },
        ]
      : [];
  });
  return {
    service,
    echo_floor: floor,
    at_same_load: atSameLoad,
    share_of_floor_pct: round(
      (100 * service.sustained_replies_per_s) / Math.max(1, floor.sustained_replies_per_s),
      1,
    ),
  };
}

async function sweepPhase() {
  await seedExpired(dbUrl, 9_000_001, CFG.sweep);
  const due = await countDueExpiry(dbUrl);
  log(`sweep: ${due} due subscriptions, VPN stand-in ${SWEEP_VPN_MS} ms`);
  const svc = await startService("sweep");
  try {
    await setFaults(svc.controlUrl, [{ target: "vpn", mode: "latency", latency_ms: SWEEP_VPN_MS }]);
    const deadline = Date.now() + CFG.sweepTimeoutMs;
    let left = due;
    while (Date.now() < deadline && left > 0) {
      await new Promise((r) => setTimeout(r, 1_000));
      left = await countDueExpiry(dbUrl);
    }
    const its = svc.child.lines.filter(
      (l) => l.msg === "worker iteration" && l.worker === "fast_expiry",
    );
    const expired = its.reduce((n, l) => n + Number(l.expired ?? 0), 0);
    const noticesQueued = its.reduce((n, l) => n + Number(l.notices_queued ?? 0), 0);
    const noticeLines = svc.child.lines.filter(
      (l) => l.msg === "worker iteration" && l.worker === "notices",
    );
    const noticesSent = noticeLines.reduce((n, l) => n + Number(l.sent ?? 0), 0);
    // The seeded customers never opened a chat with the stand-in: most answers are "chat not
    // found", settled as failed for good, which costs the sender a Telegram call all the same.
    const noticesSettled = noticeLines.reduce(
      (n, l) =>
        n +
        Number(l.sent ?? 0) +
        Number(l.failed ?? 0) +
        Number(l.unreachable ?? 0) +
        Number(l.unknown ?? 0),
      0,
    );
    const firstStart = Math.min(...its.map((l) => timeOf(l) - Number(l.duration_ms)));
    const lastEnd = Math.max(...its.map((l) => timeOf(l)));
    const spanS = its.length > 0 ? (lastEnd - firstStart) / 1000 : 0;
    const busyS = its.reduce((n, l) => n + Number(l.duration_ms) / 1000, 0);
    const bound = WORKER_CONCURRENCY / (SWEEP_VPN_MS / 1000);
    const perS = spanS > 0 ? expired / spanS : 0;
    return {
      due,
      expired,
      left,
      iterations: its.length,
      span_s: round(spanS, 1),
      rows_per_s: round(perS, 1),
      rows_per_busy_s: round(busyS > 0 ? expired / busyS : 0, 1),
      bound_rows_per_s: bound,
      share_of_bound_pct: round((100 * perS) / bound, 1),
      notices_queued: noticesQueued,
      notices_sent_meanwhile: noticesSent,
      notices_settled_meanwhile: noticesSettled,
      config: `WORKER_CONCURRENCY=${WORKER_CONCURRENCY}, WORKER_BATCH_SIZE=200, WORKER_FAST_EXPIRY_INTERVAL_MS=1000, NOTICES on (defaults), VPN ${SWEEP_VPN_MS} ms`,
    };
  } finally {
    await svc.child.stop();
  }
}

// --- report ---

type Phase = ReturnType<typeof servicePhase> | Awaited<ReturnType<typeof oldPhase>>["result"];

function tableRows(phases: Record<string, Phase>) {
  const metric = (name: string, get: (p: Phase) => unknown) => ({
    metric: name,
    ...Object.fromEntries(Object.entries(phases).map(([k, p]) => [k, get(p)])),
  });
  const waitMax = (w: { max_ms_at_most?: number; max_ms?: number }) =>
    w.max_ms_at_most !== undefined ? `≤${w.max_ms_at_most}` : w.max_ms;
  return [
    metric(
      "actions (unanswered)",
      (p) => `${p.update_to_reply.actions} (${p.update_to_reply.unanswered})`,
    ),
    metric("update→reply p50 ms", (p) => p.update_to_reply.p50_ms),
    metric("update→reply p95 ms", (p) => p.update_to_reply.p95_ms),
    metric("update→reply p99 ms", (p) => p.update_to_reply.p99_ms),
    metric("update→reply max ms", (p) => p.update_to_reply.max_ms),
    metric("  during tick p99 ms", (p) => p.update_to_reply_during_tick?.p99_ms ?? "-"),
    metric("  pay (the confirmation) p50/p99 ms", (p) => {
      const pay = p.update_to_reply_by_action.pay;
      return pay ? `${pay.p50_ms} / ${pay.p99_ms}` : "-";
    }),
    metric("payment→key p50/p99/max ms (not a reply)", (p) => {
      const key = p.update_to_reply_by_action[KEY_AFTER_PAY];
      return key ? `${key.p50_ms} / ${key.p99_ms} / ${key.max_ms}` : "-";
    }),
    metric(
      "handler acquire p50/p99 ms",
      (p) => `${p.acquire_wait.handler.p50_ms} / ${p.acquire_wait.handler.p99_ms}`,
    ),
    metric("handler acquire max ms", (p) => waitMax(p.acquire_wait.handler)),
    metric(
      "worker acquire p50/p99 ms",
      (p) => `${p.acquire_wait.worker.p50_ms} / ${p.acquire_wait.worker.p99_ms}`,
    ),
    metric("worker acquire max ms", (p) => waitMax(p.acquire_wait.worker)),
    metric("acquire timeouts", (p) => p.acquire_timeouts),
    metric("hold p99 ms", (p) => p.hold.p99_ms),
    metric("hold max ms", (p) =>
      "max_ms_at_most" in p.hold ? `≤${p.hold.max_ms_at_most}` : p.hold.max_ms,
    ),
    metric("max pool in use", (p) => p.max_pool_in_use),
    metric("max pool waiters", (p) => p.max_pool_waiters),
    metric(
      "event-loop delay p99/max ms",
      (p) => `${p.event_loop_delay.p99_ms} / ${p.event_loop_delay.max_ms}`,
    ),
    metric("held during network call", (p) => p.held_during_network_call),
    metric("worker rows/s (sum)", (p) =>
      round(
        Object.values(p.rows_per_worker).reduce((n, w) => n + w.per_s, 0),
        1,
      ),
    ),
    metric("watchdog exits", (p) => p.watchdog_exits),
    metric("log lines dropped", (p) => p.log_lines_dropped),
    metric("handler slots: max taken, % of time all taken", (p) =>
      "handlers_in_flight" in p
        ? `${p.handlers_in_flight.max} / ${p.handlers_in_flight.all_taken_pct} %`
        : "-",
    ),
    metric("worker heartbeat stale max s", (p) =>
      "heartbeat_worst_staleness_ms" in p
        ? round((p.heartbeat_worst_staleness_ms.worker ?? 0) / 1000, 1)
        : "-",
    ),
  ];
}

function markdownTable(rows: Array<Record<string, unknown>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const line = (cells: unknown[]) => `| ${cells.map((c) => String(c)).join(" | ")} |`;
  return [
    line(cols),
    line(cols.map(() => "---")),
    ...rows.map((r) => line(cols.map((c) => r[c]))),
  ].join("\n");
}

/** The drill's database: 50 000 customers, `CFG.due` of them due for each worker. */
async function seedDrill(): Promise<void> {
  await seedService(dbUrl, {
    expiring: CFG.due,
    renewing: CFG.due,
    reminding: CFG.due,
    activating: CFG.due,
    trialsEnding: CFG.due,
    openInvoices: CFG.due,
  });
  log(`seeded 50 000 customers, ${CFG.due} due for each worker`);
}

/**
 * `--only=idle|sweep|throughput|old|dashboard`: that phase alone, printed as JSON (no report
 * files). `idle` seeds the drill's database first and runs the idle drill for its full length.
 */
async function only(phase: string) {
  if (phase === "dashboard") {
    console.log(JSON.stringify(await dashboardPhase(adminUrl, `${dbName}_console`), null, 2));
    return;
  }
  await admin(`CREATE DATABASE ${dbName}`);
  try {
    await migrateDb();
    if (phase === "idle") {
      await seedDrill();
    }
    const result =
      phase === "idle"
        ? (await drillPhase("idle", CFG.idleMs)).result
        : phase === "sweep"
          ? await sweepPhase()
          : phase === "old"
            ? (await oldPhase(CFG.drillMs)).result
            : await throughputPhase();
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

async function main() {
  const started = new Date();
  const command = `npm run bench${QUICK ? " -- --quick" : ""}`;
  log(`${command}: database ${dbName}`);
  await admin(`CREATE DATABASE ${dbName}`);
  try {
    await migrateDb();
    await seedDrill();

    log(
      `phase tick: ${CUSTOMERS} customers for ${CFG.drillMs / 1000} s, heavy workers every ${CFG.tickMs / 1000} s on one grid`,
    );
    const tick = await drillPhase("aligned", CFG.drillMs);
    log(`phase idle: workers disabled, ${CFG.idleMs / 1000} s`);
    const idle = await drillPhase("idle", CFG.idleMs);
    log(`phase old: the old pattern, ${CFG.drillMs / 1000} s`);
    const old = await oldPhase(CFG.drillMs);
    const throughput = await throughputPhase();
    const sweep = await sweepPhase();
    // The 100 000-customer seed costs ~15 s: --quick leaves it to `--only=dashboard`.
    const dashboard = QUICK ? undefined : await dashboardPhase(adminUrl, `${dbName}_console`);

    const tickP99 = tick.result.update_to_reply_during_tick?.p99_ms ?? 0;
    const targets = [
      {
        target: "tick p99 ≤ 1.5 × idle p99",
        value: `${tickP99} vs ${round(idle.result.update_to_reply.p99_ms * 1.5)}`,
        met: tickP99 <= idle.result.update_to_reply.p99_ms * 1.5,
      },
      {
        target: "handler acquire p99 ≤ 20 ms",
        value: tick.result.acquire_wait.handler.p99_ms,
        met: tick.result.acquire_wait.handler.p99_ms <= 20,
      },
      {
        target: `update→reply p99 ≤ 250 ms at ${CUSTOMERS} customers`,
        value: tick.result.update_to_reply.p99_ms,
        met: tick.result.update_to_reply.p99_ms <= 250,
      },
      {
        target: "zero held during network call",
        value: tick.result.held_during_network_call,
        met: tick.result.held_during_network_call === 0,
      },
      {
        target: "zero watchdog exits",
        value: tick.result.watchdog_exits,
        met: tick.result.watchdog_exits === 0,
      },
      {
        target: "hold max ≤ 1 s",
        value: `≤${tick.result.hold.max_ms_at_most}`,
        met: tick.result.hold.max_ms_at_most <= 1000,
      },
      {
        target: "≥ 60 % of the echo floor",
        value: `${throughput.share_of_floor_pct} %`,
        met: throughput.share_of_floor_pct >= 60,
      },
      {
        target: "sweep ≥ 60 % of the bound",
        value: `${sweep.share_of_bound_pct} %`,
        met: sweep.share_of_bound_pct >= 60,
      },
      {
        target: "old pattern shows the freeze",
        value: `handler wait max ${old.result.acquire_wait.handler.max_ms} ms, ${old.result.acquire_timeouts} timeouts`,
        met: old.result.acquire_wait.handler.max_ms >= 1000 && old.result.acquire_timeouts > 0,
      },
    ];

    const report = {
      at: started.toISOString(),
      command,
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memory_gb: round(os.totalmem() / 2 ** 30, 1),
        load_at_start: os.loadavg().map((x) => round(x, 2)),
        node: process.version,
      },
      config: {
        ...CFG,
        customers: CUSTOMERS,
        think_ms: THINK_MS,
        pool_max: POOL_MAX,
        vpn: SLOW_VPN_DESCRIPTION,
        tick_window_ms: TICK_WINDOW_MS,
      },
      phases: { tick: tick.result, idle: idle.result, old: old.result },
      throughput,
      sweep,
      dashboard,
      targets,
    };
    const dir = path.join(ROOT, "bench", "reports");
    await mkdir(dir, { recursive: true });
    const stamp = report.at.replace(/[:.]/g, "-");
    const svg = renderChart(`${command} — ${report.at}`, [tick.series, idle.series, old.series]);
    const rows = tableRows(report.phases);
    const tpRows = [
      ...throughput.service.steps.map((s) => ({ bot: "service", ...s })),
      ...throughput.echo_floor.steps.map((s) => ({ bot: "echo floor", ...s })),
    ];
    const md = [
      `# Bench report`,
      "",
      `- command: \`${command}\``,
      `- date: ${report.at}`,
      `- machine: ${report.machine.cpus} × ${report.machine.cpu}, ${report.machine.memory_gb} GB, Node ${report.machine.node}, load at start ${report.machine.load_at_start.join(" / ")}`,
      `- drill: ${CUSTOMERS} customers, think ${THINK_MS[0] / 1000}–${THINK_MS[1] / 1000} s, heavy workers every ${CFG.tickMs / 1000} s on one grid; ${SLOW_VPN_DESCRIPTION}`,
      "",
      "## Freeze drill",
      "",
      markdownTable(rows),
      "",
      "## Throughput (closed loop, /profile, p99 limit 250 ms)",
      "",
      `service sustains ${throughput.service.sustained_replies_per_s} replies/s, echo floor ${throughput.echo_floor.sustained_replies_per_s} replies/s: **${throughput.share_of_floor_pct} %**; at the same load: ${throughput.at_same_load.map((x) => `${x.customers} customers ${x.share_pct} %`).join(", ")}`,
      "",
      markdownTable(tpRows),
      "",
      "## Fast-expiry sweep",
      "",
      `${sweep.expired} of ${sweep.due} expired in ${sweep.span_s} s: **${sweep.rows_per_s} rows/s**, bound ${sweep.bound_rows_per_s} rows/s (${sweep.share_of_bound_pct} %); ${sweep.config}`,
      "",
      "## Console dashboard (100 000 customers)",
      "",
      dashboard
        ? `first load ${dashboard.cold_ms} ms; ${dashboard.warm_runs} more: p50 ${dashboard.warm_p50_ms} ms, max ${dashboard.warm_max_ms} ms`
        : "not run with --quick (`npm run bench -- --only=dashboard`)",
      "",
      "## Targets",
      "",
      markdownTable(targets.map((t) => ({ ...t, met: t.met ? "met" : "MISSED" }))),
      "",
    ].join("\n");
    await writeFile(path.join(dir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(dir, `chart-${stamp}.svg`), svg);
    await writeFile(path.join(dir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(dir, "latest.svg"), svg);
    await writeFile(path.join(dir, "latest.md"), md);

    console.log("\nFreeze drill");
    console.table(rows);
    console.log("Throughput");
    console.table(tpRows);
    console.log(
      `service ${throughput.service.sustained_replies_per_s} replies/s vs echo floor ${throughput.echo_floor.sustained_replies_per_s}: ${throughput.share_of_floor_pct} %`,
    );
    console.log(
      `Fast-expiry sweep: ${sweep.rows_per_s} rows/s vs bound ${sweep.bound_rows_per_s} (${sweep.share_of_bound_pct} %)`,
    );
    if (dashboard) {
      console.log(
        `Console dashboard on ${dashboard.customers} customers: first ${dashboard.cold_ms} ms, then p50 ${dashboard.warm_p50_ms} ms, max ${dashboard.warm_max_ms} ms`,
      );
    }
    console.table(targets.map((t) => ({ ...t, met: t.met ? "met" : "MISSED" })));
    console.log(
      `report: bench/reports/bench-${stamp}.json, bench/reports/latest.md, chart bench/reports/latest.svg (${Math.round((Date.now() - started.getTime()) / 1000)} s)`,
    );
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) =>
      log(`drop failed: ${err}`),
    );
  }
}

const onlyArg = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
if (
  onlyArg !== undefined &&
  !["idle", "sweep", "throughput", "old", "dashboard"].includes(onlyArg)
) {
  throw new Error("--only takes idle, sweep, throughput, old or dashboard");
}
const stopServer = await prepareServer();
try {
  await (onlyArg ? only(onlyArg) : main());
} finally {
  await stopServer();
}
