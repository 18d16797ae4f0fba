import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { LockClass } from "./locks.js";
import type { Db, DbClient } from "./pool.js";

/** `migrations/` at the project root, from both `src/db/` (tsx) and `dist/db/` (built). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "migrations",
);

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

class MigrationError extends Error {
  override name = "MigrationError";
}

const FILE_PATTERN = /^(\d+)_([\w-]+)\.sql$/;

export async function readMigrations(
  dir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  const files: MigrationFile[] = [];
  for (const file of names) {
    const match = FILE_PATTERN.exec(file);
    if (!match)
      throw new MigrationError(`migration file name "${file}" must look like 001_name.sql`);
    const sql = await readFile(path.join(dir, file), "utf8");
    files.push({
      version: Number(match[1]),
      name: file,
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.version === files[i - 1]?.version) {
      throw new MigrationError(`two migrations share version ${files[i]?.version}`);
    }
  }
  return files;
}

async function appliedMigrations(client: DbClient) {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  return rows;
}

/**
 * Applies pending migrations in order, all in one transaction under an advisory lock, so two
 * replicas starting together apply each file once. An applied file whose checksum changed is an
 * error: applied migrations are history, and a new change is a new file.
 */
export async function migrate(
  db: Db,
  logger: Logger,
  dir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<{ applied: string[] }> {
  const files = await readMigrations(dir);
  // Outside the pool, without statement timeouts: a migration may rewrite a large table, and a
  // second replica waits here for the first one's lock for as long as that takes.
  const client = await db.dedicatedClient(
    "migrate",
    (err) => logger.warn({ err: err.message }, "migration connection failed"),
    { unbounded: true },
  );
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL statement_timeout = 0");
    const result = await applyPending(client, files, dir, logger);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.close();
  }
}

async function applyPending(
  client: DbClient,
  files: MigrationFile[],
  dir: string,
  logger: Logger,
): Promise<{ applied: string[] }> {
  await client.query("SELECT pg_advisory_xact_lock($1, 0)", [LockClass.migrations]);
  const applied = await appliedMigrations(client);
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        `migration ${row.name} is applied in the database but missing from ${dir}`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${file.name} was changed after it was applied (checksum differs); ` +
          "add a new migration instead of editing an applied one",
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  const newlyApplied: string[] = [];
  for (const file of files) {
    if (done.has(file.version)) continue;
    const started = Date.now();
    await client.query(file.sql);
    await client.query(
      "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
      [file.version, file.name, file.checksum],
    );
    logger.info({ migration: file.name, duration_ms: Date.now() - started }, "migration applied");
    newlyApplied.push(file.name);
  }
  return { applied: newlyApplied };
}
