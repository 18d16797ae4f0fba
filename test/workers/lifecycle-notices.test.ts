import { beforeEach, describe, expect, it } from "vitest";
import { adjustBalanceByAdmin } from "../../src/domain/billing/admin-balance.js";
import { silentLogger } from "../../src/logger.js";
import { autoRenewalIteration } from "../../src/workers/auto-renewal.js";
import { remindersIteration } from "../../src/workers/reminders.js";
import { trialNotificationsIteration } from "../../src/workers/trial-notifications.js";
import { sandboxClient } from "../support/driver.js";
import { customerWithSubscription, extendSubscription } from "../support/fixtures.js";
import { clearFaults } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const sb = sandboxClient(bed.sandbox.url);
const worker = bed.db.forKind("worker");
const notices = { db: worker, notifier: bed.notifier, logger: silentLogger() };
const reminders = remindersIteration({ db: worker, notices, batchSize: 50 });
const trials = trialNotificationsIteration({ db: worker, notices, batchSize: 50 });
const autoRenewalWith = (batchSize: number) =>
  autoRenewalIteration({
    db: worker,
    metrics: bed.metrics,
    logger: silentLogger(),
    provisioning: bed.provisioning,
    notices,
    windowSeconds: 6 * 3600,
    batchSize,
  });
const autoRenewal = autoRenewalWith(50);

let nextUser = 63_000;
async function talking(): Promise<number> {
  const userId = nextUser++;
  await sb.customer(userId).send("hi");
  return userId;
}

async function sentKinds(userId: number): Promise<string[]> {
  const { rows } = await bed.db.query<{ kind: string }>(
    "sent",
    "SELECT kind FROM notifications WHERE user_id = $1 AND status = 'sent' ORDER BY id",
    [userId],
  );
  return rows.map((r) => r.kind);
}

/** A trial activated `hoursAgo` hours ago, lasting `hours` hours (grant rows are append-only). */
async function trialStartedAgo(userId: number, hoursAgo: number, hours: number): Promise<number> {
  return bed.db.tx("fixture_trial", async (c) => {
    await c.query("INSERT INTO users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING", [userId]);
    const start = `now() - make_interval(hours => ${hoursAgo})`;
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO subscriptions (user_id, expires_at, is_trial)
       VALUES ($1, ${start} + make_interval(hours => $2::int), true) RETURNING id`,
      [userId, hours],
    );
    await c.query(
      `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
       SELECT id, user_id, 'trial', $2::int * 3600, ${start}, expires_at FROM subscriptions WHERE id = $1`,
      [rows[0]?.id, hours],
    );
    await c.query("UPDATE users SET trial_used_at = now() WHERE telegram_id = $1", [userId]);
    return Number(rows[0]?.id);
  });
}

describe("reminders", () => {
  beforeEach(() => clearFaults(bed.sandbox));

  it("sends only the nearest due reminder, once, before expiry", async () => {
    const userId = await talking();
    // Bought 20 hours before the end: the 3-day reminder is due too, but only 24 h goes out.
    await customerWithSubscription(bed.db, userId, 20 * 3600);
    expect((await reminders(iterationContext())).counts).toMatchObject({ sent: 1 });
    expect((await reminders(iterationContext())).counts).toMatchObject({ due: 0, sent: 0 });
    expect(await sentKinds(userId)).toEqual(["reminder_24h"]);
    expect((await sb.customer(userId).lastMessage())?.text).toBeTruthy();
  });

  it("sends nothing once renewed, and nothing for a subscription far from its end", async () => {
    const userId = await talking();
    const { subscriptionId } = await customerWithSubscription(bed.db, userId, 2 * 3600);
    await extendSubscription(bed.db, subscriptionId, 30 * 86_400);
    const far = await talking();
    await customerWithSubscription(bed.db, far, 10 * 86_400);
    await reminders(iterationContext());
    expect(await sentKinds(userId)).toEqual([]);
    expect(await sentKinds(far)).toEqual([]);
  });
});

describe("trial notifications", () => {
  it("nudges 6 hours in, then 'ends soon', 'last hours' and 'trial over' — each once", async () => {
    const nudged = await talking();
    await trialStartedAgo(nudged, 7, 72);
    const endsSoon = await talking();
    await trialStartedAgo(endsSoon, 50, 72);
    const lastHours = await talking();
    await trialStartedAgo(lastHours, 70, 72);
    const over = await talking();
    await trialStartedAgo(over, 73, 72);
    const fresh = await talking();
    await trialStartedAgo(fresh, 1, 72);

    expect((await trials(iterationContext())).counts).toMatchObject({ sent: 4 });
    expect((await trials(iterationContext())).counts).toMatchObject({ due: 0 });
    expect(await sentKinds(nudged)).toEqual(["trial_nudge"]);
    expect(await sentKinds(endsSoon)).toEqual(["trial_ends_soon"]);
    expect(await sentKinds(lastHours)).toEqual(["trial_last_hours"]);
    expect(await sentKinds(over)).toEqual(["trial_over"]);
    expect(await sentKinds(fresh)).toEqual([]);
  });

  it("nudges once per trial: extra time granted afterwards does not send it again", async () => {
    const userId = await talking();
    const subscriptionId = await trialStartedAgo(userId, 7, 72);
    expect((await trials(iterationContext())).counts).toMatchObject({ sent: 1 });
    await extendSubscription(bed.db, subscriptionId, 2 * 86_400);
    await trials(iterationContext());
    expect(await sentKinds(userId)).toEqual(["trial_nudge"]);
  });

  it("skips customers who blocked the bot", async () => {
    const userId = await talking();
    await trialStartedAgo(userId, 71, 72);
    await bed.db.query("block", "UPDATE users SET reachable = false WHERE telegram_id = $1", [
      userId,
    ]);
    await trials(iterationContext());
    expect(await sentKinds(userId)).toEqual([]);
  });
});

describe("auto-renewal", () => {
  it("asks for money once per cycle, renews after a top-up, and never twice", async () => {
    const userId = await talking();
    const { subscriptionId } = await customerWithSubscription(bed.db, userId, 2 * 3600);
    await bed.db.query(
      "fixture_auto_renew",
      "UPDATE subscriptions SET auto_renew = true, last_plan = 'basic', last_period_days = 30 WHERE id = $1",
      [subscriptionId],
    );
    expect((await autoRenewal(iterationContext())).counts).toMatchObject({
      insufficient: 1,
      notified: 1,
    });
    // Retried every iteration until expiry, but the customer is told once.
    expect((await autoRenewal(iterationContext())).counts).toMatchObject({
      insufficient: 1,
      notified: 0,
    });
    expect(await sentKinds(userId)).toEqual(["auto_renew_insufficient"]);

    await adjustBalanceByAdmin(bed.db, { adminId: 1, userId, deltaKopecks: 20_000 });
    expect((await autoRenewal(iterationContext())).counts).toMatchObject({
      renewed: 1,
      notified: 1,
    });
    expect((await autoRenewal(iterationContext())).counts).toMatchObject({ due: 0 });
    expect(await sentKinds(userId)).toEqual(["auto_renew_insufficient", "auto_renew_success"]);
    const { rows } = await bed.db.query<{ balance_kopecks: string; days: number; status: string }>(
      "check",
      `SELECT u.balance_kopecks, s.status,
              round(extract(epoch FROM s.expires_at - now()) / 86400)::int AS days
         FROM users u JOIN subscriptions s ON s.user_id = u.telegram_id WHERE u.telegram_id = $1`,
      [userId],
    );
    expect(rows[0]).toEqual({ balance_kopecks: "5100", days: 30, status: "active" });
  });

  it("never lets customers who cannot pay crowd out one who can", async () => {
    const smallBatch = autoRenewalWith(2);
    const autoRenewing = async (userId: number, seconds: number) => {
      const { subscriptionId } = await customerWithSubscription(bed.db, userId, seconds);
      await bed.db.query(
        "fixture_auto_renew",
        "UPDATE subscriptions SET auto_renew = true, last_plan = 'basic', last_period_days = 30 WHERE id = $1",
        [subscriptionId],
      );
    };
    // Two without money expire first; the customer with money expires later.
    const broke = [await talking(), await talking()];
    for (const userId of broke) await autoRenewing(userId, 3600);
    const payer = await talking();
    await autoRenewing(payer, 2 * 3600);
    await adjustBalanceByAdmin(bed.db, { adminId: 1, userId: payer, deltaKopecks: 20_000 });

    expect((await smallBatch(iterationContext())).counts).toMatchObject({ insufficient: 2 });
    // Told once and nothing changed: they go to the back of the queue.
    expect((await smallBatch(iterationContext())).counts).toMatchObject({ renewed: 1 });
    expect(await sentKinds(payer)).toEqual(["auto_renew_success"]);
  });
});
