import { describe, expect, it } from "vitest";
import { AfterReply } from "../../src/bot/after-reply.js";
import { UpdateTracker } from "../../src/bot/middlewares/track.js";
import { captureLogs } from "../support/logs.js";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("AfterReply", () => {
  it("runs at most `limit` tasks at once, each counted as an update in flight until it ends", async () => {
    const updates = new UpdateTracker();
    const afterReply = new AfterReply({ updates, limit: 2 });
    const logs = captureLogs();
    const first = gate();
    const second = gate();
    expect(afterReply.start("a", logs.logger, () => first.opened)).toBe(true);
    expect(afterReply.start("b", logs.logger, () => second.opened)).toBe(true);
    expect(updates.size).toBe(2);

    let ran = false;
    expect(
      afterReply.start("c", logs.logger, async () => {
        ran = true;
      }),
    ).toBe(false);
    expect(ran).toBe(false);
    expect(
      logs.find("after-reply work not started: too many at once; its fallback does it"),
    ).toMatchObject({
      what: "c",
      running: 2,
    });

    first.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(updates.size).toBe(1);
    expect(afterReply.start("d", logs.logger, async () => {})).toBe(true);
    second.open();
    await expect(updates.drain(1_000)).resolves.toBe(true);
  });

  it("logs a task that fails and frees its place", async () => {
    const updates = new UpdateTracker();
    const afterReply = new AfterReply({ updates, limit: 1 });
    const logs = captureLogs();
    afterReply.start("paid key", logs.logger, async () => {
      throw new Error("VPN gone");
    });
    await updates.drain(1_000);
    expect(logs.find("after-reply work failed")).toMatchObject({
      what: "paid key",
      err: "VPN gone",
    });
    expect(afterReply.start("next", logs.logger, async () => {})).toBe(true);
    await updates.drain(1_000);
  });
});
