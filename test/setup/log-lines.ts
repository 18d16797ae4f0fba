import { afterAll } from "vitest";
import { takeMalformedLogLines } from "../support/logs.js";

// Every log line a test file captured must be valid for shippers: no key twice in one object.
afterAll(() => {
  const malformed = takeMalformedLogLines();
  if (malformed.length > 0) {
    throw new Error(`log lines with a repeated key:\n${malformed.slice(0, 10).join("\n")}`);
  }
});
