/**
 * What an admin types into the user card's questions, read strictly: anything unclear is
 * refused with the expected shape instead of guessed.
 */

/** Who the admin asked for: a Telegram id or an @username. */
export type Lookup = { kind: "id"; id: number } | { kind: "username"; username: string };

const USERNAME = /^@?([A-Za-z][A-Za-z0-9_]{3,31})$/;

/** `123456`, `@name` or `name` → a lookup; anything else → undefined. */
export function parseLookup(text: string): Lookup | undefined {
  const value = text.trim();
  if (/^\d{1,16}$/.test(value)) {
    const id = Number(value);
    return Number.isSafeInteger(id) && id > 0 ? { kind: "id", id } : undefined;
  }
  const m = USERNAME.exec(value);
  return m?.[1] ? { kind: "username", username: m[1] } : undefined;
}

/** Telegram's `forward_origin` of a forwarded message, as far as the card needs it. */
export type ForwardOrigin =
  | { type: "user"; sender_user: { id: number } }
  | { type: "hidden_user"; sender_user_name: string }
  | { type: "chat" | "channel" };

/** Whose message was forwarded: the customer's id, a hidden sender's name, or not a person. */
export type ForwardedFrom =
  | { kind: "user"; id: number }
  | { kind: "hidden"; name: string }
  | { kind: "not_a_user" };

export function forwardedFrom(origin: { type: string } & Record<string, unknown>): ForwardedFrom {
  if (origin.type === "user") {
    const sender = origin.sender_user as { id?: unknown } | undefined;
    if (typeof sender?.id === "number") return { kind: "user", id: sender.id };
  }
  if (origin.type === "hidden_user") {
    const name = origin.sender_user_name;
    return { kind: "hidden", name: typeof name === "string" ? name : "" };
  }
  return { kind: "not_a_user" };
}

/** The longest grant the console gives in one action. */
const MAX_GRANT_SECONDS = 3650 * 86_400;

const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;
export type DurationUnit = keyof typeof UNIT_SECONDS;

export interface Duration {
  amount: number;
  unit: DurationUnit;
  seconds: number;
}

/** `90m`, `12h`, `45d` (also `45 d`, upper case) → the length; 0, no unit or too long → undefined. */
export function parseDuration(text: string): Duration | undefined {
  const m = /^(\d{1,7})\s*([mhdMHD])$/.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const amount = Number(m[1]);
  const unit = m[2].toLowerCase() as DurationUnit;
  const seconds = amount * UNIT_SECONDS[unit];
  if (amount <= 0 || seconds > MAX_GRANT_SECONDS) return undefined;
  return { amount, unit, seconds };
}

/** The length in its largest whole unit (for showing a grant: 86400 s → 1 d). */
export function durationOf(seconds: number): Duration {
  for (const unit of ["d", "h", "m"] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) {
      return { amount: seconds / UNIT_SECONDS[unit], unit, seconds };
    }
  }
  return { amount: Math.ceil(seconds / 60), unit: "m", seconds };
}

/** `15` (no end) or `15 30d` (ends in 30 days); `0` removes the discount. */
export function parseDiscount(
  text: string,
): { percent: number; forSeconds: number | null } | undefined {
  const m = /^(\d{1,3})\s*%?(?:\s+(.+))?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const percent = Number(m[1]);
  if (percent > 100) return undefined;
  if (m[2] === undefined) return { percent, forSeconds: null };
  if (percent === 0) return undefined;
  const length = parseDuration(m[2]);
  return length ? { percent, forSeconds: length.seconds } : undefined;
}

/** The largest single credit or debit the console takes: 1 000 000 ₽. */
const MAX_ADJUST_KOPECKS = 100_000_000;

/** Rubles as typed (`150`, `99.50`, `99,5`) → whole kopecks; zero, negative or too much → undefined. */
export function parseRubles(text: string): number | undefined {
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text.trim().replace(/\s|₽/g, ""));
  if (!m?.[1]) return undefined;
  const kopecks = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  return kopecks > 0 && kopecks <= MAX_ADJUST_KOPECKS ? kopecks : undefined;
}

/** Longest operator message: leaves room for the notice's heading within Telegram's 4096. */
export const MAX_MESSAGE_LENGTH = 3500;
