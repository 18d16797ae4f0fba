import { describe, expect, it } from "vitest";
import { uncalledExports } from "../support/export-callers.js";
import { sourceFiles } from "../support/source-files.js";

/**
 * Nothing in src/ is exported without a caller. A domain module's export is called by another
 * file in src/ (an export only tests use is either a read the product should make, and then
 * something calls it, or test scaffolding, and then it lives in test/support/). Elsewhere an
 * export is called by src/ or is a unit its own tests import (a screen, a parser, a renderer:
 * pure functions tested alone). Anything else is not exported. Values are checked; types and
 * interfaces are the modules' contracts and are not.
 */

/** The processes' entry points: nothing imports them. */
const ENTRIES = ["src/main.ts", "src/sandbox/main.ts"];

/** Exports with no importer in src/ that are still right: `path#name` → why. */
const ALLOWED: Record<string, string> = {
  "src/locales/en.ts#default": "loaded by file name from the locales folder (loadLocaleFiles)",
  "src/locales/ru.ts#default": "loaded by file name from the locales folder (loadLocaleFiles)",
  "src/locales/index.ts#loadLocaleFiles":
    "its folder argument: tests load locale folders they write",
};

const src = () => sourceFiles("src");
const withTests = () => {
  const tests = [...sourceFiles("test"), ...sourceFiles("bench")];
  return { files: [...src(), ...tests], entries: [...ENTRIES, ...tests.map((f) => f.path)] };
};

describe("exports have callers", () => {
  it("every value a domain module exports is imported by another file in src/", () => {
    const uncalled = uncalledExports(src(), { entries: ENTRIES });
    expect(uncalled.filter((e) => e.startsWith("src/domain/") && !(e in ALLOWED))).toEqual([]);
  });

  it("every other value exported from src/ is imported by src/ or by its tests", () => {
    const { files, entries } = withTests();
    const uncalled = uncalledExports(files, { entries });
    expect(uncalled.filter((e) => e.startsWith("src/") && !(e in ALLOWED))).toEqual([]);
  });

  it("every allowed export is still uncalled", () => {
    const uncalled = new Set(uncalledExports(src(), { entries: ENTRIES }));
    expect(Object.keys(ALLOWED).filter((e) => !uncalled.has(e))).toEqual([]);
  });

  it("finds an export nobody imports, and one only its own module uses", () => {
    const files = [
      {
        path: "src/a.ts",
        text: [
          "export async function used(): Promise<void> {}",
          "export const planted = 1;",
          "export function ownOnly(): number { return 2; }",
          "export const viaOwn = ownOnly();",
          "export type Shape = { x: number };",
        ].join("\n"),
      },
      {
        path: "src/b.ts",
        text: 'import { used, type viaOwn as v } from "./a.js";\nexport const b = used;',
      },
      { path: "src/main.ts", text: 'import { b } from "./b.js";\nexport const main = b;' },
    ];
    expect(uncalledExports(files, { entries: ["src/main.ts"] })).toEqual([
      "src/a.ts#planted",
      "src/a.ts#ownOnly",
    ]);
    expect(uncalledExports(files, { entries: ["src/main.ts"], types: true })).toContain(
      "src/a.ts#Shape",
    );
  });

  it("counts a re-export as a caller only when the re-export is used", () => {
    const files = [
      { path: "src/x/impl.ts", text: "export function forwarded() {}\nexport function idle() {}" },
      {
        path: "src/x/index.ts",
        text: 'export { forwarded, idle as renamed } from "./impl.js";',
      },
      { path: "src/main.ts", text: 'import { forwarded } from "./x/index.js";' },
    ];
    expect(uncalledExports(files, { entries: ["src/main.ts"] })).toEqual([
      "src/x/impl.ts#idle",
      "src/x/index.ts#renamed",
    ]);
  });

  it("reads namespace and dynamic imports, and reports an export it cannot read", () => {
    const files = [
      { path: "src/n.ts", text: "export function one() {}\nexport function two() {}" },
      { path: "src/d.ts", text: "export class Lazy {}\nexport class Unused {}" },
      { path: "src/w.ts", text: "export const { a, b } = { a: 1, b: 2 };" },
      {
        path: "src/main.ts",
        text: [
          'import * as n from "./n.js";',
          "n.one();",
          "const m = { n: 1 };",
          'const { Lazy } = await import("./d.js");',
        ].join("\n"),
      },
    ];
    expect(uncalledExports(files, { entries: ["src/main.ts"] })).toEqual([
      "src/w.ts: unparsed export export const { a, b } = { a: 1, b: 2 };",
      "src/n.ts#two",
      "src/d.ts#Unused",
    ]);
  });
});
