import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LocaleError } from "./i18n.js";
import type { LocaleDefinition } from "./types.js";

export type { MessageVar, MessageVars } from "./format.js";
export { I18n, type I18nOptions } from "./i18n.js";
export type { LocaleDefinition, MessageKey, Messages } from "./types.js";

/** `ru.ts`, `en.ts`, `pt-br.ts` (or `.js` once built): a locale file is named by its code. */
const LOCALE_FILE = /^([a-z]{2,3}(?:-[a-z0-9]{2,8})?)\.(?:ts|js)$/;

const LOCALES_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Loads every locale file in `dir`: adding a language is adding `<code>.ts` next to `ru.ts`.
 * Works from `src/locales` (tsx, tests) and `dist/locales` (built).
 */
export async function loadLocaleFiles(dir: string = LOCALES_DIR): Promise<LocaleDefinition[]> {
  const found = new Map<string, LocaleDefinition>();
  for (const file of (await readdir(dir)).sort()) {
    const match = LOCALE_FILE.exec(file);
    if (!match || file.endsWith(".d.ts")) continue;
    const code = match[1] ?? "";
    if (found.has(code)) continue;
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as {
      default?: LocaleDefinition;
    };
    const def = module.default;
    if (!def || typeof def.messages !== "object" || typeof def.name !== "string") {
      throw new LocaleError(`${file}: must default-export { code, name, messages }`);
    }
    if (def.code !== code) {
      throw new LocaleError(`${file}: declares code "${def.code}", expected "${code}"`);
    }
    found.set(code, def);
  }
  return [...found.values()];
}

/** Every locale shipped with the service, loaded once at import. */
export const LOCALES: readonly LocaleDefinition[] = await loadLocaleFiles();
