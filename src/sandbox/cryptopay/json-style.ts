/**
 * JSON in Python's `json.dumps` default style: `", "` and `": "` separators and every non-ASCII
 * character as a `\uXXXX` escape. Same value as JSON.stringify, different bytes — so a receiver
 * that re-serialises before checking the signature fails, as it would with the real provider.
 */
export function spacedAsciiJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value) ?? "null";
    return typeof value === "string" ? escapeNonAscii(text) : text;
  }
  if (Array.isArray(value)) return `[${value.map(spacedAsciiJson).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== undefined,
  );
  return `{${entries.map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${spacedAsciiJson(v)}`).join(", ")}}`;
}

function escapeNonAscii(json: string): string {
  return json.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
