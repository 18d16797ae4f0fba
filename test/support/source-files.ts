import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");

/**
 * Every `.ts` file under `dir` (repo-relative paths), skipping the folders in `skip`, with its
 * text: what the source-scanning checks (table ownership, error casts) read.
 */
export function sourceFiles(
  dir: string,
  skip: readonly string[] = [],
): Array<{ path: string; text: string }> {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.includes(path) ? [] : sourceFiles(path, skip);
    return path.endsWith(".ts")
      ? [{ path, text: readFileSync(join(REPO_ROOT, path), "utf8") }]
      : [];
  });
}
