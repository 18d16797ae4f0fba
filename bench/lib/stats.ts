/** Pure number crunching for the bench: percentiles of samples and of Prometheus histograms. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of unsorted samples (0 for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? 0;
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

export const round = (x: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** One sample line of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseProm(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const body = m[3];
    if (body) {
      for (const l of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, "$1");
      }
    }
    const value = Number(m[4]);
    if (Number.isNaN(value)) continue;
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

/** Sum of the samples called `name` whose labels include `match`. */
export function sumOf(
  samples: readonly PromSample[],
  name: string,
  match: Record<string, string> = {},
): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** Cumulative bucket counts (le → count) of a histogram, summed over series matching `match`. */
export function buckets(
  samples: readonly PromSample[],
  name: string,
  match: Record<string, string> = {},
): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

export interface HistogramDelta {
  count: number;
  /** Quantiles in the histogram's unit, linearly interpolated inside a bucket. */
  p50: number;
  p99: number;
  /** Upper bound of the highest non-empty bucket (the largest observation is at most this). */
  maxBound: number;
}

/**
 * The observations made between two scrapes of one histogram: bucket counts subtracted, then
 * quantiles read off the cumulative counts. Observations above the last finite bucket report
 * that bucket's bound (marked by `maxBound` = Infinity).
 */
export function histogramDelta(before: Map<number, number>, after: Map<number, number>) {
  const les = [...after.keys()].sort((a, b) => a - b);
  const cum = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const count = cum[cum.length - 1] ?? 0;
  const quantile = (q: number) => {
    if (count === 0) return 0;
    const target = q * count;
    let prevLe = 0;
    let prevCum = 0;
    for (let i = 0; i < les.length; i++) {
      const le = les[i] as number;
      const c = cum[i] as number;
      if (c >= target) {
        if (!Number.isFinite(le)) return prevLe;
        const inBucket = c - prevCum;
        return inBucket === 0 ? le : prevLe + ((le - prevLe) * (target - prevCum)) / inBucket;
      }
      prevLe = le;
      prevCum = c;
    }
    return prevLe;
  };
  let maxBound = 0;
  for (let i = 0; i < les.length; i++) {
    const below = i === 0 ? 0 : (cum[i - 1] as number);
    if ((cum[i] as number) > below) maxBound = les[i] as number;
  }
  return { count, p50: quantile(0.5), p99: quantile(0.99), maxBound } satisfies HistogramDelta;
}
