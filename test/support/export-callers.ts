import { posix } from "node:path";

/**
 * Which exported names of a source tree no other file imports. Read from the text with
 * line-anchored patterns (the formatter puts every top-level `import`/`export` at column 0);
 * an `export` line none of them understands is reported as unparsed rather than skipped.
 */

interface SourceFile {
  readonly path: string;
  readonly text: string;
}

const NAME = String.raw`[A-Za-z_$][\w$]*`;
const DECLARATION = new RegExp(
  String.raw`^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(function\*?|const|let|var|class|type|interface|enum)\s+(${NAME})`,
  "gm",
);
const DEFAULT = /^export\s+default\b/gm;
const REEXPORT = /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/gm;
const REEXPORT_ALL = /^export\s+\*\s+from\s*["']([^"']+)["']/gm;
const ANY_EXPORT = /^export\b.*$/gm;
const STATIC_IMPORT = /^import\s+(?:type\s+)?([^"';]*?)\s*from\s*["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = new RegExp(
  String.raw`(?:const\s+\{([^}]*)\}\s*=\s*await\s+)?import\(\s*["']([^"']+)["']\s*\)(?:\.(${NAME}))?`,
  "g",
);

/** `a`, `type b`, `c as d` → the name on each side and whether it is a type-only specifier. */
function specifiers(list: string): Array<{ from: string; as: string; type: boolean }> {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const type = /^type\s/.test(s);
      const [from = s, as = from] = s.replace(/^type\s+/, "").split(/\s+as\s+/);
      return { from, as, type };
    });
}

/** Repo-relative path a relative specifier names, if it is one of `paths`. */
function resolve(from: string, specifier: string, paths: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = posix.join(posix.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => paths.has(c));
}

const key = (path: string, name: string): string => `${path}#${name}`;

/**
 * `path#name` for every exported value (and type or interface, with `types`) of `files` outside
 * `entries` that no other file imports, and
 * `path: unparsed export …` for any export statement the patterns do not read. A re-export
 * (`export { x } from`) counts as a caller only when its own name is imported somewhere.
 */
export function uncalledExports(
  files: readonly SourceFile[],
  { entries = [], types = false }: { entries?: readonly string[]; types?: boolean } = {},
): string[] {
  const paths = new Set(files.map((f) => f.path));
  const exported = new Map<string, string[]>();
  /** Re-exported `path#name` → the `path#name` it forwards. */
  const forwards = new Map<string, string[]>();
  const used = new Set<string>();
  const problems: string[] = [];

  const addExport = (path: string, name: string) => {
    const names = exported.get(path) ?? [];
    if (!names.includes(name)) names.push(name);
    exported.set(path, names);
  };
  const forward = (from: string, to: string) => {
    forwards.set(from, [...(forwards.get(from) ?? []), to]);
  };

  for (const { path, text } of files) {
    const understood = new Set<number>();
    for (const m of text.matchAll(DECLARATION)) {
      understood.add(m.index);
      if (types || (m[1] !== "type" && m[1] !== "interface")) addExport(path, m[2] ?? "");
    }
    for (const m of text.matchAll(DEFAULT)) {
      addExport(path, "default");
      understood.add(m.index);
    }
    for (const m of text.matchAll(REEXPORT)) {
      understood.add(m.index);
      const target = resolve(path, m[2] ?? "", paths);
      const typeOnly = /^export\s+type\s/.test(m[0]);
      for (const { from, as, type } of specifiers(m[1] ?? "")) {
        if (!types && (typeOnly || type)) continue;
        addExport(path, as);
        if (target !== undefined) forward(key(path, as), key(target, from));
      }
    }
    for (const m of text.matchAll(REEXPORT_ALL)) {
      understood.add(m.index);
      problems.push(`${path}: unparsed export ${m[0]} (export * hides which names it forwards)`);
    }
    for (const m of text.matchAll(ANY_EXPORT)) {
      if (!understood.has(m.index)) problems.push(`${path}: unparsed export ${m[0]}`);
    }
  }

  const useAll = (target: string) => {
    for (const name of exported.get(target) ?? []) used.add(key(target, name));
  };

  for (const { path, text } of files) {
    for (const m of text.matchAll(STATIC_IMPORT)) {
      const target = resolve(path, m[2] ?? "", paths);
      if (target === undefined) continue;
      const clause = m[1] ?? "";
      const braces = /\{([^}]*)\}/.exec(clause);
      for (const { from } of specifiers(braces?.[1] ?? "")) used.add(key(target, from));
      const rest = clause.replace(/\{[^}]*\}/, "").trim();
      const namespace = new RegExp(String.raw`\*\s+as\s+(${NAME})`).exec(rest);
      if (namespace?.[1] !== undefined) {
        const ns = namespace[1];
        const body = text.slice(m.index + m[0].length);
        // Only `ns.name` counts: a bare `ns` is as often an object key as the namespace itself.
        for (const use of body.matchAll(new RegExp(String.raw`(?<![.\w$])${ns}\.(${NAME})`, "g"))) {
          used.add(key(target, use[1] ?? ""));
        }
      } else if (/^[A-Za-z_$]/.test(rest)) {
        used.add(key(target, "default"));
      }
    }
    for (const m of text.matchAll(DYNAMIC_IMPORT)) {
      const target = resolve(path, m[2] ?? "", paths);
      if (target === undefined) continue;
      if (m[1] !== undefined) for (const { from } of specifiers(m[1])) used.add(key(target, from));
      else if (m[3] !== undefined) used.add(key(target, m[3]));
      else useAll(target);
    }
  }

  // A used re-export makes what it forwards used, transitively.
  const pending = [...used];
  while (pending.length > 0) {
    const next = pending.pop() ?? "";
    for (const to of forwards.get(next) ?? []) {
      if (!used.has(to)) {
        used.add(to);
        pending.push(to);
      }
    }
  }

  const uncalled: string[] = [];
  for (const [path, names] of exported) {
    if (entries.includes(path)) continue;
    for (const name of names) if (!used.has(key(path, name))) uncalled.push(key(path, name));
  }
  return [...problems, ...uncalled];
}
