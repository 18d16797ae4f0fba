/**
 * Rubles as customers type them — "500", "499.90", "1 000,5 ₽" — as exact kopecks (no floats),
 * or undefined when it is not an amount.
 */
export function parseRubles(text: string): number | undefined {
  const cleaned = text
    .toLowerCase()
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(/(₽|руб\.?|р\.?|rub)$/u, "")
    .replace(",", ".");
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}
