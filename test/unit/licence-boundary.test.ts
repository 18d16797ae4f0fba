import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const CONTRACT = "@remnawave/backend-contract";
const root = resolve(import.meta.dirname, "../..");

/** The modules `node dist/main.js` loads at start: static value imports, followed from main. */
function staticGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (graph.has(file)) continue;
    const source = readFileSync(file, "utf8");
    const specifiers: string[] = [];
    // `import x from`, `import { x } from`, `export … from`, bare `import "x"`; not `import type`.
    const pattern =
      /^\s*(?:import(?!\s+type\b)(?:[\s\S]*?\sfrom\s)?|export(?!\s+type\b)[\s\S]*?\sfrom\s)\s*["']([^"']+)["']/gm;
    for (const m of source.matchAll(pattern)) if (m[1]) specifiers.push(m[1]);
    graph.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith(".")) todo.push(resolve(dirname(file), s).replace(/\.js$/, ".ts"));
    }
  }
  return graph;
}

describe("the AGPL contract package stays out of production", () => {
  it("is a development dependency only", () => {
    const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(pkg.dependencies?.[CONTRACT]).toBeUndefined();
    expect(pkg.devDependencies?.[CONTRACT]).toBeDefined();
  });

  it("no module loaded at start imports it (the stand-in that does is loaded on demand)", () => {
    const graph = staticGraph(resolve(root, "src/main.ts"));
    expect(graph.size).toBeGreaterThan(50);
    const importers = [...graph].filter(([, specs]) => specs.includes(CONTRACT)).map(([f]) => f);
    expect(importers).toEqual([]);
    expect([...graph.keys()].some((f) => f.endsWith("sandbox/vpn/remnawave-stand-in.ts"))).toBe(
      false,
    );
    // The walk does see the package where it is imported statically.
    const standIn = staticGraph(resolve(root, "src/sandbox/vpn/remnawave-stand-in.ts"));
    expect(standIn.get(resolve(root, "src/sandbox/vpn/remnawave-stand-in.ts"))).toContain(CONTRACT);
  });
});
