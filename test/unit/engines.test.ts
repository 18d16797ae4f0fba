import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/service-process.js";

/** npm's own range logic (a dependency of npm and of the toolchain), for a faithful check. */
const semver: {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
} = createRequire(import.meta.url)("semver");

interface LockEntry {
  engines?: Record<string, string> | string[];
  optional?: boolean;
}

describe("Node engine ranges", () => {
  it("every locked package accepts the oldest Node the service supports (npm ci prints no EBADENGINE)", async () => {
    const lock = JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, LockEntry>;
    };
    const supported = lock.packages[""]?.engines;
    const range = !Array.isArray(supported) ? supported?.node : undefined;
    expect(range).toBe(">=20.19");
    const oldest = semver.minVersion(range ?? "")?.version ?? "";
    const refusing = Object.entries(lock.packages)
      .filter(([name]) => name !== "")
      .flatMap(([name, entry]) => {
        const node =
          entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
        return node && !semver.satisfies(oldest, node) ? [`${name} (node ${node})`] : [];
      });
    expect(refusing).toEqual([]);
  });
});
