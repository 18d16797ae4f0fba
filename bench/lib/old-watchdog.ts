/**
 * The replaced service's multi-signal watchdog, as pure logic for bench/old-pattern.ts. Three
 * heartbeats: the event loop (a task marking it every 5 s, touching neither the database nor the
 * network), the workers (marked when any worker starts an iteration) and the health check
 * (marked when the health endpoint answers 200; that endpoint read a flag, never the pool). The
 * watchdog looked every 30 s and exited only when all three were stale at once.
 */

export type Beat = "event_loop" | "worker" | "healthcheck";

export const OLD_WATCHDOG = {
  checkEveryMs: 30_000,
  eventLoopBeatEveryMs: 5_000,
  staleAfterMs: { event_loop: 60_000, worker: 90_000, healthcheck: 90_000 },
} as const;

export type Heartbeats = Record<Beat, number>;

/** How long ago each heartbeat was marked. */
export function staleness(now: number, beats: Heartbeats): Heartbeats {
  return {
    event_loop: now - beats.event_loop,
    worker: now - beats.worker,
    healthcheck: now - beats.healthcheck,
  };
}

/** The old `are_all_stale()`: true only when every heartbeat is older than its limit. */
export function allStale(
  now: number,
  beats: Heartbeats,
  limits: Heartbeats = OLD_WATCHDOG.staleAfterMs,
): boolean {
  const age = staleness(now, beats);
  return (Object.keys(limits) as Beat[]).every((b) => age[b] > limits[b]);
}

/** The largest staleness seen per heartbeat, folded check by check. */
export function worstStaleness(seen: Heartbeats, now: number, beats: Heartbeats): Heartbeats {
  const age = staleness(now, beats);
  return {
    event_loop: Math.max(seen.event_loop, age.event_loop),
    worker: Math.max(seen.worker, age.worker),
    healthcheck: Math.max(seen.healthcheck, age.healthcheck),
  };
}
