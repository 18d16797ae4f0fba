import { createRequire } from "node:module";
import { type Logger, type LoggerOptions as PinoOptions, pino } from "pino";
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
const REDACTED_PATHS = [
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

/** Write errors after which nothing written to the descriptor can arrive (the reader is gone). */
const READER_GONE = new Set(["EPIPE", "ECONNRESET", "EBADF", "ERR_STREAM_DESTROYED"]);

/**
 * What pino writes to: SonicBoom, plus the count of lines handed to it and not yet written, so
 * that lines lost when the reader goes away (EPIPE) are counted as dropped like the ones the
 * full buffer refuses. Once the reader is gone every later line is counted and discarded
 * without a write attempt.
 */
class CountingDestination {
  /** Byte lengths of the lines SonicBoom holds, oldest first, and how much of the first is out. */
  readonly #pending: number[] = [];
  #head = 0;
  #firstWritten = 0;
  #refused = false;
  #readerGone = false;

  constructor(
    readonly stream: SonicBoomType,
    private readonly onDrop: () => void,
  ) {
    stream.on("drop", () => {
      this.#refused = true;
      this.onDrop();
    });
    stream.on("write", (bytes: number) => this.#written(bytes));
    // A closed stdout must not crash the service: the lines are counted as dropped instead.
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (READER_GONE.has(err.code ?? "")) this.#readerLost();
    });
  }

  get readerGone(): boolean {
    return this.#readerGone;
  }

  write(line: string): boolean {
    if (this.#readerGone) {
      this.onDrop();
      return true;
    }
    this.#refused = false;
    const ok = this.stream.write(line);
    if (!this.#refused) this.#pending.push(Buffer.byteLength(line));
    return ok;
  }

  #written(bytes: number): void {
    let left = bytes + this.#firstWritten;
    while (this.#head < this.#pending.length && left >= (this.#pending[this.#head] as number)) {
      left -= this.#pending[this.#head] as number;
      this.#head++;
    }
    this.#firstWritten = left;
    if (this.#head > 1024) {
      this.#pending.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #readerLost(): void {
    if (this.#readerGone) return;
    this.#readerGone = true;
    const lost = this.#pending.length - this.#head;
    this.#pending.length = 0;
    this.#head = 0;
    for (let i = 0; i < lost; i++) this.onDrop();
  }
}

/**
 * pino over an asynchronous SonicBoom with a bounded buffer (R7): when stdout is slow the
 * buffer fills up to `bufferMaxBytes`, further lines are dropped and counted, and the event loop
 * never waits for the pipe; when the reader goes away (EPIPE) the lines it did not take and all
 * later ones are counted as dropped. The destination is built directly (not via
 * `pino.destination`) so that no exit hook flushes synchronously into a blocked pipe.
 */
export function createLogger(opts: LoggerOptions): AppLogger {
  const stream = new SonicBoom({
    fd: opts.fd ?? 1,
    sync: false,
    minLength: 0,
    maxLength: opts.bufferMaxBytes,
  });
  const destination = new CountingDestination(stream, () => opts.onDrop?.());
  const logger = pino(loggerOptions(opts.level, opts.base), destination);

  return {
    logger,
    flush(timeoutMs) {
      return new Promise((resolve) => {
        if (destination.readerGone) return resolve();
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

/**
 * The service's pino options, also for loggers that write elsewhere (tests). A child's binding
 * replaces the parent's binding of the same name instead of repeating it: pino would write the
 * key twice (`"component":"flows",…,"component":"provisioning"`), which many log shippers
 * reject as invalid JSON.
 */
export function loggerOptions(level: string, base?: Record<string, unknown>): PinoOptions<never> {
  return {
    level,
    base: base ?? { service: "vpn-bot" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    onChild: dedupeChildBindings,
  };
}

/** Rewrites a new child's serialised bindings so each key appears once, with the child's value. */
function dedupeChildBindings(child: object): void {
  const holder = child as Record<symbol, string | undefined>;
  const serialised = holder[pino.symbols.chindingsSym];
  if (!serialised) return;
  // `,"a":1,"b":2`: JSON object members; parsing keeps the last value of a repeated key.
  const members = `,${JSON.stringify(JSON.parse(`{${serialised.slice(1)}}`)).slice(1, -1)}`;
  if (members.length !== serialised.length) holder[pino.symbols.chindingsSym] = members;
}

/** A logger that writes nothing, for pure unit tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
