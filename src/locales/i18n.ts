import { toError } from "../util/errors.js";
import {
  LocaleFormatters,
  type MessageNode,
  type MessageVar,
  type MessageVars,
  parseMessage,
  renderMessage,
} from "./format.js";
import type { LocaleDefinition, MessageKey } from "./types.js";

const DEFAULT_LOCALE = "ru";

/** How deep nested messages (`{ msg }` variables) are rendered. */
const MAX_NESTING = 3;

export interface I18nOptions {
  /** Fallback for unknown languages and missing keys. Default "ru". */
  defaultLocale?: string;
  /** Time zone for dates in messages. Default "UTC". */
  timeZone?: string;
}

interface CompiledLocale {
  code: string;
  name: string;
  messages: Map<string, MessageNode[]>;
  formatters: LocaleFormatters;
}

export class LocaleError extends Error {
  override name = "LocaleError";
}

/**
 * The translator: locales parsed once, `t(locale, key, vars)` with fallback to the default
 * locale for a missing key. Never throws while rendering (a missing variable shows as `{name}`).
 */
export class I18n {
  readonly defaultLocale: string;
  readonly #locales = new Map<string, CompiledLocale>();

  constructor(definitions: readonly LocaleDefinition[], options: I18nOptions = {}) {
    this.defaultLocale = options.defaultLocale ?? DEFAULT_LOCALE;
    const timeZone = options.timeZone ?? "UTC";
    for (const def of definitions) {
      const messages = new Map<string, MessageNode[]>();
      for (const [key, source] of Object.entries(def.messages)) {
        if (typeof source !== "string") continue;
        try {
          messages.set(key, parseMessage(source));
        } catch (err) {
          throw new LocaleError(`locale ${def.code}, message ${key}: ${toError(err).message}`);
        }
      }
      this.#locales.set(def.code, {
        code: def.code,
        name: def.name,
        messages,
        formatters: new LocaleFormatters(def.code, timeZone),
      });
    }
    if (!this.#locales.has(this.defaultLocale)) {
      throw new LocaleError(`the default locale "${this.defaultLocale}" has no locale file`);
    }
  }

  /** Supported codes, the default first. */
  codes(): string[] {
    const rest = [...this.#locales.keys()].filter((c) => c !== this.defaultLocale).sort();
    return [this.defaultLocale, ...rest];
  }

  /** The language's own name ("English"), for pickers and settings. */
  nameOf(code: string): string {
    return this.#locales.get(code)?.name ?? code;
  }

  /**
   * The supported locale for a stored or Telegram language code ("en", "en-US", "pt-br"), or
   * undefined when we have no such language.
   */
  match(code: string | null | undefined): string | undefined {
    if (!code) return undefined;
    const lower = code.toLowerCase();
    if (this.#locales.has(lower)) return lower;
    const base = lower.split(/[-_]/)[0] ?? "";
    return this.#locales.has(base) ? base : undefined;
  }

  /** The first supported candidate, else the default locale. */
  negotiate(...candidates: Array<string | null | undefined>): string {
    for (const candidate of candidates) {
      const matched = this.match(candidate);
      if (matched) return matched;
    }
    return this.defaultLocale;
  }

  t(locale: string, key: MessageKey, vars: MessageVars = {}): string {
    return this.#render(locale, key, vars, 0);
  }

  #render(locale: string, key: string, vars: MessageVars, depth: number): string {
    const own = this.#locales.get(locale) ?? this.#defaultCompiled();
    const nodes = own.messages.get(key) ?? this.#defaultCompiled().messages.get(key);
    if (!nodes) return key;
    return renderMessage(nodes, this.#resolveNested(locale, vars, depth), own.formatters);
  }

  /** Nested messages (`{ msg, vars }`) become rendered HTML, a few levels deep at most. */
  #resolveNested(locale: string, vars: MessageVars, depth: number): MessageVars {
    let resolved: Record<string, MessageVar> | undefined;
    for (const [name, value] of Object.entries(vars)) {
      if (typeof value !== "object" || value instanceof Date || !("msg" in value)) continue;
      resolved ??= { ...vars };
      resolved[name] =
        depth >= MAX_NESTING
          ? { html: value.msg }
          : { html: this.#render(locale, value.msg, value.vars ?? {}, depth + 1) };
    }
    return resolved ?? vars;
  }

  /** Keys present in `locale` itself (no fallback), for the completeness test. */
  ownKeys(locale: string): string[] {
    return [...(this.#locales.get(locale)?.messages.keys() ?? [])];
  }

  #defaultCompiled(): CompiledLocale {
    return this.#locales.get(this.defaultLocale) as CompiledLocale;
  }
}
