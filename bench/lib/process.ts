/** Child processes of the bench: the service, the old pattern and the echo bot. */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr(): string;
  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a TypeScript entry with tsx; stdout is read as JSON lines. `nodeArgs` go before the entry
 * (e.g. `--cpu-prof`).
 */
export function spawnTs(
  root: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): Child {
  const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = "";
  let buffer = "";
  proc.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-20_000);
  });
  proc.stdout?.on("data", (c: Buffer) => {
    buffer += c.toString("utf8");
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not JSON: ignored by the bench.
      }
      nl = buffer.indexOf("\n");
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // `exit` can come before the last stdout chunks are read: a line is only missing once stdout ended.
  let stdoutEnded = proc.stdout === null;
  proc.stdout?.once("close", () => {
    stdoutEnded = true;
  });
  let stderrEnded = proc.stderr === null;
  proc.stderr?.once("close", () => {
    stderrEnded = true;
  });
  return {
    proc,
    lines,
    stderr: () => stderr,
    exited,
    async waitFor(pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(pred);
        if (found) return found;
        const gone =
          (proc.exitCode !== null || proc.signalCode !== null) && stdoutEnded && stderrEnded;
        if (Date.now() > deadline || gone) {
          const how = gone ? `exited ${proc.exitCode ?? proc.signalCode}` : "still running";
          throw new Error(
            `${entry}: expected line not seen (${how}); stderr: ${stderr.slice(-2_000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
