import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { processTree, signalAll } from "../../src/db/processes.js";
import { silentLogger } from "../../src/logger.js";
import { freePort } from "../support/postgres.js";
import { childEnv, type ServiceProcess, spawnService } from "../support/service-process.js";

/**
 * A database that stops answering is an outage, not a hang of ours (R6): the service stays up
 * and says so in /ready. The server here is this file's own PostgreSQL, frozen with SIGSTOP —
 * never the shared one other tests use.
 */
const BUDGET_MS = 1_000;

const dir = await mkdtemp("/var/tmp/vpnbot-freeze-pg-");
await chmod(dir, 0o755);
const server: EmbeddedPostgres = await startEmbeddedPostgres({
  dataDir: `${dir}/data`,
  port: await freePort(),
  logger: silentLogger(),
});
const postmaster = Number.parseInt(
  (await readFile(`${dir}/data/postmaster.pid`, "utf8")).split("\n")[0] ?? "",
  10,
);
/** The postmaster and every backend (each backend leads its own process group). */
const freeze = async (signal: "SIGSTOP" | "SIGCONT") =>
  signalAll(await processTree(postmaster), signal);

const running: ServiceProcess[] = [];
afterEach(async () => {
  await freeze("SIGCONT");
  for (const p of running.splice(0)) p.kill("SIGKILL");
});
afterAll(async () => {
  await freeze("SIGCONT");
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function readyReport(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5_000) });
  return {
    status: res.status,
    body: (await res.json()) as {
      reasons: string[];
      dependencies: Record<string, { ok: boolean; detail?: string }>;
    },
  };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

describe("a frozen database, with the service as a child process", () => {
  it("is an outage: customers keep writing, /ready names the database, the process stays up", async () => {
    const port = await freePort();
    const sandboxPort = await freePort();
    const proc = spawnService({
      env: childEnv({
        DATABASE_URL: server.url,
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        DB_POOL_MAX: "3",
        DB_POOL_WORKER_MAX: "1",
        // Long waits and statements: the pool stays starved for the whole freeze.
        DB_ACQUIRE_TIMEOUT_MS: "30000",
        DB_STATEMENT_TIMEOUT_MS: "30000",
        WATCHDOG_CHECK_INTERVAL_MS: "100",
        WATCHDOG_POOL_STUCK_MS: String(BUDGET_MS),
        WATCHDOG_DB_PROBE_TIMEOUT_MS: "500",
        WATCHDOG_EXIT_DELAY_MS: "100",
      }),
    });
    running.push(proc);
    await proc.waitForLine((l) => l.msg === "service started", 30_000);
    const sandbox = `http://127.0.0.1:${sandboxPort}`;
    expect((await readyReport(port)).status).toBe(200);

    await freeze("SIGSTOP");
    // Many customers at once: more checkouts than the pool has connections.
    for (let i = 0; i < 12; i++) {
      await post(`${sandbox}/sandbox/users/${400001 + i}/message`, { text: "/start" });
    }
    const ready = await until(
      () => readyReport(port),
      (r) => r.status === 503,
      10_000,
    );
    expect(ready.body.reasons.join("; ")).toMatch(/^database: not answering a new connection/m);
    expect(ready.body.dependencies.database).toMatchObject({ ok: false });
    await proc.waitForLine((l) => l.event === "database_outage", 10_000);
    // Checkouts hang on the frozen server well past the pool's budget, and nothing restarts.
    // (The customers' updates wait with Telegram: the inbox cannot store them, so they add one
    // hanging checkout per fetched batch, not one per update.)
    await new Promise((r) => setTimeout(r, BUDGET_MS * 5));
    const starved = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(
      Number(/^db_client_connections_usage\{state="used"\} (\d+)/m.exec(starved)?.[1]),
    ).toBeGreaterThan(0);
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBeNull();
    expect(proc.lines.some((l) => l.event === "watchdog_exit")).toBe(false);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);

    await freeze("SIGCONT");
    await until(
      () => readyReport(port),
      (r) => r.status === 200,
      40_000,
    );
    await proc.waitForLine((l) => l.event === "database_recovered", 5_000);
    proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});
