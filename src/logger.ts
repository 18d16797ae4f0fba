import { createRequire } from "node:module";
import { type Logger, pino } from "pino";
import type { SonicBoomOpts, SonicBoom as SonicBoomType } from "sonic-boom";

// sonic-boom is CommonJS; its class is the module itself.
const SonicBoom = createRequire(import.meta.url)("sonic-boom") as new (
  opts: SonicBoomOpts,
) => SonicBoomType;

export type { Logger } from "pino";

export interface LoggerOptions {
  level: string;
  /** Bytes of log lines that may wait for a slow stdout before new lines are dropped (R7). */
  bufferMaxBytes: number;
  /** Called once per dropped line, so the drop is counted where metrics live. */
  onDrop?: () => void;
  /** File descriptor to write to; 1 (stdout) in the service. */
  fd?: number;
  base?: Record<string, unknown>;
}

/** Field paths that must never reach a log line, whatever logs them. */
export const REDACTED_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "password",
  "*.password",
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "connectionString",
  "*.connectionString",
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["crypto-pay-api-token"]',
  'req.headers["crypto-pay-api-signature"]',
];

export interface AppLogger {
  logger: Logger;
  /** Resolves once buffered lines are written, or after `timeoutMs` if stdout does not drain. */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * pino over an asynchronous SonicBoom with a bounded buffer (R7): when stdout is slow the
 * buffer fills up to `bufferMaxBytes`, further lines are dropped and counted, and the event loop
 * never waits for the pipe. The destination is built directly (not via `pino.destination`) so
 * that no exit hook flushes synchronously into a blocked pipe.
 */
export function createLogger(opts: LoggerOptions): AppLogger {
  const stream = new SonicBoom({
    fd: opts.fd ?? 1,
    sync: false,
    minLength: 0,
    maxLength: opts.bufferMaxBytes,
  });
  stream.on("drop", () => opts.onDrop?.());
  // A closed stdout (EPIPE) must not crash the service; lines are simply lost.
  stream.on("error", () => {});

  const logger = pino(
    {
      level: opts.level,
      base: opts.base ?? { service: "vpn-bot" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );

  return {
    logger,
    flush(timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        stream.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** A logger that writes nothing, for pure unit tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
