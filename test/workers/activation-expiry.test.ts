import { beforeEach, describe, expect, it } from "vitest";
import { createPromoCode } from "../../src/domain/billing/promo.js";
import { createPurchase } from "../../src/domain/billing/purchases.js";
import { activationIteration } from "../../src/workers/activation.js";
import { fastExpiryIteration } from "../../src/workers/fast-expiry.js";
import { noticeRetryIteration } from "../../src/workers/notices.js";
import { sandboxClient } from "../support/driver.js";
import {
  customerWithSubscription,
  extendSubscription,
  subscriptionRow,
} from "../support/fixtures.js";
import { clearFaults, fault, vpnUsers } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const notices = {
  db: bed.db.forKind("worker"),
  notifier: bed.notifier,
  logger: bed.provisioning.logger,
};
const alerts: string[] = [];
const activation = activationIteration({
  provisioning: bed.provisioning,
  notices,
  batchSize: 20,
  concurrency: 3,
  alertAfterAttempts: 2,
  alertOperator: async (text) => {
    alerts.push(text);
  },
});
const fastExpiry = fastExpiryIteration({
  db: bed.db.forKind("worker"),
  provisioning: bed.provisioning,
  batchSize: 20,
  concurrency: 3,
});
const noticeSender = noticeRetryIteration({
  notices,
  batchSize: 20,
  concurrency: 3,
  perSecond: 100,
  interruptedAfterMs: 60_000,
});

let nextUser = 61_000;
async function customer(seconds: number) {
  const userId = nextUser++;
  // The customer has talked to the bot, so the Telegram stand-in knows the chat.
  await sb.customer(userId).send("hi");
  const sub = await customerWithSubscription(bed.db, userId, seconds);
  return { userId, ...sub };
}

describe("activation worker", () => {
  beforeEach(async () => {
    await clearFaults(bed.sandbox);
    await bed.db.query("reset", "UPDATE subscriptions SET next_activation_at = NULL");
  });

  it("activates pending subscriptions and tells each customer once", async () => {
    const a = await customer(30 * 86_400);
    const b = await customer(7 * 86_400);
    const report = await activation(iterationContext());
    expect(report.counts).toMatchObject({ claimed: 2, activated: 2, notified: 2, failed: 0 });
    for (const c of [a, b]) {
      expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({
        status: "active",
        in_sync: true,
      });
      const message = await sb
        .customer(c.userId)
        .waitForMessage((m) => (m.text ?? m.caption ?? "").includes("vless://"));
      expect(message.caption).toContain(c.uuid);
    }
    expect((await vpnUsers(bed.sandbox)).map((u) => u.uuid)).toEqual(
      expect.arrayContaining([a.uuid, b.uuid]),
    );
    // Nothing left to do: a second iteration claims nothing and sends nothing.
    expect((await activation(iterationContext())).counts).toMatchObject({
      claimed: 0,
      notified: 0,
    });
  });

  it("keeps them pending while the VPN API is down, alerts the operator, then catches up", async () => {
    const c = await customer(86_400);
    await fault(bed.sandbox, { target: "vpn", mode: "down" });
    const first = await activation(iterationContext());
    expect(first).toMatchObject({ outcome: "degraded", counts: { claimed: 1, failed: 1 } });
    await bed.db.query("retry_now", "UPDATE subscriptions SET next_activation_at = NULL");
    await activation(iterationContext());
    expect(alerts.some((a) => a.includes(`user ${c.userId}`))).toBe(true);
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({
      status: "pending",
      activation_attempts: 2,
    });

    await clearFaults(bed.sandbox);
    await bed.db.query("retry_now", "UPDATE subscriptions SET next_activation_at = NULL");
    expect((await activation(iterationContext())).counts).toMatchObject({
      activated: 1,
      notified: 1,
    });
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({
      status: "active",
      activation_attempts: 0,
    });
  });

  it("survives a Telegram 429 storm: the key is live, the notice is retried within bounds", async () => {
    const c = await customer(86_400);
    await fault(bed.sandbox, {
      target: "telegram",
      mode: "rate_limit",
      retry_after: 1,
      duration_ms: 1_500,
    });
    const report = await activation(iterationContext());
    expect(report.counts).toMatchObject({ activated: 1 });
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({ status: "active" });
    const message = await sb
      .customer(c.userId)
      .waitForMessage((m) => (m.text ?? m.caption ?? "").includes("vless://"), 8_000);
    expect(message.caption).toContain(c.uuid);
  });
});

describe("fast-expiry worker", () => {
  beforeEach(async () => {
    await clearFaults(bed.sandbox);
  });

  it("removes the key of an overdue subscription, marks it expired and tells the customer", async () => {
    const c = await customer(-30);
    // Its key is on the server (as it was before the time ran out).
    await bed.provisioning.vpn.add({ uuid: c.uuid, telegramId: c.userId, expiresAt: new Date() });
    const report = await fastExpiry(iterationContext());
    expect(report.counts).toMatchObject({ claimed: 1, expired: 1, notices_queued: 1 });
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({ status: "expired" });
    expect((await vpnUsers(bed.sandbox)).map((u) => u.uuid)).not.toContain(c.uuid);
    // The notice sender delivers the queued notice.
    expect((await noticeSender(iterationContext())).counts).toMatchObject({ due: 1, sent: 1 });
    await sb.customer(c.userId).waitForMessage();
    expect((await fastExpiry(iterationContext())).counts).toMatchObject({ claimed: 0 });
  });

  it("queues the expired notice with the expiry: sent once, also when the process stops between them", async () => {
    const paid = await customer(-30);
    const trial = await customer(-30);
    await bed.db.query("trial", "UPDATE subscriptions SET is_trial = true WHERE id = $1", [
      trial.subscriptionId,
    ]);
    const sendsTo = async (userId: number) =>
      (await sb.calls("telegram")).filter(
        (call) =>
          call.status === 200 &&
          Number((call.request as { chat_id?: number } | null)?.chat_id) === userId,
      ).length;
    // The expiry is recorded and the sweep ends: nothing has gone to Telegram yet, and the
    // notice is in the database, committed with the expiry.
    expect((await fastExpiry(iterationContext())).counts).toMatchObject({
      expired: 2,
      notices_queued: 1,
    });
    expect(await sendsTo(paid.userId)).toBe(0);
    const queued = await bed.db.query<{ user_id: string; status: string }>(
      "read_back",
      `SELECT user_id, status FROM notifications
        WHERE kind = 'subscription_expired' AND subscription_id = ANY($1::bigint[])`,
      [[paid.subscriptionId, trial.subscriptionId]],
    );
    expect(queued.rows).toEqual([{ user_id: String(paid.userId), status: "failed" }]);
    // A later sender (another process) delivers it once; passes after that find nothing.
    expect((await noticeSender(iterationContext())).counts).toMatchObject({ sent: 1 });
    expect((await noticeSender(iterationContext())).counts).toMatchObject({ due: 0, sent: 0 });
    expect(await sendsTo(paid.userId)).toBe(1);
    expect(await sendsTo(trial.userId)).toBe(0);
    const { rows } = await bed.db.query<{ status: string; attempts: number }>(
      "read_back",
      "SELECT status, attempts FROM notifications WHERE subscription_id = $1",
      [paid.subscriptionId],
    );
    expect(rows).toEqual([{ status: "sent", attempts: 1 }]);
  });

  it("leaves it for the next iteration while the VPN API hangs, holding no connection", async () => {
    const c = await customer(-30);
    await fault(bed.sandbox, { target: "vpn", mode: "hang" });
    const report = await fastExpiry(iterationContext());
    expect(report).toMatchObject({ outcome: "degraded", counts: { failed: 1, expired: 0 } });
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({
      status: "pending",
      claim_token: null,
    });
    expect((await bed.metrics.dbHeldDuringNetwork.get()).values[0]?.value ?? 0).toBe(0);
    await clearFaults(bed.sandbox);
    expect((await fastExpiry(iterationContext())).counts).toMatchObject({ expired: 1 });
  });

  it("never expires a subscription renewed while its removal was in flight", async () => {
    const c = await customer(-30);
    await fault(bed.sandbox, { target: "vpn", mode: "latency", latency_ms: 400 });
    const running = fastExpiry(iterationContext());
    await new Promise((r) => setTimeout(r, 150));
    await extendSubscription(bed.db, c.subscriptionId, 30 * 86_400);
    expect((await running).counts).toMatchObject({
      superseded: 1,
      expired: 0,
      notices_queued: 0,
    });
    expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({
      status: "active",
      in_sync: true,
    });
  });

  it("claims in chunks as the lanes need them, never more than the batch size an iteration", async () => {
    const small = fastExpiryIteration({
      db: bed.db.forKind("worker"),
      provisioning: bed.provisioning,
      batchSize: 3,
      concurrency: 1,
    });
    const overdue = [await customer(-30), await customer(-30), await customer(-30)];
    overdue.push(await customer(-30));
    expect((await small(iterationContext())).counts).toMatchObject({
      claimed: 3,
      expired: 3,
      released: 0,
    });
    expect((await small(iterationContext())).counts).toMatchObject({ claimed: 1, expired: 1 });
    for (const c of overdue) {
      expect(await subscriptionRow(bed.db, c.subscriptionId)).toMatchObject({ status: "expired" });
    }
    // Out of time before the first row: what was claimed goes back, due again.
    const late = await customer(-30);
    const spent = { ...iterationContext(), deadline: Date.now() - 1 };
    expect((await small(spent)).counts).toMatchObject({ expired: 0 });
    expect(await subscriptionRow(bed.db, late.subscriptionId)).toMatchObject({
      status: "pending",
      claim_token: null,
    });
    expect((await small(iterationContext())).counts).toMatchObject({ claimed: 1, expired: 1 });
  });

  it("expires unpaid purchases past their payment window and releases their promo use", async () => {
    const c = await customer(30 * 86_400);
    const code = `WINDOW${c.userId}`;
    await createPromoCode(bed.db, { adminId: 1, code, percent: 10, maxUses: 1, expiresAt: null });
    const created = await createPurchase(
      bed.db,
      {
        kind: "subscription",
        userId: c.userId,
        plan: "basic",
        periodDays: 30,
        method: "card",
        promoCode: code,
      },
      3_600,
    );
    if (created.outcome !== "created") throw new Error(created.outcome);
    const promoCount = () =>
      bed.db
        .query<{ reserved_count: number }>(
          "read_back",
          "SELECT reserved_count FROM promo_codes WHERE code = $1",
          [code],
        )
        .then((r) => r.rows[0]?.reserved_count);
    expect(await promoCount()).toBe(1);

    // Still inside its window: left alone.
    expect((await fastExpiry(iterationContext())).counts).toMatchObject({ expired_purchases: 0 });
    await bed.db.query(
      "age",
      "UPDATE purchases SET expires_at = now() - interval '1 second' WHERE id = $1",
      [created.purchase.id],
    );
    expect((await fastExpiry(iterationContext())).counts).toMatchObject({ expired_purchases: 1 });
    const { rows } = await bed.db.query("read_back", "SELECT status FROM purchases WHERE id = $1", [
      created.purchase.id,
    ]);
    expect(rows).toEqual([{ status: "expired" }]);
    expect(await promoCount()).toBe(0);
  });
});
