import { describe, expect, it } from "vitest";
import {
  allStale,
  type Heartbeats,
  OLD_WATCHDOG,
  staleness,
  worstStaleness,
} from "../../bench/lib/old-watchdog.js";

const at = (eventLoop: number, worker: number, healthcheck: number): Heartbeats => ({
  event_loop: eventLoop,
  worker,
  healthcheck,
});

describe("the old service's watchdog (bench baseline)", () => {
  it("keeps the old limits: 60 s event loop, 90 s worker and health check, a look every 30 s", () => {
    expect(OLD_WATCHDOG.staleAfterMs).toEqual({
      event_loop: 60_000,
      worker: 90_000,
      healthcheck: 90_000,
    });
    expect(OLD_WATCHDOG.checkEveryMs).toBe(30_000);
    expect(OLD_WATCHDOG.eventLoopBeatEveryMs).toBe(5_000);
  });

  it("exits only when all three heartbeats are stale", () => {
    const now = 1_000_000;
    expect(allStale(now, at(now - 60_001, now - 90_001, now - 90_001))).toBe(true);
    // Workers stuck on the pool for minutes, but the loop beat and the health probe still fresh.
    expect(allStale(now, at(now - 5_000, now - 600_000, now - 10_000))).toBe(false);
    expect(allStale(now, at(now - 600_000, now - 600_000, now - 10_000))).toBe(false);
    expect(allStale(now, at(now - 5_000, now - 600_000, now - 600_000))).toBe(false);
    // Exactly at a limit is not yet stale.
    expect(allStale(now, at(now - 60_000, now - 90_000, now - 90_000))).toBe(false);
  });

  it("takes other limits when given", () => {
    const now = 10_000;
    const limits = { event_loop: 1_000, worker: 1_000, healthcheck: 1_000 };
    expect(allStale(now, at(8_000, 8_000, 8_000), limits)).toBe(true);
    expect(allStale(now, at(8_000, 9_500, 8_000), limits)).toBe(false);
  });

  it("reports each heartbeat's age and the worst age over the checks", () => {
    expect(staleness(100, at(95, 10, 90))).toEqual(at(5, 90, 10));
    let worst = at(0, 0, 0);
    worst = worstStaleness(worst, 100, at(95, 10, 90));
    worst = worstStaleness(worst, 200, at(195, 150, 190));
    expect(worst).toEqual(at(5, 90, 10));
    worst = worstStaleness(worst, 300, at(290, 150, 290));
    expect(worst).toEqual(at(10, 150, 10));
  });
});
