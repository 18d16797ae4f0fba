import { beforeEach, describe, expect, it } from "vitest";
import {
  queueNotices,
  type SendOnceDeps,
  sendNoticeOnce,
} from "../../src/domain/notifications/send-once.js";
import { silentLogger } from "../../src/logger.js";
import { activationIteration } from "../../src/workers/activation.js";
import { noticeRetryIteration } from "../../src/workers/notices.js";
import { sandboxClient } from "../support/driver.js";
import { customerWithSubscription } from "../support/fixtures.js";
import { clearFaults, fault } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const worker = bed.db.forKind("worker");
// Short pauses so a retry is due within the test; the rule is the production one otherwise.
const notices: SendOnceDeps = {
  db: worker,
  notifier: bed.notifier,
  logger: silentLogger(),
  retry: { firstPauseMs: 100, maxPauseMs: 400, giveUpAfterMs: 60_000 },
};
const activation = activationIteration({
  provisioning: bed.provisioning,
  notices,
  batchSize: 50,
  concurrency: 3,
  alertAfterAttempts: 100,
  alertOperator: async () => {},
});
const retries = noticeRetryIteration({ notices, batchSize: 25, interruptedAfterMs: 60_000 });

let nextUser = 66_000;
async function customers(n: number) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const userId = nextUser++;
    await sb.customer(userId).send("hi");
    list.push({ userId, ...(await customerWithSubscription(bed.db, userId, 30 * 86_400)) });
  }
  return list;
}

/** Activation notices each customer received (messages with their key). */
async function keyNotices(userIds: number[]): Promise<number[]> {
  const sends = (await sb.calls("telegram")).filter((c) => {
    const r = c.request as { text?: string; caption?: string } | null;
    return c.status === 200 && String(r?.text ?? r?.caption).includes("vless://");
  });
  return userIds.map(
    (id) => sends.filter((c) => Number((c.request as { chat_id: number }).chat_id) === id).length,
  );
}

async function retryUntilSettled(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const { rows } = await bed.db.query<{ n: number }>(
      "test",
      "SELECT count(*)::int AS n FROM notifications WHERE status IN ('failed', 'sending') AND next_attempt_at IS NOT NULL",
    );
    if ((rows[0]?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 150));
    await retries(iterationContext());
  }
}

describe("notices that did not arrive are retried until delivered", () => {
  beforeEach(async () => {
    await clearFaults(bed.sandbox);
  });

  it("activation notices during a Telegram outage: every customer is told once afterwards", async () => {
    const list = await customers(9);
    await fault(bed.sandbox, { target: "telegram", mode: "down", duration_ms: 3_000 });
    const report = await activation(iterationContext());
    expect(report.counts).toMatchObject({ activated: 9, notified: 0 });
    const ids = list.map((c) => c.userId);
    expect(await keyNotices(ids)).toEqual(new Array(9).fill(0));
    // Not delivered is not "maybe delivered": each waits for its retry.
    const { rows } = await bed.db.query<{ status: string; due: boolean }>(
      "test",
      "SELECT status, next_attempt_at IS NOT NULL AS due FROM notifications WHERE user_id = ANY($1)",
      [ids],
    );
    expect(rows).toEqual(new Array(9).fill({ status: "failed", due: true }));

    await new Promise((r) => setTimeout(r, 3_100));
    await retryUntilSettled();
    expect(await keyNotices(ids)).toEqual(new Array(9).fill(1));
    const { rows: after } = await bed.db.query<{ status: string }>(
      "test",
      "SELECT status FROM notifications WHERE user_id = ANY($1)",
      [ids],
    );
    expect(after.map((r) => r.status)).toEqual(new Array(9).fill("sent"));
  });

  it("an activation notice refused with 429 is sent again after retry_after", async () => {
    const [c] = await customers(1);
    if (!c) throw new Error("no customer");
    // Longer than the bot's own bounded wait (2 s here): the notice is given back, not lost.
    await fault(bed.sandbox, {
      target: "telegram",
      mode: "rate_limit",
      retry_after: 3,
      duration_ms: 2_000,
      methods: ["sendMessage", "sendPhoto"],
    });
    await activation(iterationContext());
    expect(await keyNotices([c.userId])).toEqual([0]);
    const [row] = (
      await bed.db.query<{ wait: number }>(
        "test",
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 AS wait FROM notifications WHERE user_id = $1",
        [c.userId],
      )
    ).rows;
    expect(row?.wait).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 3_100));
    await retryUntilSettled();
    expect(await keyNotices([c.userId])).toEqual([1]);
  });

  it("a notice that may have arrived (a timeout) is unknown and never repeated", async () => {
    const [c] = await customers(1);
    if (!c) throw new Error("no customer");
    const slow: SendOnceDeps = {
      ...notices,
      notifier: {
        send: async () => {
          const err = new Error("Telegram sendMessage did not answer within 10 ms");
          err.name = "TelegramTimeoutError";
          throw err;
        },
      },
    };
    const result = await sendNoticeOnce(
      slow,
      { userId: c.userId, subscriptionId: c.subscriptionId },
      { kind: "trial_nudge" },
    );
    expect(result).toBe("unknown");
    await retries(iterationContext());
    const { rows } = await bed.db.query<{ status: string; next: Date | null }>(
      "test",
      "SELECT status, next_attempt_at AS next FROM notifications WHERE user_id = $1",
      [c.userId],
    );
    expect(rows).toEqual([{ status: "unknown", next: null }]);
  });

  it("queued notices go out in one pass, a notice Telegram refuses for good holding none up", async () => {
    // The first customer never opened the chat: Telegram answers "chat not found" (400).
    const stranger = nextUser++;
    const lost = await customerWithSubscription(bed.db, stranger, 30 * 86_400);
    const list = await customers(4);
    const targets = [{ userId: stranger, ...lost }, ...list];
    for (const t of targets) {
      const queued = await worker.tx("test", (c) =>
        queueNotices(c, [
          {
            target: { userId: t.userId, subscriptionId: t.subscriptionId, cycle: new Date(0) },
            notice: { kind: "subscription_expired" },
          },
        ]),
      );
      expect(queued).toBe(1);
    }
    // The same slot is never queued twice.
    const again = await worker.tx("test", (c) =>
      queueNotices(c, [
        {
          target: { userId: stranger, subscriptionId: lost.subscriptionId, cycle: new Date(0) },
          notice: { kind: "subscription_expired" },
        },
      ]),
    );
    expect(again).toBe(0);
    const sender = noticeRetryIteration({
      notices,
      batchSize: 2,
      concurrency: 2,
      perSecond: 50,
      interruptedAfterMs: 60_000,
    });
    const report = await sender(iterationContext());
    expect(report.counts).toMatchObject({ due: 5, sent: 4, failed: 1 });
    const { rows } = await bed.db.query<{ user_id: string; status: string; attempts: number }>(
      "test",
      `SELECT user_id, status, attempts FROM notifications
        WHERE subscription_id = ANY($1::bigint[]) ORDER BY user_id`,
      [targets.map((t) => t.subscriptionId)],
    );
    expect(rows).toEqual(
      targets.map((t) => ({
        user_id: String(t.userId),
        status: t.userId === stranger ? "failed" : "sent",
        attempts: 1,
      })),
    );
    // Refused for good: not tried again.
    expect((await sender(iterationContext())).counts).toMatchObject({ due: 0 });
  });

  it("settles sends cut off by a crash on every pass, not only at start", async () => {
    const [c] = await customers(1);
    if (!c) throw new Error("no customer");
    await bed.db.query(
      "test",
      `INSERT INTO notifications (user_id, subscription_id, kind, status, claimed_at)
       VALUES ($1, $2, 'reminder_3d', 'sending', now() - interval '5 minutes')`,
      [c.userId, c.subscriptionId],
    );
    const report = await retries(iterationContext());
    expect(report.counts).toMatchObject({ interrupted: 1 });
    // Settled once: the next pass finds nothing left cut off.
    expect((await retries(iterationContext())).counts).toMatchObject({ interrupted: 0 });
    const { rows } = await bed.db.query<{ status: string }>(
      "test",
      "SELECT status FROM notifications WHERE user_id = $1",
      [c.userId],
    );
    expect(rows).toEqual([{ status: "unknown" }]);
  });
});
