import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import pg from "pg";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { migrate } from "../../src/db/migrate.js";
import { Db } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";

/** Every database the tests create starts with this, followed by the creating run's pid. */
export const TEST_DB_PREFIX = "vpnbot_test_";

export interface TestPostgres {
  adminUrl: string;
  template: string;
  prefix: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: "vpnbot-tests" });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Drops test databases left by runs that are no longer alive (killed, timed out). */
async function dropStaleDatabases(adminUrl: string): Promise<void> {
  await admin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${TEST_DB_PREFIX}%`],
    );
    for (const { datname } of rows) {
      const pid = Number(/^vpnbot_test_(\d+)_/.exec(datname)?.[1]);
      if (Number.isFinite(pid) && isAlive(pid)) continue;
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  });
}

/**
 * The test server: TEST_DATABASE_URL when set (never DATABASE_URL, and never the same as it),
 * otherwise an embedded PostgreSQL in a temporary directory.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL?.trim() || undefined;
  if (external && external === process.env.DATABASE_URL?.trim()) {
    throw new Error("TEST_DATABASE_URL equals DATABASE_URL: tests refuse to run on that database");
  }
  let adminUrl: string;
  let stopServer = async () => {};
  if (external) {
    adminUrl = external;
  } else {
    // /var/tmp: world-traversable, so the postgres OS user can reach it when tests run as root.
    const dir = await mkdtemp("/var/tmp/vpnbot-test-pg-");
    await chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: `${dir}/data`,
      port: await freePort(),
      logger: silentLogger(),
    });
    adminUrl = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  await dropStaleDatabases(adminUrl);
  const prefix = `${TEST_DB_PREFIX}${process.pid}_`;
  const template = `${prefix}template`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(template)}`));
  const db = new Db({
    connectionString: withDatabase(adminUrl, template),
    poolMax: 2,
    workerMax: 1,
    acquireTimeoutMs: 10_000,
    statementTimeoutMs: 60_000,
    idleInTransactionTimeoutMs: 60_000,
    idleTimeoutMs: 1_000,
    longHoldWarnMs: 60_000,
    reportIntervalMs: 60_000,
    applicationName: "vpnbot-tests",
    nestedCheckout: "throw",
    logger: silentLogger(),
    metrics: createMetrics(),
    scope: new DbScope(),
  });
  try {
    await migrate(db, silentLogger());
  } finally {
    await db.close();
  }
  return {
    adminUrl,
    template,
    prefix,
    async stop() {
      await admin(adminUrl, async (c) => {
        const { rows } = await c.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE datname LIKE $1",
          [`${prefix}%`],
        );
        for (const { datname } of rows) {
          await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
        }
      }).catch(() => undefined);
      await stopServer();
    },
  };
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function cloneTemplate(
  adminUrl: string,
  template: string,
  prefix: string,
): Promise<{ name: string; url: string }> {
  const name = `${prefix}${randomBytes(5).toString("hex")}`;
  await admin(adminUrl, async (c) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(
          `CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`,
        );
        return;
      } catch (err) {
        // Another file's clone may be reading the template at this instant.
        if (attempt >= 20 || (err as { code?: string }).code !== "55006") throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
  return { name, url: withDatabase(adminUrl, name) };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
  );
}
