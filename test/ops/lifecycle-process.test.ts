import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/db/processes.js";
import { testDatabaseUrl } from "../support/db.js";
import { freePort } from "../support/postgres.js";
import { childEnv, spawnService } from "../support/service-process.js";

describe("process lifecycle", () => {
  it("drains on SIGTERM, exits 0 and leaves no backend with its application_name", async () => {
    const applicationName = `vpnbot-sigterm-${process.pid}`;
    const proc = spawnService({
      env: childEnv({ DATABASE_URL: testDatabaseUrl(), DB_APPLICATION_NAME: applicationName }),
    });
    const started = await proc.waitForLine((l) => l.msg === "service started");
    const port = Number(started.port);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);

    proc.kill("SIGTERM");
    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(proc.lines.map((l) => l.msg)).toContain("shutdown complete");
    expect(proc.strayStdout).toEqual([]);

    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [applicationName],
    );
    await client.end();
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("under npm start prints nothing but the service's JSON lines on stdout", async () => {
    const proc = spawnService({
      env: childEnv({ DATABASE_URL: testDatabaseUrl() }),
      viaNpm: true,
    });
    try {
      const started = await proc.waitForLine((l) => l.msg === "service started", 30_000);
      expect((await fetch(`http://127.0.0.1:${Number(started.port)}/health`)).status).toBe(200);
    } finally {
      proc.kill("SIGTERM");
    }
    await proc.exited;
    // npm's "> vpn-bot-service@… start" header would be here (the project's .npmrc stops it).
    expect(proc.strayStdout).toEqual([]);
    expect(proc.lines.length).toBeGreaterThan(0);
  });

  it("a SIGTERM during start lets the start finish, then drains and exits 0", async () => {
    const proc = spawnService({ env: childEnv({ DATABASE_URL: testDatabaseUrl() }) });
    await proc.waitForLine((l) => l.msg === "database schema is up to date");
    proc.kill("SIGTERM");
    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const messages = proc.lines.map((l) => l.msg);
    expect(messages).toContain("service started");
    expect(messages.indexOf("shutting down")).toBeGreaterThan(messages.indexOf("service started"));
    expect(messages).toContain("shutdown complete");
  });

  describe("with the embedded database", () => {
    let dir: string;
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("starts its own PostgreSQL, stops it last on SIGTERM, and recovers from a killed run", async () => {
      dir = await mkdtemp("/var/tmp/vpnbot-lifecycle-");
      await chmod(dir, 0o755);
      const env = childEnv({
        EMBEDDED_PG_DIR: `${dir}/pg`,
        EMBEDDED_PG_PORT: String(await freePort()),
      });

      // A run killed outright leaves postmaster.pid and an orphaned postmaster behind.
      const killed = spawnService({ env });
      await killed.waitForLine((l) => l.msg === "service started", 60_000);
      killed.kill("SIGKILL");
      await killed.exited;
      const orphanPid = Number((await readFile(`${dir}/pg/postmaster.pid`, "utf8")).split("\n")[0]);
      expect(isAlive(orphanPid)).toBe(true);

      const proc = spawnService({ env });
      const started = await proc.waitForLine((l) => l.msg === "service started", 60_000);
      expect(started.embedded_db).toBe(true);
      expect(isAlive(orphanPid)).toBe(false);
      const pid = Number((await readFile(`${dir}/pg/postmaster.pid`, "utf8")).split("\n")[0]);
      expect(isAlive(pid)).toBe(true);

      proc.kill("SIGTERM");
      const exit = await proc.exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      const order = proc.lines.filter((l) => l.msg === "stopped").map((l) => l.step);
      // Sandbox mode (no BOT_TOKEN): the stand-ins go last, right after the database.
      expect(order.slice(-2)).toEqual(["embedded database", "sandbox"]);
      expect(order.indexOf("database pool")).toBeLessThan(order.indexOf("embedded database"));
      expect(isAlive(pid)).toBe(false);
      await expect(readFile(`${dir}/pg/postmaster.pid`)).rejects.toThrow();
    });
  });

  it("exits 1 with one line per bad variable", async () => {
    const proc = spawnService({
      env: childEnv({ DB_POOL_MAX: "lots", BOT_MODE: "carrier-pigeon", NODE_ENV: "production" }),
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const lines = proc.stderr().trim().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config error: DB_POOL_MAX: must be a number/),
        expect.stringMatching(/^config error: BOT_MODE: must be one of polling, webhook/),
        expect.stringMatching(/^config error: DATABASE_URL: is required in production/),
        expect.stringMatching(/^config error: BOT_TOKEN: is required in production/),
      ]),
    );
    expect(proc.lines).toEqual([]);
    expect(proc.strayStdout).toEqual([]);
  });
});
