import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { duplicateKeys } from "./json-keys.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ServiceProcess {
  child: ChildProcess;
  /** Parsed JSON lines from stdout (empty when stdout is left unread). */
  lines: Array<Record<string, unknown>>;
  /**
   * Lines on stdout that were not JSON, or JSON with a key twice (invalid for many log
   * shippers): must stay empty (R7).
   */
  strayStdout: string[];
  stderr: () => string;
  waitForLine(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Environment for a child service: nothing inherited that could point it at a real database. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
  };
  return { ...base, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", SANDBOX_PORT: "0", ...extra };
}

/**
 * Runs a service entry as a child process. `stdout: "unread"` connects stdout to a real pipe
 * that nobody reads, so it fills up and blocks like a stalled log collector.
 */
export function spawnService(opts: {
  entry?: string;
  env: NodeJS.ProcessEnv;
  stdout?: "read" | "unread";
  /**
   * Run it as an operator does, `npm start`, in its own process group: npm does not pass
   * signals on, so `kill` signals the whole group (npm, its shell and the service).
   */
  viaNpm?: boolean;
}): ServiceProcess {
  const entry = opts.entry ?? "src/main.ts";
  const started = Date.now();
  const child = opts.viaNpm
    ? spawn("npm", ["start"], {
        cwd: ROOT,
        env: opts.env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      })
    : spawn(process.execPath, ["--import", "tsx", entry], {
        cwd: ROOT,
        env: opts.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
  const lines: Array<Record<string, unknown>> = [];
  const strayStdout: string[] = [];
  const waiters: Array<() => void> = [];
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  if (opts.stdout !== "unread") {
    let buffer = "";
    child.stdout?.on("data", (c: Buffer) => {
      buffer += c.toString("utf8");
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
          const repeated = duplicateKeys(line);
          if (repeated.length > 0) strayStdout.push(`repeated ${repeated.join(", ")}: ${line}`);
        } catch {
          strayStdout.push(line);
        }
        nl = buffer.indexOf("\n");
      }
      for (const w of waiters.splice(0)) w();
    });
  } else {
    child.stdout?.pause();
  }
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    afterMs: number;
  }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, afterMs: Date.now() - started })),
  );
  return {
    child,
    lines,
    strayStdout,
    stderr: () => stderr,
    exited,
    kill: (signal = "SIGKILL") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (opts.viaNpm && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    },
    async waitForLine(pred, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const found = lines.find(pred);
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `line not seen; stderr: ${stderr.slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`,
          );
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

/** Polls a URL until it answers (any status), for children whose stdout is not read. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(1_000) });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
