import { describe, expect, it } from "vitest";
import {
  buckets,
  histogramDelta,
  parseProm,
  percentile,
  summarize,
  sumOf,
} from "../../bench/lib/stats.js";

const scrape = (counts: [string, number][], extra = "") =>
  parseProm(
    [
      "# HELP w wait",
      "# TYPE w histogram",
      ...counts.map(([le, n]) => `w_bucket{le="${le}",kind="handler",label="a"} ${n}`),
      `w_count{kind="handler",label="a"} ${counts.at(-1)?.[1] ?? 0}`,
      extra,
    ].join("\n"),
  );

describe("bench statistics", () => {
  it("nearest-rank percentiles and summaries", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 99)).toBe(0);
    expect(summarize([3, 1, 2])).toEqual({ n: 3, p50: 2, p95: 3, p99: 3, max: 3 });
  });

  it("parses labels, including escaped quotes, and sums matching series", () => {
    const m = parseProm('g{state="used"} 4\ng{state="idle"} 6\nl{label="a \\"b\\""} 1\n');
    expect(sumOf(m, "g")).toBe(10);
    expect(sumOf(m, "g", { state: "used" })).toBe(4);
    expect(m.find((s) => s.name === "l")?.labels.label).toBe('a "b"');
  });

  it("reads quantiles and the max bucket off the observations between two scrapes", () => {
    const before = scrape([
      ["0.01", 10],
      ["0.1", 10],
      ["1", 10],
      ["+Inf", 10],
    ]);
    // 100 new observations: 50 up to 10 ms, 49 in (10 ms, 100 ms], 1 in (100 ms, 1 s].
    const after = scrape([
      ["0.01", 60],
      ["0.1", 109],
      ["1", 110],
      ["+Inf", 110],
    ]);
    const d = histogramDelta(buckets(before, "w", { kind: "handler" }), buckets(after, "w"));
    expect(d.count).toBe(100);
    expect(d.p50).toBeCloseTo(0.01, 6);
    expect(d.p99).toBeCloseTo(0.1, 6);
    expect(d.maxBound).toBe(1);
  });

  it("an empty interval reports zeros", () => {
    const same = scrape([
      ["0.01", 5],
      ["+Inf", 5],
    ]);
    expect(histogramDelta(buckets(same, "w"), buckets(same, "w"))).toEqual({
      count: 0,
      p50: 0,
      p99: 0,
      maxBound: 0,
    });
  });
});
