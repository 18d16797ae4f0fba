import { Bot } from "grammy";
import { describe, expect, it } from "vitest";
import { installApiGuard } from "../../src/bot/api-guard.js";
import { sendBroadcastMessage } from "../../src/bot/broadcast-message.js";
import { DEFAULT_BOT_OPTIONS } from "../../src/bot/options.js";
import { type BroadcastReport, broadcastCounts } from "../../src/domain/broadcasts/broadcasts.js";
import * as users from "../../src/domain/customers/users.js";
import { silentLogger } from "../../src/logger.js";
import { broadcastIteration } from "../../src/workers/broadcast.js";
import { until } from "../bot/support/testbed.js";
import { startBroadcast } from "../support/broadcasts.js";
import { sandboxClient } from "../support/driver.js";
import { clearFaults, fault } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

/**
 * 2 000 customers and a storm of 429s in the middle of the broadcast: the sender pauses for
 * Telegram's retry_after (the API guard does not sit the storm out: its retry budget is 0 s
 * here), gives the unsent claims back and resumes — every customer gets the message exactly once.
 */
const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const worker = bed.db.forKind("worker");
const bot = new Bot(bed.sandbox.botToken, { client: { apiRoot: bed.sandbox.url } });
installApiGuard(bot.api, {
  scope: bed.scope,
  metrics: bed.metrics,
  logger: silentLogger(),
  options: { ...DEFAULT_BOT_OPTIONS, maxRetryDelaySeconds: 0 },
  onUnreachable: (id) => users.markUnreachable(bed.db, id),
});
const reports: BroadcastReport[] = [];
const sender = broadcastIteration({
  db: worker,
  transport: {
    send: (userId, message, signal) => sendBroadcastMessage(bot.api, userId, message, signal),
  },
  report: async (r) => {
    reports.push(r);
  },
  batchSize: 100,
  interruptedAfterMs: 5 * 60_000,
  unreachablePauseSeconds: 1,
});

const COUNT = 2_000;
const FIRST = 70_000;

async function inChunks(n: number, size: number, run: (i: number) => Promise<unknown>) {
  for (let start = 0; start < n; start += size) {
    await Promise.all(Array.from({ length: Math.min(size, n - start) }, (_, k) => run(start + k)));
  }
}

describe("a broadcast to 2 000 customers through a 429 storm", () => {
  it("reaches each customer exactly once", { timeout: 60_000 }, async () => {
    const t0 = Date.now();
    await inChunks(COUNT, 100, (i) => sb.customer(FIRST + i).send("hi"));
    // The customers as /start registers them, in one statement.
    await bed.db.query(
      "seed",
      `INSERT INTO users (telegram_id, first_name)
       SELECT g, 'S' FROM generate_series($1::bigint, $2::bigint) g`,
      [FIRST, FIRST + COUNT - 1],
    );
    const seeded = Date.now() - t0;
    const { broadcastId, recipients } = await startBroadcast(worker, {
      adminId: 1,
      segment: "all",
      textA: "Storm <b>news</b>",
    });
    expect(recipients).toBe(COUNT);

    const sending = (async () => {
      for (let i = 0; i < 400 && !reports.some((r) => r.broadcastId === broadcastId); i++) {
        await sender({ ...iterationContext(), deadline: Date.now() + 3_000 });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Midway, Telegram starts answering 429 to half the sends for two seconds.
    await until(
      async () => (await broadcastCounts(worker, broadcastId)).byStatus.sent >= COUNT / 3,
      30_000,
      "a third sent",
    );
    await fault(bed.sandbox, {
      target: "telegram",
      mode: "rate_limit",
      retry_after: 1,
      probability: 0.5,
      duration_ms: 2_000,
      methods: ["sendMessage"],
    });
    await sending;
    await clearFaults(bed.sandbox);

    const report = reports.find((r) => r.broadcastId === broadcastId);
    expect(report?.counts).toMatchObject({ sent: COUNT, failed: 0, blocked: 0, unknown: 0 });
    const calls = await sb.calls("telegram", "sendMessage");
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    const delivered = new Map<number, number>();
    for (const c of calls) {
      const request = c.request as { chat_id: number; text: string };
      if (c.status !== 200 || request.text !== "Storm <b>news</b>") continue;
      const id = Number(request.chat_id);
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
    }
    expect(delivered.size).toBe(COUNT);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    // Seeding and sending are timed apart: the sending is what the broadcast costs.
    expect(Date.now() - t0 - seeded).toBeLessThan(50_000);
  });
});
