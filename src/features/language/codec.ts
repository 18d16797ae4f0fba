/** Onboarding (`first`) or settings and /language (`set`). */
export type LanguagePickMode = "first" | "set";

/** The language feature's callback data: the picker and each choice. */
export const LanguageData = {
  picker: "lang",
  choice: (mode: LanguagePickMode, code: string) => `lang:${mode}:${code}`,
} as const;

export const LANGUAGE_DATA = /^lang:(first|set):([a-z]{2,3}(?:-[a-z0-9]{2,8})?)$/;
