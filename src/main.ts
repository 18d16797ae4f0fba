import { type Service, startService } from "./app.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { watchParent } from "./ops/parent-watch.js";
import { enterSandboxMode, isSandboxMode } from "./sandbox-mode.js";

/** How often the service checks that the process that started it is still there. */
const PARENT_WATCH_INTERVAL_MS = 500;

/**
 * Entry point. The process owns SIGTERM/SIGINT: shutdown drains within SHUTDOWN_TIMEOUT_MS
 * (kept below Railway's drainingSeconds) and exits 0; past the budget it is killed.
 */
function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      // The logger does not exist yet, and stdout is reserved for it: problems go to stderr.
      for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  let service: Service | undefined;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals | "parent exited") => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      service?.logger.error({ budget_ms: config.shutdownTimeoutMs }, "shutdown budget exceeded");
      setTimeout(() => process.kill(process.pid, "SIGKILL"), 200);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // During start there is nothing to stop yet: the start finishes (the budget above still
    // applies) and is then shut down in order, below.
    if (!service) return;
    service.shutdown(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // A launcher that exits without forwarding the signal (npm, sh -c) must not leave us running.
  watchParent({
    intervalMs: PARENT_WATCH_INTERVAL_MS,
    onOrphaned: (formerParent) => {
      const line = { former_parent: formerParent, ppid: process.ppid };
      if (service) service.logger.warn(line, "the parent process exited: shutting down");
      else process.stderr.write(`the parent process (${formerParent}) exited: shutting down\n`);
      onSignal("parent exited");
    },
  });

  try {
    service = await startService(
      config,
      isSandboxMode(config) ? { prepare: (logger) => enterSandboxMode(config, logger) } : {},
    );
  } catch {
    process.exitCode = 1;
    return;
  }
  if (stopping) await service.shutdown("signal during start").then(() => process.exit(0));
}

void main();
