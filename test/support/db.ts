import { afterAll } from "vitest";
import { Db, type DbOptions } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";

let fileDatabaseUrl: string | undefined;

/** Called by the per-file setup with this file's cloned database. */
export function setFileDatabaseUrl(url: string): void {
  fileDatabaseUrl = url;
}

/** This test file's own migrated database (never DATABASE_URL). */
export function testDatabaseUrl(): string {
  if (!fileDatabaseUrl)
    throw new Error("no test database: is test/setup/file-database.ts a setupFile?");
  return fileDatabaseUrl;
}

export function testDbOptions(overrides: Partial<DbOptions> = {}): DbOptions {
  const metrics = overrides.metrics ?? createMetrics();
  const scope = overrides.scope ?? new DbScope();
  return {
    connectionString: testDatabaseUrl(),
    poolMax: 5,
    workerMax: 2,
    acquireTimeoutMs: 5_000,
    statementTimeoutMs: 10_000,
    idleInTransactionTimeoutMs: 10_000,
    idleTimeoutMs: 5_000,
    longHoldWarnMs: 5_000,
    reportIntervalMs: 60_000,
    applicationName: "vpnbot-tests",
    nestedCheckout: "throw",
    logger: silentLogger(),
    ...overrides,
    metrics,
    scope,
  };
}

/**
 * A `Db` on this file's database, closed automatically after the file. Pass overrides for pool
 * sizes, metrics or a scope with a reporter.
 */
export async function testDb(overrides: Partial<DbOptions> = {}): Promise<Db> {
  const db = new Db(testDbOptions(overrides));
  afterAll(() => db.close());
  return db;
}
