import { describe, expect, it } from "vitest";
import { forEachBounded } from "../../src/workers/batch.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("forEachBounded", () => {
  it("keeps every lane going past a failed item and reports the error only when all are done", async () => {
    const done: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const run = forEachBounded(
      [1, 2, 3, 4, 5, 6],
      { concurrency: 3, signal: new AbortController().signal, deadline: Date.now() + 10_000 },
      async (n) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await sleep(n === 1 ? 1 : 30);
          if (n === 1) throw new Error("item 1 failed");
          done.push(n);
        } finally {
          inFlight--;
        }
      },
      async () => {},
    );
    await expect(run).rejects.toThrow("item 1 failed");
    // Nothing is still running once the failure is reported.
    expect(inFlight).toBe(0);
    expect(done.sort()).toEqual([2, 3, 4, 5, 6]);
    expect(maxInFlight).toBe(3);
  });

  it("hands items not started before the deadline to `skipped`", async () => {
    const handled: number[] = [];
    const skipped: number[] = [];
    await forEachBounded(
      [1, 2, 3],
      { concurrency: 1, signal: new AbortController().signal, deadline: Date.now() + 20 },
      async (n) => {
        handled.push(n);
        await sleep(30);
      },
      async (n) => {
        skipped.push(n);
      },
    );
    expect(handled).toEqual([1]);
    expect(skipped).toEqual([2, 3]);
  });
});
