import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ROOT } from "../support/service-process.js";

describe(".env.example", () => {
  it("lists every variable the service reads, and its values parse", async () => {
    const text = await readFile(path.join(ROOT, ".env.example"), "utf8");
    const listed = Object.fromEntries(
      text
        .split("\n")
        .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const source = await readFile(path.join(ROOT, "src", "config.ts"), "utf8");
    const read = new Set([...source.matchAll(/^\s{4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(30);
    for (const name of read)
      expect(listed, `${name} missing from .env.example`).toHaveProperty(name as string);
    for (const worker of ["ACTIVATION", "BROADCAST", "RECONCILE"]) {
      expect(listed).toHaveProperty(`WORKER_${worker}_INTERVAL_MS`);
    }
    expect(() => loadConfig(listed)).not.toThrow();
  });
});
