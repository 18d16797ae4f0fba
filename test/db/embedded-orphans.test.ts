import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { isAlive, processesInDir, signalAll } from "../../src/db/processes.js";
import { silentLogger } from "../../src/logger.js";
import { freePort } from "../support/postgres.js";
import { ROOT } from "../support/service-process.js";

const dir = await mkdtemp("/var/tmp/vpnbot-orphans-");
await chmod(dir, 0o755);
const dataDir = `${dir}/data`;
afterAll(async () => {
  signalAll(
    (await processesInDir(dataDir)).map((p) => p.pid),
    "SIGKILL",
  );
  await rm(dir, { recursive: true, force: true });
});

/** Runs the holder fixture and resolves with the busy backend's pid once its statement runs. */
function startHolder(port: number) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/embedded-holder.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const busy = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      const m = /busy (\d+)/.exec(c.toString("utf8"));
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`holder exited (${code}): ${stderr}`)));
  });
  return { child, busy };
}

describe("embedded PostgreSQL after a killed run", () => {
  it("stops backends that outlived a killed postmaster, then starts on the same data directory", async () => {
    const port = await freePort();
    const holder = startHolder(port);
    const backend = await holder.busy;
    const postmaster = Number.parseInt(
      (await readFile(`${dataDir}/postmaster.pid`, "utf8")).split("\n")[0] ?? "",
      10,
    );
    // The service and its postmaster die at once (kill -9, the watchdog); the busy backend lives on.
    holder.child.kill("SIGKILL");
    process.kill(postmaster, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(postmaster)).toBe(false);
    expect(isAlive(backend)).toBe(true);

    const server = await startEmbeddedPostgres({ dataDir, port, logger: silentLogger() });
    try {
      expect(isAlive(backend)).toBe(false);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
    }
    expect(await processesInDir(dataDir)).toEqual([]);
  });
});
