import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotRuntime } from "../../src/bot/runtime.js";
import type { Db } from "../../src/db/pool.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { callBot } from "../support/sandbox-http.js";
import { type Fakes, fakeServices } from "./support/fakes.js";
import { histogramCount, roleOf, testConfig, testRuntime, until } from "./support/testbed.js";

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

function replica(metrics: Metrics = createMetrics()) {
  return testRuntime({ sandbox, db, services: fakes.services, metrics });
}

const pollingStatus = (runtime: BotRuntime) => {
  const status = runtime.status();
  if (status.mode !== "polling") throw new Error("not polling");
  return status;
};

/** Each customer sends /start once and must get exactly one answer. */
async function everyoneAnsweredOnce(ids: number[]): Promise<void> {
  const customers = ids.map((id) => sb.customer(id, { language_code: "en" }));
  for (const c of customers) await c.send("/start");
  for (const c of customers) await c.waitForMessage();
  // Give a duplicate the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 300));
  for (const c of customers) {
    const replies = (await c.chat()).filter((m) => !m.deleted);
    expect(replies, `customer ${c.id}`).toHaveLength(1);
  }
}

describe("one polling leader among replicas", () => {
  let a: BotRuntime;
  let b: BotRuntime;
  let aMetrics: Metrics;
  let bMetrics: Metrics;

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("exactly one of two replicas polls; the other is a ready standby", async () => {
    aMetrics = createMetrics();
    bMetrics = createMetrics();
    a = replica(aMetrics).runtime;
    b = replica(bMetrics).runtime;
    await Promise.all([a.start(), b.start()]);
    await until(() => [roleOf(a), roleOf(b)].sort().join() === "leader,standby");
    const [leader, standby] = roleOf(a) === "leader" ? [a, b] : [b, a];
    const standbyMetrics = standby === a ? aMetrics : bMetrics;

    await sb.clearCalls();
    await everyoneAnsweredOnce([5001, 5002, 5003, 5004, 5005]);

    expect(pollingStatus(standby).getUpdatesCalls).toBe(0);
    expect(
      await histogramCount(standbyMetrics, "telegram_api_request_duration_seconds", {
        method: "getUpdates",
      }),
    ).toBe(0);
    const recorded = (await sb.calls("telegram", "getUpdates")).length;
    expect(recorded).toBeGreaterThan(0);
    // Every getUpdates the stand-in saw came from the leader (its last call may still be open).
    expect(recorded).toBeLessThanOrEqual(pollingStatus(leader).getUpdatesCalls);
    expect(recorded).toBeGreaterThanOrEqual(pollingStatus(leader).getUpdatesCalls - 1);

    // A standby is ready and healthy.
    expect(standby.readinessReason()).toBeUndefined();
    expect(standby.parts()[0]?.check()).toEqual({ stuck: false, detail: "standby" });
    expect(leader.readinessReason()).toBeUndefined();
    expect(leader.parts()[0]?.check().stuck).toBe(false);
  });

  it("when the leader stops, the standby takes over and nothing is answered twice", async () => {
    const [leader, standby] = roleOf(a) === "leader" ? [a, b] : [b, a];
    await leader.stop();
    expect(roleOf(leader)).toBe("stopped");
    expect(leader.readinessReason()).toBe("polling is not running");
    await until(() => roleOf(standby) === "leader", 5_000, "takeover");
    await everyoneAnsweredOnce([5011, 5012, 5013]);
    expect(pollingStatus(standby).getUpdatesCalls).toBeGreaterThan(0);
  });

  it("a lost lock connection stops polling at once; the replica goes back to standby and retakes the lock", async () => {
    const survivor = roleOf(a) === "leader" ? a : b;
    const pid = pollingStatus(survivor).lockBackendPid;
    expect(pid).toBeTypeOf("number");
    await db.query("terminate_lock", "SELECT pg_terminate_backend($1)", [pid], "system");
    await until(() => pollingStatus(survivor).locksLost === 1, 5_000, "lock loss noticed");
    await until(() => roleOf(survivor) === "leader", 5_000, "leader again");
    expect(pollingStatus(survivor).lockBackendPid).not.toBe(pid);
    await everyoneAnsweredOnce([5021, 5022]);
  });

  it("a 409 from a second poller is handled: back off, retry, keep answering", async () => {
    const survivor = roleOf(a) === "leader" ? a : b;
    const before = pollingStatus(survivor);
    // Someone else polls with the same token: Telegram ends our pending poll with 409.
    const intruder = callBot(sandbox, "getUpdates", { timeout: 1, offset: -1 });
    await until(
      () => pollingStatus(survivor).conflicts === before.conflicts + 1,
      5_000,
      "409 seen",
    );
    const intruderResult = await intruder;
    expect([200, 409]).toContain(intruderResult.status);
    await until(() => roleOf(survivor) === "leader", 5_000, "polling again");
    expect(pollingStatus(survivor).terms).toBeGreaterThan(before.terms);
    await everyoneAnsweredOnce([5031, 5032]);
  });
});

describe("watchdog part", () => {
  it("reports a leader whose getUpdates does not return within its timeout plus the grace", async () => {
    const config = testConfig(sandbox, { WATCHDOG_POLLING_GRACE_MS: "300" });
    const { runtime } = testRuntime({
      sandbox,
      db,
      services: fakes.services,
      config,
      // The guard aborts a getUpdates only after 1 s + 5 s; the watchdog budget is 1 s + 0.3 s.
      options: { pollTimeoutSeconds: 1, getUpdatesGraceMs: 5_000 },
    });
    await runtime.start();
    await until(() => roleOf(runtime) === "leader", 5_000, "leader");
    const part = runtime.parts()[0];
    expect(part?.name).toBe("telegram_polling");
    await sb.fault({ target: "telegram", mode: "hang", methods: ["getUpdates"] });
    try {
      const stuck = await until(() => (part?.check().stuck ? part.check() : undefined), 5_000);
      expect(stuck.detail).toMatch(/getUpdates running for \d+ ms/);
    } finally {
      await sb.clearFaults();
      await runtime.stop();
    }
    expect(part?.check()).toEqual({ stuck: false, detail: "stopped" });
  });
});
