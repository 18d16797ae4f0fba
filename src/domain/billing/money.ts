/**
 * Money is an integer number of kopecks everywhere (SPEC "Money"). PostgreSQL returns bigint as a
 * string; these helpers turn it into a `number` only when that is exact (|n| < 2^53), and refuse
 * anything else instead of silently rounding.
 */

const INTEGER = /^-?\d+$/;

/** Parses a database integer (bigint arrives as a string) into an exact JS number. */
export function toSafeInt(value: unknown, what = "integer"): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "bigint") n = Number(value);
  else if (typeof value === "string" && INTEGER.test(value)) n = Number(value);
  else throw new TypeError(`${what}: expected an integer, got ${String(value)}`);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what}: ${String(value)} is not exact`);
  return n;
}

/** Like `toSafeInt` for a nullable column. */
export function toSafeIntOrNull(value: unknown, what = "integer"): number | null {
  return value === null || value === undefined ? null : toSafeInt(value, what);
}

/** Kopecks from a database value. */
export function toKopecks(value: unknown): number {
  return toSafeInt(value, "kopecks");
}

/** The discounted price: the discount is rounded DOWN to whole units (DB CHECK does the same). */
export function discounted(base: number, percent: number): number {
  return base - Math.floor((base * percent) / 100);
}

/** `percent` % of `base`, rounded down: never more than the share. */
export function percentOf(base: number, percent: number): number {
  return Math.floor((base * percent) / 100);
}
