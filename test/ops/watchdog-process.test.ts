import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../support/db.js";
import { freePort } from "../support/postgres.js";
import {
  childEnv,
  type ServiceProcess,
  spawnService,
  waitForHttp,
} from "../support/service-process.js";

const FAULT_AFTER_MS = 300;
const BUDGET_MS = 1_000;
/** Start-up, the check interval and the exit delay on a loaded 2-core machine. */
const SLACK_MS = 4_000;

const running: ServiceProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill("SIGKILL");
});

async function startFaulty(
  fault: string,
  stdout: "read" | "unread",
  extra: Record<string, string> = {},
) {
  const port = await freePort();
  const proc = spawnService({
    entry: "test/fixtures/faulty-service.ts",
    stdout,
    env: childEnv({
      DATABASE_URL: testDatabaseUrl(),
      PORT: String(port),
      FIXTURE_FAULT: fault,
      FIXTURE_FAULT_AFTER_MS: String(FAULT_AFTER_MS),
      // Enough lines to fill a pipe nobody reads before the fault starts.
      FIXTURE_FLOOD_BYTES: stdout === "unread" ? String(512 * 1024) : "0",
      LOG_BUFFER_MAX_BYTES: String(64 * 1024),
      DB_POOL_MAX: "2",
      DB_POOL_WORKER_MAX: "1",
      DB_ACQUIRE_TIMEOUT_MS: "60000",
      WATCHDOG_CHECK_INTERVAL_MS: "100",
      WATCHDOG_BLOCKED_MS: String(BUDGET_MS),
      WATCHDOG_POOL_STUCK_MS: String(BUDGET_MS),
      WATCHDOG_WORKER_STUCK_FACTOR: "2",
      WATCHDOG_WORKER_STUCK_MIN_MS: String(BUDGET_MS),
      WATCHDOG_EXIT_DELAY_MS: "100",
      ...extra,
    }),
  });
  running.push(proc);
  const health = await waitForHttp(`http://127.0.0.1:${port}/health`);
  const upAt = Date.now();
  return { proc, port, upAt, firstHealth: health.status };
}

describe("watchdog, with the service as a child process", () => {
  for (const stdout of ["read", "unread"] as const) {
    for (const fault of ["block_main", "stuck_pool", "hung_worker"]) {
      it(`kills the process when ${fault} (stdout ${stdout})`, async () => {
        const { proc, upAt, firstHealth } = await startFaulty(fault, stdout);
        expect(firstHealth).toBe(200);
        const exit = await proc.exited;
        expect(exit.signal ?? exit.code).not.toBe(0);
        expect(exit.signal).toBe("SIGKILL");
        expect(Date.now() - upAt).toBeLessThan(FAULT_AFTER_MS + BUDGET_MS + SLACK_MS);
        if (stdout === "read") {
          const line = proc.lines.find((l) => l.event === "watchdog_exit");
          expect(line).toBeDefined();
          const part = (line?.stuck as Array<{ part: string }> | undefined)?.[0]?.part;
          expect(part).toBe(
            { block_main: "main_thread", stuck_pool: "db_pool", hung_worker: "worker:hung_probe" }[
              fault
            ],
          );
          if (fault === "stuck_pool") {
            // Decided by cause: the database answered a connection outside the pool.
            const detail = (line?.stuck as Array<{ detail?: string }> | undefined)?.[0]?.detail;
            expect(detail).toMatch(/while the database answers a new connection/);
          }
          expect(proc.strayStdout).toEqual([]);
        }
      });
    }
  }

  it("keeps running and answering probes while stdout is blocked, counting dropped lines", async () => {
    const { proc, port } = await startFaulty("log_flood", "unread");
    let dropped = 0;
    const deadline = Date.now() + 10_000;
    while (dropped === 0 && Date.now() < deadline) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      dropped = Number(/^log_lines_dropped_total (\d+)/m.exec(text)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(dropped).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, BUDGET_MS * 2));
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBeNull();
  });
});
