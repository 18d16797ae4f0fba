import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/logger.js";
import { silentLogger } from "../../src/logger.js";
import { createOperatorMessages } from "../../src/ops/admin-messages.js";
import { captureLogs } from "../support/logs.js";

/** The operators' messages as the service builds them, with one admin whose sends `send` takes. */
function operatorMessages(deps: {
  send: (text: string) => Promise<void>;
  logger: Logger;
  maxQueued: number;
}) {
  return createOperatorMessages({
    adminIds: [1],
    sender: () => ({ sendText: (_chatId, text) => deps.send(text) }),
    logger: deps.logger,
    maxQueued: deps.maxQueued,
  });
}

describe("admin messenger", () => {
  it("returns at once, sends in order in the background, and drains at shutdown", async () => {
    const sent: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { messenger } = operatorMessages({
      send: async (text) => {
        await gate;
        sent.push(text);
      },
      logger: silentLogger(),
      maxQueued: 2,
    });
    // The first send hangs (a 429 storm); posting never waits on it.
    messenger.post("a");
    messenger.post("b");
    messenger.post("c");
    messenger.post("d");
    expect(sent).toEqual([]);
    release();
    await messenger.drain(1_000);
    // "a" was already being sent; of the waiting ones the oldest ("b") was dropped.
    expect(sent).toEqual(["a", "c", "d"]);
  });

  it("stops waiting at the drain budget", async () => {
    const { messenger } = operatorMessages({
      send: () => new Promise(() => {}),
      logger: silentLogger(),
      maxQueued: 10,
    });
    messenger.post("never delivered");
    // Resolves although the send never does; later posts are refused.
    await expect(messenger.drain(50)).resolves.toBeUndefined();
  });

  it("logs alerts at error and routine reports (a finished broadcast) at info, and sends both", async () => {
    const logs = captureLogs("info");
    const sent: string[] = [];
    const { messenger, operators } = operatorMessages({
      send: async (text) => {
        sent.push(text);
      },
      logger: logs.logger,
      maxQueued: 10,
    });
    await operators.alert("activation failed 10 times");
    await operators.report("Broadcast #1 finished: sent 3");
    await messenger.drain(1_000);
    expect(sent).toEqual(["activation failed 10 times", "Broadcast #1 finished: sent 3"]);
    expect(logs.lines.map((l) => [l.event, l.level, l.msg])).toEqual([
      ["operator_alert", 50, "activation failed 10 times"],
      ["operator_report", 30, "Broadcast #1 finished: sent 3"],
    ]);
  });
});
