import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("thrown values", () => {
  it("are turned into errors by toError (src/util/errors.ts), never cast", () => {
    const casts = sourceFiles("src").flatMap((path) =>
      readFileSync(join(ROOT, path), "utf8")
        .split("\n")
        .flatMap((line, i) => (/\bas Error\b/.test(line) ? [`${path}:${i + 1}`] : [])),
    );
    expect(casts).toEqual([]);
  });
});
