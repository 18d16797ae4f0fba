/**
 * An SVG chart of a drill: one column per phase, one row per series (pool in use, pool waiters,
 * update→reply latency, event-loop delay), shared y scales per row so the phases compare at a
 * glance; dashed lines mark the aligned worker ticks.
 */

export interface PhaseSeries {
  title: string;
  startMs: number;
  endMs: number;
  ticks: number[];
  poolMax: number;
  /** [epoch ms, value] */
  used: Array<[number, number]>;
  waiting: Array<[number, number]>;
  latencyMs: Array<[number, number]>;
  loopP99Ms: Array<[number, number]>;
  loopMaxMs: Array<[number, number]>;
}

const W = 380;
const H = 120;
const PAD_L = 72;
const PAD_T = 34;
const GAP = 28;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function renderChart(title: string, phases: PhaseSeries[]): string {
  const rows: Array<{
    name: string;
    unit: string;
    series: (
      p: PhaseSeries,
    ) => Array<{ pts: Array<[number, number]>; color: string; dots?: boolean }>;
    limit?: (p: PhaseSeries) => number;
  }> = [
    {
      name: "pool connections in use",
      unit: "",
      series: (p) => [{ pts: p.used, color: "#1f77b4" }],
      limit: (p) => p.poolMax,
    },
    { name: "pool waiters", unit: "", series: (p) => [{ pts: p.waiting, color: "#d62728" }] },
    {
      name: "update→reply",
      unit: " ms",
      series: (p) => [{ pts: p.latencyMs, color: "#2ca02c", dots: true }],
    },
    {
      name: "event-loop delay (p99, max)",
      unit: " ms",
      series: (p) => [
        { pts: p.loopMaxMs, color: "#ff7f0e" },
        { pts: p.loopP99Ms, color: "#9467bd" },
      ],
    },
  ];
  const width = PAD_L + phases.length * (W + GAP) + 10;
  const height = PAD_T + rows.length * (H + GAP) + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${PAD_L}" y="16" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    let max = 0;
    for (const p of phases) {
      for (const s of row.series(p)) {
        for (const [t, v] of s.pts) if (t >= p.startMs && t <= p.endMs) max = Math.max(max, v);
      }
      if (row.limit) max = Math.max(max, row.limit(p));
    }
    const yMax = niceMax(max);
    const y0 = PAD_T + r * (H + GAP) + 14;
    phases.forEach((p, c) => {
      const x0 = PAD_L + c * (W + GAP);
      const span = Math.max(1, p.endMs - p.startMs);
      const X = (t: number) => x0 + ((t - p.startMs) / span) * W;
      const Y = (v: number) => y0 + H - (Math.min(v, yMax) / yMax) * H;
      if (r === 0)
        parts.push(`<text x="${x0}" y="${PAD_T}" font-weight="bold">${esc(p.title)}</text>`);
      parts.push(
        `<rect x="${x0}" y="${y0}" width="${W}" height="${H}" fill="none" stroke="#999"/>`,
      );
      parts.push(`<text x="${x0 + 4}" y="${y0 + 12}" fill="#333">${esc(row.name)}</text>`);
      if (c === 0) {
        parts.push(
          `<text x="${x0 - 4}" y="${y0 + 10}" text-anchor="end">${yMax}${row.unit}</text>`,
        );
        parts.push(`<text x="${x0 - 4}" y="${y0 + H}" text-anchor="end">0</text>`);
      }
      for (const t of p.ticks) {
        if (t < p.startMs || t > p.endMs) continue;
        parts.push(
          `<line x1="${X(t).toFixed(1)}" y1="${y0}" x2="${X(t).toFixed(1)}" y2="${y0 + H}" stroke="#888" stroke-dasharray="4 3"/>`,
        );
      }
      if (row.limit) {
        const ly = Y(row.limit(p)).toFixed(1);
        parts.push(
          `<line x1="${x0}" y1="${ly}" x2="${x0 + W}" y2="${ly}" stroke="#d62728" stroke-width="0.8" stroke-dasharray="2 2"/>`,
        );
      }
      for (const s of row.series(p)) {
        const pts = s.pts.filter(([t]) => t >= p.startMs && t <= p.endMs);
        if (s.dots) {
          for (const [t, v] of pts) {
            parts.push(
              `<circle cx="${X(t).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="1.2" fill="${s.color}" fill-opacity="0.5"/>`,
            );
          }
        } else if (pts.length > 0) {
          const d = pts
            .map(([t, v], i) => `${i === 0 ? "M" : "L"}${X(t).toFixed(1)},${Y(v).toFixed(1)}`)
            .join("");
          parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.3"/>`);
        }
      }
      if (r === rows.length - 1) {
        parts.push(`<text x="${x0}" y="${y0 + H + 14}">0 s</text>`);
        parts.push(
          `<text x="${x0 + W}" y="${y0 + H + 14}" text-anchor="end">${Math.round(span / 1000)} s</text>`,
        );
      }
    });
  });
  parts.push(
    `<text x="${PAD_L}" y="${height - 6}" fill="#555">dashed: aligned worker ticks; red dotted: pool size; latency dots: every customer action</text>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
