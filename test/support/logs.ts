import { type Logger, pino } from "pino";
import { loggerOptions } from "../../src/logger.js";
import { duplicateKeys } from "./json-keys.js";

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  find(msg: string): Record<string, unknown> | undefined;
}

/** Lines with a key twice, from every capture in this test file (test/setup/log-lines.ts). */
const malformed: string[] = [];

export function takeMalformedLogLines(): string[] {
  return malformed.splice(0);
}

/**
 * A real pino logger with the service's options (bindings included) whose lines are parsed into memory, for
 * asserting on log output. A line with a repeated key fails the test file.
 */
export function captureLogs(level = "debug"): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  // Numeric levels (pino's default) as the tests assert them; otherwise the service's options.
  const logger = pino(
    { ...loggerOptions(level), formatters: {} },
    {
      write(line: string) {
        const repeated = duplicateKeys(line);
        if (repeated.length > 0) malformed.push(`repeated ${repeated.join(", ")}: ${line.trim()}`);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, find: (msg) => lines.find((l) => l.msg === msg) };
}
