import { Bot } from "grammy";
import { describe, expect, it } from "vitest";
import { installApiGuard } from "../../src/bot/api-guard.js";
import { DEFAULT_BOT_OPTIONS } from "../../src/bot/options.js";
import {
  type BroadcastReport,
  claimRecipients,
  countSegment,
  markInterruptedDeliveries,
} from "../../src/domain/broadcasts/broadcasts.js";
import * as users from "../../src/domain/customers/users.js";
import { silentLogger } from "../../src/logger.js";
import { broadcastIteration } from "../../src/workers/broadcast.js";
import { until } from "../bot/support/testbed.js";
import { startBroadcast } from "../support/broadcasts.js";
import { registerOnStart } from "../support/customers.js";
import { sandboxClient } from "../support/driver.js";
import { clearFaults, fault } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const worker = bed.db.forKind("worker");
const bot = new Bot(bed.sandbox.botToken, { client: { apiRoot: bed.sandbox.url } });
installApiGuard(bot.api, {
  scope: bed.scope,
  metrics: bed.metrics,
  logger: silentLogger(),
  options: { ...DEFAULT_BOT_OPTIONS, maxRetryDelaySeconds: 1 },
  onUnreachable: (id) => users.markUnreachable(bed.db, id),
});
const reports: BroadcastReport[] = [];
const sender = broadcastIteration({
  db: worker,
  interruptedAfterMs: 5 * 60_000,
  transport: {
    send: async (userId, message) => {
      await bot.api.sendMessage(userId, message.text);
    },
  },
  report: async (r) => {
    reports.push(r);
  },
  batchSize: 25,
  unreachablePauseSeconds: 1,
});

let nextUser = 65_000;
async function customers(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = nextUser++;
    await sb.customer(id).send("hi");
    await registerOnStart(bed.db, {
      telegramId: id,
      username: null,
      firstName: "B",
      referrerId: null,
    });
    ids.push(id);
  }
  return ids;
}

async function messagesTo(ids: number[], text: string): Promise<number[]> {
  const sends = (await sb.calls("telegram", "sendMessage")).filter(
    (c) => c.status === 200 && (c.request as { text: string }).text === text,
  );
  return ids.map(
    (id) => sends.filter((c) => Number((c.request as { chat_id: number }).chat_id) === id).length,
  );
}

async function runUntilFinished(broadcastId: number, maxIterations = 30): Promise<void> {
  for (let i = 0; i < maxIterations && !reports.some((r) => r.broadcastId === broadcastId); i++) {
    await sender(iterationContext());
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("broadcast sender", () => {
  it("sends each recipient once, records the ones who blocked the bot, and reports once", async () => {
    const ids = await customers(30);
    const blocked = ids.slice(0, 3);
    for (const id of blocked) await sb.customer(id).block();
    expect(await countSegment(worker, "all")).toBeGreaterThanOrEqual(30);
    const { broadcastId, recipients } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "Hello, all",
    });
    expect(recipients).toBeGreaterThanOrEqual(30);
    await runUntilFinished(broadcastId);
    const report = reports.find((r) => r.broadcastId === broadcastId);
    expect(report?.counts).toMatchObject({
      sent: recipients - 3,
      blocked: 3,
      pending: 0,
      sending: 0,
    });
    expect(await messagesTo(ids.slice(3), "Hello, all")).toEqual(new Array(27).fill(1));
    // Blocked customers are marked unreachable, so the next broadcast skips them.
    expect(await countSegment(worker, "all")).toBe(recipients - 3);
    await sender(iterationContext());
    expect(reports.filter((r) => r.broadcastId === broadcastId)).toHaveLength(1);
  });

  it("honours retry_after by pausing, then resumes without sending anyone twice", async () => {
    const ids = await customers(10);
    await fault(bed.sandbox, {
      target: "telegram",
      mode: "rate_limit",
      retry_after: 2,
      duration_ms: 1_500,
      methods: ["sendMessage"],
    });
    const { broadcastId } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "Paused then resumed",
    });
    const first = await sender(iterationContext());
    expect(first.counts).toMatchObject({ paused: 1, sent: 0 });
    await clearFaults(bed.sandbox);
    expect((await sender(iterationContext())).counts).toMatchObject({ claimed: 0 });
    await new Promise((r) => setTimeout(r, 2_100));
    await runUntilFinished(broadcastId);
    expect(await messagesTo(ids, "Paused then resumed")).toEqual(new Array(10).fill(1));
  });

  it("pauses while Telegram is unreachable and resumes: everyone gets it exactly once", async () => {
    const ids = await customers(120);
    const { broadcastId, recipients } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "Through an outage",
    });
    const sending = (async () => {
      for (let i = 0; i < 200 && !reports.some((r) => r.broadcastId === broadcastId); i++) {
        await sender(iterationContext());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Telegram goes away mid-broadcast: connections are reset, nothing arrives.
    await until(async () => (await messagesTo(ids, "Through an outage")).some((n) => n > 0));
    await fault(bed.sandbox, { target: "telegram", mode: "down", duration_ms: 2_500 });
    await sending;
    const report = reports.find((r) => r.broadcastId === broadcastId);
    expect(report?.counts).toMatchObject({ sent: recipients, unknown: 0, failed: 0 });
    expect(await messagesTo(ids, "Through an outage")).toEqual(new Array(120).fill(1));
    const resets = (await sb.calls("telegram", "sendMessage")).filter((c) => c.status === 0);
    expect(resets.length).toBeGreaterThan(0);
  });

  it("never resends a message whose send was interrupted by a crash", async () => {
    const ids = await customers(4);
    const { broadcastId } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "After a crash",
    });
    // A previous process claimed these and died before recording the outcome.
    const claimedBeforeCrash = await claimRecipients(worker, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(await markInterruptedDeliveries(worker, 10)).toBe(2);
    await runUntilFinished(broadcastId);
    const report = reports.find((r) => r.broadcastId === broadcastId);
    expect(report?.counts.unknown).toBe(2);
    const crashed = new Set(claimedBeforeCrash.map((c) => c.userId));
    const counts = await messagesTo(ids, "After a crash");
    expect(counts).toEqual(ids.map((id) => (crashed.has(id) ? 0 : 1)));
  });

  it("finishes a broadcast whose claims a crash left behind after the restart, too", async () => {
    const ids = await customers(3);
    const { broadcastId } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "Restarted quickly",
    });
    // Claimed by a process that was killed and restarted within seconds: too fresh for the
    // start-up sweep. Later iterations find them once they are older than a send could last.
    const stranded = await claimRecipients(worker, 1);
    await worker.query(
      "age",
      "UPDATE broadcast_recipients SET claimed_at = now() - interval '6 minutes' WHERE status = 'sending'",
    );
    await runUntilFinished(broadcastId);
    const report = reports.find((r) => r.broadcastId === broadcastId);
    expect(report?.counts).toMatchObject({ unknown: 1, sending: 0, pending: 0 });
    const counts = await messagesTo(ids, "Restarted quickly");
    expect(counts).toEqual(ids.map((id) => (id === stranded[0]?.userId ? 0 : 1)));
  });
});
