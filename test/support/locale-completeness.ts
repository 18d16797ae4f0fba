import { type MessageNode, parseMessage } from "../../src/locales/format.js";
import type { LocaleDefinition } from "../../src/locales/types.js";
import { toError } from "../../src/util/errors.js";

/** What is wrong with one locale compared with the reference (Russian). Empty lists = fine. */
export interface LocaleProblems {
  /** Keys the reference has and this locale lacks (they fall back to the reference). */
  missing: string[];
  /** Keys no reference message has (typos, leftovers). */
  extra: string[];
  /** Messages that fail to parse, with the parser's reason. */
  syntax: string[];
  /** Messages whose variables differ from the reference's ("key: lacks {days}"). */
  variables: string[];
  /** Plural arguments lacking a category this language needs ("key: lacks few, many"). */
  plurals: string[];
}

/** Checks every locale against the reference; the result names each problem by key. */
export function checkLocales(
  locales: readonly LocaleDefinition[],
  referenceCode = "ru",
): Record<string, LocaleProblems> {
  const reference = locales.find((l) => l.code === referenceCode);
  if (!reference) throw new Error(`no reference locale "${referenceCode}"`);
  const refVars = new Map<string, Set<string>>();
  for (const [key, source] of Object.entries(reference.messages)) {
    try {
      refVars.set(key, variablesOf(parseMessage(source ?? "")));
    } catch {
      refVars.set(key, new Set());
    }
  }

  const report: Record<string, LocaleProblems> = {};
  for (const locale of locales) {
    const problems: LocaleProblems = {
      missing: [],
      extra: [],
      syntax: [],
      variables: [],
      plurals: [],
    };
    const own = locale.messages as Record<string, string | undefined>;
    problems.missing = Object.keys(reference.messages).filter((k) => typeof own[k] !== "string");
    problems.extra = Object.keys(own).filter((k) => !refVars.has(k));
    const needed = new Intl.PluralRules(locale.code).resolvedOptions().pluralCategories;
    for (const [key, source] of Object.entries(own)) {
      if (typeof source !== "string") continue;
      let nodes: ReturnType<typeof parseMessage>;
      try {
        nodes = parseMessage(source);
      } catch (err) {
        problems.syntax.push(`${key}: ${toError(err).message}`);
        continue;
      }
      const expected = refVars.get(key);
      if (expected) {
        const actual = variablesOf(nodes);
        const lacks = [...expected].filter((v) => !actual.has(v));
        const unknown = [...actual].filter((v) => !expected.has(v));
        if (lacks.length > 0) problems.variables.push(`${key}: lacks {${lacks.join("}, {")}}`);
        if (unknown.length > 0) {
          problems.variables.push(`${key}: unknown {${unknown.join("}, {")}}`);
        }
      }
      for (const cases of pluralCases(nodes)) {
        const gaps = needed.filter((c) => c !== "other" && !cases.includes(c));
        if (gaps.length > 0) problems.plurals.push(`${key}: lacks ${gaps.join(", ")}`);
      }
    }
    report[locale.code] = problems;
  }
  return report;
}

/** Only the locales with problems, and only their non-empty lists (for readable failures). */
export function localeProblemsOnly(
  report: Record<string, LocaleProblems>,
): Record<string, Partial<LocaleProblems>> {
  const out: Record<string, Partial<LocaleProblems>> = {};
  for (const [code, problems] of Object.entries(report)) {
    const nonEmpty = Object.fromEntries(Object.entries(problems).filter(([, v]) => v.length > 0));
    if (Object.keys(nonEmpty).length > 0) out[code] = nonEmpty;
  }
  return out;
}

/** Variable names a message uses (in every case of plurals and selects). */
function variablesOf(nodes: readonly MessageNode[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    if (node.type === "var") into.add(node.name);
    if (node.type === "plural" || node.type === "select") {
      into.add(node.name);
      for (const inner of Object.values(node.cases)) variablesOf(inner, into);
    }
  }
  return into;
}

/** Plural categories a message offers, per plural variable. */
function pluralCases(nodes: readonly MessageNode[], into: string[][] = []): string[][] {
  for (const node of nodes) {
    if (node.type === "plural") into.push(Object.keys(node.cases));
    if (node.type === "plural" || node.type === "select") {
      for (const inner of Object.values(node.cases)) pluralCases(inner, into);
    }
  }
  return into;
}
