import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/pool.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { callBot } from "../support/sandbox-http.js";
import { type Fakes, fakeServices } from "./support/fakes.js";
import { roleOf, testRuntime, until } from "./support/testbed.js";

let sandbox: Sandbox;
let sb: SandboxClient;
let db: Db;
let fakes: Fakes;

beforeAll(async () => {
  sandbox = await testSandbox();
  sb = sandboxClient(sandbox.url);
  db = await testDb();
  fakes = fakeServices();
});

describe("polling pace and start-up calls", () => {
  it("retries a failed setMyCommands until it is registered, not only at the next polling term", async () => {
    await sb.fault({
      target: "telegram",
      mode: "error",
      // A 400 is not retried by the API's own bounded retries: only the runtime retries it.
      status: 400,
      methods: ["setMyCommands"],
    });
    const { runtime } = testRuntime({ sandbox, db, services: fakes.services });
    await runtime.start();
    try {
      await until(() => roleOf(runtime) === "leader");
      // The first attempt is refused (however long start-up took); then Telegram accepts again.
      await until(
        async () => (await sb.calls("telegram", "setMyCommands")).some((c) => c.status === 400),
        8_000,
        "a refused setMyCommands",
      );
      await sb.clearFaults("telegram");
      const commands = await until(
        async () => {
          const res = await callBot(sandbox, "getMyCommands", {});
          return res.body.result.length > 0 ? res.body.result : undefined;
        },
        8_000,
        "commands registered",
      );
      expect(commands.length).toBeGreaterThan(0);
      const attempts = await sb.calls("telegram", "setMyCommands");
      expect(attempts.some((c) => c.status === 400)).toBe(true);
      expect(attempts.some((c) => c.status === 200)).toBe(true);
    } finally {
      await sb.clearFaults("telegram");
      await runtime.stop();
    }
  });

  it("does not call getUpdates in a tight loop when the Bot API answers at once", async () => {
    // A long-poll timeout of 0: every getUpdates comes back empty immediately.
    const { runtime } = testRuntime({
      sandbox,
      db,
      services: fakes.services,
      options: { pollTimeoutSeconds: 0, emptyPollMinIntervalMs: 500 },
    });
    await runtime.start();
    await until(() => roleOf(runtime) === "leader");
    await sb.clearCalls();
    await new Promise((r) => setTimeout(r, 2_000));
    const polls = (await sb.calls("telegram", "getUpdates")).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(5);
    // Still answers promptly: an update is fetched on the next poll.
    const ola = sb.customer(7101, { language_code: "en" });
    await ola.send("/help");
    await ola.waitForMessage(undefined, 3_000);
    await runtime.stop();
  });
});
