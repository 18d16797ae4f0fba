import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";

/** A process seen in /proc: its pid, parent, and command line (NULs as spaces). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

async function info(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name is parenthesised and may contain spaces: fields restart after ")".
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ").trim();
    return { pid, ppid, cmdline };
  } catch {
    return undefined; // gone meanwhile
  }
}

async function allPids(): Promise<number[]> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  return entries.filter((e) => /^\d+$/.test(e)).map(Number);
}

/** Processes whose working directory is `dir`: a PostgreSQL server and all its backends. */
export async function processesInDir(dir: string): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const pid of await allPids()) {
    if (pid === process.pid) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd !== dir) continue;
    const p = await info(pid);
    if (p) found.push(p);
  }
  return found;
}

/** `root` and every process below it (PostgreSQL backends lead their own process groups). */
export async function processTree(root: number): Promise<number[]> {
  const all = (await Promise.all((await allPids()).map(info))).filter(
    (p): p is ProcessInfo => p !== undefined,
  );
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const p of all) if (p.ppid === tree[i] && !tree.includes(p.pid)) tree.push(p.pid);
  }
  return tree;
}

/** True while `pid` runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: trust the signal check
  }
}

/** Sends `signal` to each pid that is still there. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Waits until none of `pids` is alive; false if some still are after `timeoutMs`. */
export async function waitAllGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
