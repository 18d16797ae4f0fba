import type { messages } from "./ru.js";

/** Every message key; Russian (src/locales/ru.ts) is the reference locale. */
export type MessageKey = keyof typeof messages;

/** A complete set of messages (English declares itself complete with `satisfies Messages`). */
export type Messages = Record<MessageKey, string>;

/**
 * One locale file: `src/locales/<code>.ts`, default-exporting this. A new language is a new
 * file — no registration; missing keys fall back to Russian and are named by the locale test.
 */
export interface LocaleDefinition {
  /** BCP 47 language code, equal to the file name (`de` for `de.ts`). */
  code: string;
  /** The language's name in itself, shown in the language picker ("Deutsch"). */
  name: string;
  messages: Partial<Record<MessageKey, string>>;
}
