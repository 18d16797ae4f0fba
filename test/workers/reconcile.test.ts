import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { provisionSubscription } from "../../src/domain/subscriptions/provisioning.js";
import {
  databaseNow,
  markMissingForProvisioning,
} from "../../src/domain/subscriptions/server-keys.js";
import { reconcileIteration } from "../../src/workers/reconcile.js";
import { customerWithSubscription } from "../support/fixtures.js";
import { vpnUsers } from "../support/sandbox.js";
import { iterationContext, workerBed } from "./support.js";

const bed = await workerBed();
const worker = bed.db.forKind("worker");
const reconcile = (
  options: Partial<{ dryRun: boolean; removeForeign: boolean; graceMs: number }> = {},
) =>
  reconcileIteration({
    db: worker,
    vpn: bed.provisioning.vpn,
    metrics: bed.metrics,
    options: { dryRun: false, removeForeign: false, graceMs: 0, maxRemovals: 100, ...options },
  })(iterationContext());

let nextUser = 64_000;
const onServer = async () => (await vpnUsers(bed.sandbox)).map((u) => u.uuid);

describe("reconcile", () => {
  it("re-adds live keys missing on the server, removes only expired keys it issued, leaves foreign ones", async () => {
    const live = await customerWithSubscription(bed.db, nextUser++, 30 * 86_400);
    await provisionSubscription(bed.provisioning, live.subscriptionId);
    const expired = await customerWithSubscription(bed.db, nextUser++, 30 * 86_400);
    await provisionSubscription(bed.provisioning, expired.subscriptionId);
    // Its time ran out and fast expiry has not reached it yet: reconcile is the safety net.
    await bed.db.tx("fixture_expire", async (c) => {
      await c.query(
        `WITH old AS (SELECT id, user_id, expires_at FROM subscriptions WHERE id = $1),
              upd AS (UPDATE subscriptions s SET expires_at = now() - interval '1 hour', status = 'expired'
                        FROM old WHERE s.id = old.id RETURNING s.id, s.user_id, s.expires_at)
         INSERT INTO subscription_grants (subscription_id, user_id, kind, granted_at, expires_before, expires_after)
         SELECT upd.id, upd.user_id, 'revoke', now(), old.expires_at, upd.expires_at FROM upd JOIN old USING (id)`,
        [expired.subscriptionId],
      );
    });
    const foreign = randomUUID();
    await bed.provisioning.vpn.add({
      uuid: foreign,
      telegramId: 1,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await bed.provisioning.vpn.remove(live.uuid); // lost on the server (e.g. a restored Xray config)

    const dry = await reconcile({ dryRun: true });
    expect(dry.counts).toMatchObject({ foreign: 1, removable: 1, removed: 0, missing_requeued: 0 });
    expect(await onServer()).toContain(expired.uuid);

    const report = await reconcile();
    expect(report.counts).toMatchObject({
      foreign: 1,
      removable: 1,
      removed: 1,
      missing_requeued: 1,
    });
    const after = await onServer();
    expect(after).not.toContain(expired.uuid);
    expect(after).toContain(foreign);
    // The missing live key is queued; provisioning puts it back.
    expect(await provisionSubscription(bed.provisioning, live.subscriptionId)).toMatchObject({
      outcome: "provisioned",
    });
    expect(await onServer()).toContain(live.uuid);
  });

  it("finds missing keys batch by batch, across every batch of live subscriptions", async () => {
    const subs: Array<Awaited<ReturnType<typeof customerWithSubscription>>> = [];
    for (let i = 0; i < 7; i++) {
      const sub = await customerWithSubscription(bed.db, nextUser++, 30 * 86_400);
      await provisionSubscription(bed.provisioning, sub.subscriptionId);
      subs.push(sub);
    }
    const listedAfter = await databaseNow(worker);
    // The first, a middle and the last are not on the server; batches of 2 span all seven.
    const lost = [0, 3, 6].map((i) => subs[i]?.subscriptionId);
    const listed = (await onServer()).filter(
      (uuid) => !subs.some((s, i) => [0, 3, 6].includes(i) && s.uuid === uuid),
    );
    expect(await markMissingForProvisioning(worker, listed, listedAfter, 2)).toBe(3);
    const { rows } = await bed.db.query<{ id: string; queued: boolean }>(
      "read_back",
      `SELECT id, provisioned_expires_at IS NULL AS queued FROM subscriptions
        WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [subs.map((s) => s.subscriptionId)],
    );
    expect(rows.filter((r) => r.queued).map((r) => Number(r.id))).toEqual(lost);
  });

  it("keeps an expired key within the grace period, and removes a foreign one only when opted in", async () => {
    const foreign = randomUUID();
    await bed.provisioning.vpn.add({ uuid: foreign, telegramId: 2, expiresAt: new Date() });
    const recent = await customerWithSubscription(bed.db, nextUser++, -5);
    await bed.provisioning.vpn.add({ uuid: recent.uuid, telegramId: 3, expiresAt: new Date() });
    expect((await reconcile({ graceMs: 3_600_000 })).counts).toMatchObject({ removed: 0 });
    expect(await onServer()).toEqual(expect.arrayContaining([recent.uuid, foreign]));
    await reconcile({ graceMs: 3_600_000, removeForeign: true });
    expect(await onServer()).not.toContain(foreign);
    expect(await onServer()).toContain(recent.uuid);
  });

  it("compares keys a panel lists in capitals like any other: live ones stay, expired ones go", async () => {
    const live = await customerWithSubscription(bed.db, nextUser++, 30 * 86_400);
    await provisionSubscription(bed.provisioning, live.subscriptionId);
    const expired = await customerWithSubscription(bed.db, nextUser++, -5);
    // The server lists (and stores) both keys upper-cased.
    await bed.provisioning.vpn.remove(live.uuid);
    const later = new Date(Date.now() + 86_400_000);
    await bed.provisioning.vpn.add({
      uuid: live.uuid.toUpperCase(),
      telegramId: 4,
      expiresAt: later,
    });
    await bed.provisioning.vpn.add({
      uuid: expired.uuid.toUpperCase(),
      telegramId: 5,
      expiresAt: new Date(),
    });

    await reconcile({ graceMs: 0 });
    const { rows } = await bed.db.query<{ provisioned: boolean }>(
      "check",
      "SELECT provisioned_expires_at IS NOT NULL AS provisioned FROM subscriptions WHERE id = $1",
      [live.subscriptionId],
    );
    // Present on the server: not requeued for provisioning.
    expect(rows[0]).toEqual({ provisioned: true });
    const after = await onServer();
    expect(after).toContain(live.uuid.toUpperCase());
    expect(after).not.toContain(expired.uuid.toUpperCase());
  });
});
