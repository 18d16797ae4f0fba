import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import { UpdateDispatcher } from "../../src/bot/dispatcher.js";
import { Reachability } from "../../src/bot/middlewares/reachability.js";
import { RateLimiter } from "../../src/bot/rate-limit.js";
import { contactUrl } from "../../src/features/info/screens.js";
import { referrerFromPayload } from "../../src/features/start/index.js";
import { silentLogger } from "../../src/logger.js";
import { FakeUsers } from "./support/fakes.js";

describe("rate limiter", () => {
  it("allows a burst of `capacity`, then refills over time, per customer", () => {
    let now = 0;
    const limiter = new RateLimiter(3, 1, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take(7))).toEqual([true, true, true, false]);
    expect(limiter.take(8)).toBe(true);
    now += 1_000;
    expect(limiter.take(7)).toBe(true);
    expect(limiter.take(7)).toBe(false);
  });

  it("says 'slow down' once until a token is back, however many updates it refuses", () => {
    let now = 0;
    const limiter = new RateLimiter(1, 0.5, () => now);
    expect(limiter.take(7)).toBe(true);
    const refused = [1, 2, 3].map(() => !limiter.take(7) && limiter.shouldTell(7));
    expect(refused).toEqual([true, false, false]);
    now += 2_000;
    expect(limiter.shouldTell(7)).toBe(true);
  });

  it("forgets full buckets, so memory stays bounded", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1, () => now);
    for (let id = 1; id <= 100; id++) limiter.take(id);
    expect(limiter.size).toBe(100);
    now += 60_000;
    limiter.take(1);
    expect(limiter.size).toBe(1);
  });
});

describe("update dispatcher", () => {
  const update = (id: number) => ({ update_id: id }) as Update;

  it("runs at most `concurrency` updates, buffers the rest, and keeps fetching until the buffer is full", async () => {
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const dispatcher = new UpdateDispatcher(
      (u) =>
        new Promise<void>((resolve) => {
          started.push(u.update_id);
          releases.push(resolve);
        }),
      2,
      3,
    );
    // Handlers busy: the pace never drops to 0, so getUpdates continues (pre-checkouts arrive).
    expect(await dispatcher.accept([update(1), update(2)])).toBe(1);
    expect(await dispatcher.accept([update(3), update(4)])).toBe(1);
    expect(started).toEqual([1, 2]);
    expect(dispatcher.buffered).toBe(2);
    // A full buffer holds the runner back until a handler finishes.
    let accepted = false;
    const full = dispatcher.accept([update(5)]).then(() => {
      accepted = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(false);
    releases[0]?.();
    await full;
    expect(started).toEqual([1, 2, 3]);
  });
});

describe("reachability", () => {
  it("marks reachable at most once per throttle window, but always after an unreachable mark", async () => {
    let now = 0;
    const users = new FakeUsers();
    const r = new Reachability(users, 60_000, silentLogger(), () => now);
    await r.reachable(1);
    await r.reachable(1);
    now += 1_000;
    await r.reachable(1);
    expect(users.marks).toEqual(["reachable:1"]);
    await r.unreachable(1);
    await r.reachable(1);
    expect(users.marks).toEqual(["reachable:1", "unreachable:1", "reachable:1"]);
    await r.reachable(1, { force: true });
    expect(users.marks).toHaveLength(4);
  });
});

describe("helpers", () => {
  it("reads ref_<id> deep links, never the customer's own id", () => {
    expect(referrerFromPayload("ref_123", 5)).toBe(123);
    expect(referrerFromPayload(" ref_123 ", 5)).toBe(123);
    expect(referrerFromPayload("ref_5", 5)).toBeUndefined();
    expect(referrerFromPayload("ref_12345", 5)).toBe(12345);
    expect(referrerFromPayload("ref_0", 5)).toBeUndefined();
    expect(referrerFromPayload("ref_12a", 5)).toBeUndefined();
    expect(referrerFromPayload("ref_abc", 5)).toBeUndefined();
    expect(referrerFromPayload("promo_1", 5)).toBeUndefined();
    expect(referrerFromPayload("", 5)).toBeUndefined();
  });

  it("turns a support contact into a link", () => {
    expect(contactUrl("@vpn_support")).toBe("https://t.me/vpn_support");
    expect(contactUrl("https://example.com/help")).toBe("https://example.com/help");
    expect(contactUrl("support@example.com")).toBeNull();
    expect(contactUrl(null)).toBeNull();
  });
});
