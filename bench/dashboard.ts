/**
 * The console dashboard on the 100 000-customer seed: how long `/admin`'s numbers take to read
 * (every statement the dashboard sends, in order, as the bot sends them), cold and warm.
 */
import pg from "pg";
import { migrate } from "../src/db/migrate.js";
import { Db } from "../src/db/pool.js";
import { DbScope } from "../src/db/scope.js";
import { loadDashboard } from "../src/features/admin/dashboard/data.js";
import { silentLogger } from "../src/logger.js";
import { createMetrics } from "../src/ops/metrics.js";
import {
  CONSOLE_SEED_CUSTOMERS,
  CONSOLE_SEED_STATEMENTS,
  CONSOLE_SEED_TABLES,
} from "./lib/console-seed.js";
import { percentile } from "./lib/stats.js";

export interface DashboardResult {
  customers: number;
  /** The first load after the seed (pages partly cached by the load itself). */
  cold_ms: number;
  warm_runs: number;
  warm_p50_ms: number;
  warm_max_ms: number;
}

async function admin(url: string, sql: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function dashboardPhase(adminUrl: string, name: string): Promise<DashboardResult> {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const db = new Db({
    connectionString: url.toString(),
    poolMax: 3,
    workerMax: 1,
    acquireTimeoutMs: 10_000,
    statementTimeoutMs: 300_000,
    idleInTransactionTimeoutMs: 300_000,
    idleTimeoutMs: 30_000,
    longHoldWarnMs: 600_000,
    reportIntervalMs: 600_000,
    applicationName: "vpnbot-bench-dashboard",
    nestedCheckout: "throw",
    logger: silentLogger(),
    metrics: createMetrics(),
    scope: new DbScope(),
  });
  try {
    await migrate(db, silentLogger());
    await db.tx("seed", async (c) => {
      await c.query("SET LOCAL session_replication_role = replica");
      for (const statement of CONSOLE_SEED_STATEMENTS) await c.query(statement);
    });
    for (const table of CONSOLE_SEED_TABLES) await db.query("vacuum", `VACUUM ANALYZE ${table}`);
    const time = async () => {
      const started = performance.now();
      await loadDashboard(db, "Europe/Moscow");
      return performance.now() - started;
    };
    const cold = await time();
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) warm.push(await time());
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      customers: CONSOLE_SEED_CUSTOMERS,
      cold_ms: round(cold),
      warm_runs: warm.length,
      warm_p50_ms: round(percentile(warm, 50)),
      warm_max_ms: round(Math.max(...warm)),
    };
  } finally {
    await db.close();
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
