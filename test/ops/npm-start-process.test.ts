import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isAlive, processesInDir, processTree, signalAll } from "../../src/db/processes.js";
import { freePort } from "../support/postgres.js";
import { childEnv, ROOT } from "../support/service-process.js";

/**
 * `kill -TERM <launcher>` must not leave the service and its embedded PostgreSQL running and
 * holding the ports: whether the launcher forwards the signal (npm → `exec node`) or just dies
 * (a plain `sh -c`), the service notices and shuts down in order.
 */
const dir = await realpath(await mkdtemp("/var/tmp/vpnbot-npm-start-"));
await chmod(dir, 0o755);
const spawned: ChildProcess[] = [];
const leftovers = new Set<number>();
afterEach(() => {
  for (const c of spawned.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  signalAll([...leftovers], "SIGKILL");
});
afterAll(async () => {
  signalAll(
    (await processesInDir(`${dir}/pg`)).map((p) => p.pid),
    "SIGKILL",
  );
  await rm(dir, { recursive: true, force: true });
});

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

async function launch(command: string, args: string[]) {
  const ports = { http: await freePort(), sandbox: await freePort(), pg: await freePort() };
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnv({
      PORT: String(ports.http),
      SANDBOX_PORT: String(ports.sandbox),
      EMBEDDED_PG_DIR: `${dir}/pg`,
      EMBEDDED_PG_PORT: String(ports.pg),
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.push(child);
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  const started = await eventually(() => output.includes('"msg":"service started"'), 60_000);
  if (!started) throw new Error(`service did not start: ${output.slice(-2000)}`);
  const tree = await processTree(child.pid ?? -1);
  const service = [];
  for (const pid of tree) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const [argv0, ...rest] = cmd.split("\0");
    if (/(^|\/)node$/.test(argv0 ?? "") && rest.includes("src/main.ts")) service.push(pid);
  }
  const postgres = (await processesInDir(`${dir}/pg`)).map((p) => p.pid);
  for (const pid of [...service, ...postgres]) leftovers.add(pid);
  return { child, ports, service, postgres, output: () => output };
}

async function expectAllGone(run: Awaited<ReturnType<typeof launch>>) {
  expect(run.service).toHaveLength(1);
  expect(run.postgres.length).toBeGreaterThan(0);
  const gone = await eventually(() => ![...run.service, ...run.postgres].some(isAlive), 20_000);
  expect(gone, run.output().slice(-2000)).toBe(true);
  for (const port of Object.values(run.ports)) expect(await portIsFree(port)).toBe(true);
  expect(run.output()).toMatch(/"msg":"embedded PostgreSQL stopped"/);
}

describe("stopping the launcher stops the service and its database", () => {
  it("SIGTERM to `npm start` reaches the service, which drains and stops PostgreSQL", async () => {
    const run = await launch("npm", ["start"]);
    process.kill(run.child.pid ?? -1, "SIGTERM");
    await expectAllGone(run);
  });

  it("a launcher that dies without forwarding anything (sh -c, SIGKILL) is noticed too", async () => {
    // `; true` keeps sh from exec-ing node, as a wrapper script would.
    const run = await launch("sh", ["-c", `"${process.execPath}" --import tsx src/main.ts; true`]);
    process.kill(run.child.pid ?? -1, "SIGKILL");
    await expectAllGone(run);
    expect(run.output()).not.toMatch(/shutdown budget exceeded/);
  });
});
