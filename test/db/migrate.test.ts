import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from "../../src/db/migrate.js";
import { silentLogger } from "../../src/logger.js";
import { testDb } from "../support/db.js";

const db = await testDb({ poolMax: 4 });
const scratch = await mkdtemp(path.join(tmpdir(), "vpnbot-migrations-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function dirWith(name: string, extra: Record<string, string>): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  for (const [file, sql] of Object.entries(extra)) await writeFile(path.join(dir, file), sql);
  return dir;
}

describe("migrations", () => {
  it("are all applied to the test template, in order, with checksums", async () => {
    const files = await readMigrations();
    expect(files.length).toBe(
      (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).length,
    );
    const { rows } = await db.query<{ version: number; checksum: string }>(
      "migrations",
      "SELECT version, checksum FROM schema_migrations ORDER BY version",
    );
    expect(rows).toEqual(files.map((f) => ({ version: f.version, checksum: f.checksum })));
    expect(await migrate(db, silentLogger())).toEqual({ applied: [] });
  });

  it("applies a new file exactly once when two replicas start together", async () => {
    const dir = await dirWith("concurrent", {
      "900_probe.sql": "CREATE TABLE migration_probe (id int PRIMARY KEY);",
    });
    const results = await Promise.all([
      migrate(db, silentLogger(), dir),
      migrate(db, silentLogger(), dir),
    ]);
    expect(results.flatMap((r) => r.applied)).toEqual(["900_probe.sql"]);
  });

  it("refuses to start when an applied file was changed", async () => {
    const dir = await dirWith("changed", {
      "900_probe.sql": "CREATE TABLE migration_probe (id bigint PRIMARY KEY);",
    });
    await expect(migrate(db, silentLogger(), dir)).rejects.toThrow(
      expect.objectContaining({
        name: "MigrationError",
        message:
          "migration 900_probe.sql was changed after it was applied (checksum differs); add a new migration instead of editing an applied one",
      }),
    );
  });

  it("refuses a database that has a migration this build does not know", async () => {
    await expect(migrate(db, silentLogger())).rejects.toThrow(
      /900_probe.sql is applied in the database but missing/,
    );
  });

  it("rolls back every file of a failed run", async () => {
    const dir = await dirWith("failing", {
      "900_probe.sql": "CREATE TABLE migration_probe (id int PRIMARY KEY);",
      "901_good.sql": "CREATE TABLE would_be_created (id int);",
      "902_bad.sql": "CREATE TABLE broken (id int REFERENCES nowhere(id));",
    });
    await expect(migrate(db, silentLogger(), dir)).rejects.toThrow(/nowhere/);
    const { rows } = await db.query("check", "SELECT to_regclass('would_be_created') AS t");
    expect(rows[0]).toEqual({ t: null });
  });

  it("lets a migration run longer than the pool's statement timeouts", async () => {
    // Pooled statements give up after 100 ms on the server and 2.1 s in the client.
    const strict = await testDb({ poolMax: 2, statementTimeoutMs: 100 });
    const dir = await dirWith("slow", {
      "900_probe.sql": "CREATE TABLE migration_probe (id int PRIMARY KEY);",
      "903_slow.sql": "SELECT pg_sleep(2.5);",
    });
    expect(await migrate(strict, silentLogger(), dir)).toEqual({ applied: ["903_slow.sql"] });
  });

  it("rejects badly named files", async () => {
    const dir = await dirWith("badname", { "v2-extra.sql": "SELECT 1;" });
    await expect(readMigrations(dir)).rejects.toThrow(/must look like 001_name.sql/);
  });
});
