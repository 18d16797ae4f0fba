/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`, see BENCH_CPU_PROF in bench/run.ts)
 * by self time: `npx tsx bench/lib/cpu-profile.ts <file.cpuprofile> [top=30]`.
 * Prints the top functions by self time, then the same grouped by source file.
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  pct: number;
}

/** Self time per function (name and location) and per source file, largest first. */
export function selfTimes(profile: Profile): { byFunction: SelfTime[]; byFile: SelfTime[] } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const perNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...perNode.values()].reduce((a, b) => a + b, 0) || 1;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of perNode) {
    const f = nodes.get(id)?.callFrame;
    if (!f) continue;
    const where = shortUrl(f.url);
    const key = `${f.functionName || "(anonymous)"} ${where}${where ? `:${f.lineNumber + 1}` : ""}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const fileKey = where || f.functionName;
    file.set(fileKey, (file.get(fileKey) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) =>
    [...m]
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }))
      .sort((a, b) => b.ms - a.ms);
  return { byFunction: sorted(fn), byFile: sorted(file) };
}

/** node_modules/<pkg>/… or the path inside the repository. */
function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  const src = url.search(/\/(src|bench|test)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, "");
}

async function main() {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/lib/cpu-profile.ts <file.cpuprofile> [top]");
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const { byFunction, byFile } = selfTimes(profile);
  const line = (s: SelfTime) =>
    `${s.ms.toFixed(0).padStart(9)} ms ${s.pct.toFixed(1).padStart(5)} %  ${s.name}`;
  console.log(`profile ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall`);
  console.log("\nby function (self time)");
  for (const s of byFunction.slice(0, top)) console.log(line(s));
  console.log("\nby file (self time)");
  for (const s of byFile.slice(0, top)) console.log(line(s));
}

if (process.argv[1]?.endsWith("cpu-profile.ts")) await main();
