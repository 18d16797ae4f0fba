import type { SystemHealth } from "../features/admin/deps.js";
import type { LoopState } from "../workers/loop.js";
import type { ReadinessReport } from "./readiness.js";

/**
 * Loops behind their schedule at `now`: an iteration running longer than the loop's interval,
 * or no iteration started for two intervals since the last one (a stopped loop is not late, it
 * is listed by `/ready`).
 */
export function lateLoops(states: ReadonlyArray<Readonly<LoopState>>, now: number): string[] {
  return states
    .filter((s) => {
      if (!s.running) return false;
      if (s.currentStartedAt !== undefined) return now - s.currentStartedAt > s.intervalMs;
      return s.lastStartedAt !== undefined && now - s.lastStartedAt > 2 * s.intervalMs;
    })
    .map((s) => s.name);
}

/** A dependency's state as the dashboard names it: "ok", its /ready detail, or a fallback. */
export function dependencyState(report: ReadinessReport, name: string, whenAbsent: string): string {
  const d = report.dependencies[name];
  if (!d) return whenAbsent;
  return d.ok ? "ok" : (d.detail ?? "unavailable");
}

/** The console's health line, from the pool's recent waits, the worker loops and readiness. */
export function systemHealthProbe(deps: {
  handlerWaitP99Ms: () => number | null;
  loops: () => ReadonlyArray<Readonly<LoopState>>;
  readiness: () => Promise<ReadinessReport>;
  now?: () => number;
}): () => Promise<SystemHealth> {
  return async () => {
    const report = await deps.readiness();
    return {
      handlerWaitP99Ms: deps.handlerWaitP99Ms(),
      workersLate: lateLoops(deps.loops(), (deps.now ?? Date.now)()),
      vpn: dependencyState(report, "vpn_api", "not configured"),
      cryptopay: dependencyState(report, "cryptopay", "not configured"),
    };
  };
}
