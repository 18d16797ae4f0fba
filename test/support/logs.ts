import { type Logger, pino } from "pino";

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  find(msg: string): Record<string, unknown> | undefined;
}

/** A real pino logger whose lines are parsed into memory, for asserting on log output. */
export function captureLogs(level = "debug"): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, find: (msg) => lines.find((l) => l.msg === msg) };
}
