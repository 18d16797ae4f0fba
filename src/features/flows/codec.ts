/**
 * Shared pieces of the flows' callback data. Every flow owns its data in its own `codec.ts`;
 * opening a flow is the exact data `f:<flow>`, owned by that flow's feature.
 */

/** The data that opens flow `name` ("f:buy"): the flow's feature claims it as exact data. */
export const openData = (name: string): string => `f:${name}`;

/** A positive whole number (days, kopecks, ids) of up to 9 digits. */
const POSITIVE = "[1-9]\\d{0,8}";
export const COUNT = `(${POSITIVE})`;
export const COUNT_OR_ZERO = `(0|${POSITIVE})`;

/** The first matching pattern's decoding of `data`, or undefined (stale or not ours). */
export function decodeWith<A>(
  patterns: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => A | undefined]>,
  data: string,
): A | undefined {
  for (const [pattern, build] of patterns) {
    const match = pattern.exec(data);
    if (match) return build(match);
  }
  return undefined;
}
