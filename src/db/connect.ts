import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Metrics } from "../ops/metrics.js";
import {
  type EmbeddedPostgres,
  resolveEmbeddedDataDir,
  startEmbeddedPostgres,
} from "./embedded.js";
import { Db } from "./pool.js";
import type { DbScope } from "./scope.js";

export interface DatabaseHandle {
  db: Db;
  /** Present when the service started its own PostgreSQL (no DATABASE_URL, not production). */
  embedded: EmbeddedPostgres | undefined;
}

/**
 * Opens the pool on `DATABASE_URL`, or first starts the embedded PostgreSQL when it is unset
 * (config validation already refuses that in production).
 */
export async function openDatabase(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  scope: DbScope;
}): Promise<DatabaseHandle> {
  const { config, logger } = deps;
  let url = config.db.url;
  let embedded: EmbeddedPostgres | undefined;
  if (!url) {
    const { dir, reason } = await resolveEmbeddedDataDir(config.db.embeddedDir);
    logger.info({ data_dir: dir, reason }, "DATABASE_URL is not set: starting embedded PostgreSQL");
    embedded = await startEmbeddedPostgres({ dataDir: dir, port: config.db.embeddedPort, logger });
    url = embedded.url;
  }
  const db = new Db({
    connectionString: url,
    poolMax: config.db.poolMax,
    workerMax: config.db.workerMax,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    statementTimeoutMs: config.db.statementTimeoutMs,
    idleInTransactionTimeoutMs: config.db.idleInTransactionTimeoutMs,
    idleTimeoutMs: config.db.idleTimeoutMs,
    longHoldWarnMs: config.db.longHoldWarnMs,
    reportIntervalMs: config.db.reportIntervalMs,
    applicationName: config.db.applicationName,
    nestedCheckout: config.env === "production" ? "log" : "throw",
    logger,
    metrics: deps.metrics,
    scope: deps.scope,
  });
  return { db, embedded };
}
