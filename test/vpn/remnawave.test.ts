import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { DbScope } from "../../src/db/scope.js";
import { CircuitBreaker } from "../../src/net/circuit-breaker.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { VpnApiError } from "../../src/vpn/api.js";
import {
  keyOfRemnawaveUser,
  REMNAWAVE_TAG,
  remnawaveDescription,
  remnawaveUsername,
} from "../../src/vpn/remnawave.js";
import { testDb } from "../support/db.js";
import {
  clearFaults,
  fault,
  recordedCalls,
  remnawaveRequest,
  sandboxRemnawave,
  testSandbox,
} from "../support/sandbox.js";

const sandbox = await testSandbox();
const metrics = createMetrics();
const scope = new DbScope();
const panel = () => {
  const standIn = sandbox.remnawave?.standIn;
  if (!standIn) throw new Error("no Remnawave stand-in");
  return standIn;
};
const userOf = (uuid: string) =>
  panel()
    .list()
    .find((u) => keyOfRemnawaveUser(u) === uuid);
/** Subscription ids of this file's keys: one panel user each. */
let lastSubscription = 9_000;
const nextSubscription = () => ++lastSubscription;
/** What a client app gets from a subscription URL: the HTTP status. */
const fetchStatus = async (url: string) => (await fetch(url)).status;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

describe("Remnawave 3.x adapter against the stand-in (the panel's own zod schemas)", () => {
  beforeEach(async () => {
    await clearFaults(sandbox);
    panel().setVersion("3.4.15");
  });

  it("creates one marked user per subscription, idempotently, and hands out its subscription URL", async () => {
    const { vpn } = sandboxRemnawave(sandbox, { metrics, scope, squads: [randomUUID()] });
    const uuid = randomUUID();
    const subscriptionId = nextSubscription();
    const first = await vpn.add({ uuid, subscriptionId, telegramId: 501, expiresAt: inDays(30) });
    expect(first.link).toMatch(new RegExp(`^${sandbox.url}/remnawave/api/sub/\\S+$`));
    expect(await fetchStatus(first.link)).toBe(200);
    const user = userOf(uuid);
    expect(user).toMatchObject({
      username: remnawaveUsername(subscriptionId),
      vlessUuid: uuid,
      tag: REMNAWAVE_TAG,
      description: remnawaveDescription(uuid, 501),
      telegramId: 501,
      status: "ACTIVE",
      subscriptionUrl: first.link,
    });
    expect(user?.activeInternalSquads).toHaveLength(1);
    // A retry after an unknown outcome finds the user and updates it: still one user, same URL.
    const later = inDays(60);
    const again = await vpn.add({ uuid, subscriptionId, telegramId: 501, expiresAt: later });
    expect(again.link).toBe(first.link);
    expect(
      panel()
        .list()
        .filter((u) => u.username === remnawaveUsername(subscriptionId)),
    ).toHaveLength(1);
    expect(userOf(uuid)?.expireAt).toBe(later.toISOString());

    const renewed = inDays(90);
    await vpn.update({ uuid, subscriptionId, expiresAt: renewed });
    expect(userOf(uuid)?.expireAt).toBe(renewed.toISOString());
    expect(userOf(uuid)?.description).toBe(remnawaveDescription(uuid, 501));
    expect(await vpn.list()).toContain(uuid);

    await vpn.remove(uuid, undefined, subscriptionId);
    expect(userOf(uuid)).toBeUndefined();
    expect(await fetchStatus(first.link)).toBe(404);
    // Removing again is fine (idempotent), and so is updating a missing user: it is re-created.
    await vpn.remove(uuid, undefined, subscriptionId);
    await vpn.update({ uuid, subscriptionId, expiresAt: renewed });
    expect(userOf(uuid)?.tag).toBe(REMNAWAVE_TAG);
    // Without the subscription id (reconcile) the key is found among the panel's users.
    await vpn.remove(uuid);
    expect(userOf(uuid)).toBeUndefined();
  });

  it("a new key of the subscription revokes the user's credentials and link: the old ones stop", async () => {
    const { vpn } = sandboxRemnawave(sandbox, { metrics, scope });
    const subscriptionId = nextSubscription();
    const old = randomUUID();
    const before = await vpn.add({
      uuid: old,
      subscriptionId,
      telegramId: 503,
      expiresAt: inDays(9),
    });
    const panelId = userOf(old)?.id;
    const fresh = randomUUID();
    const after = await vpn.add({
      uuid: fresh,
      subscriptionId,
      telegramId: 503,
      expiresAt: inDays(9),
    });
    expect(after.link).not.toBe(before.link);
    const user = userOf(fresh);
    expect(user?.id).toBe(panelId);
    expect(user?.subRevokedAt).not.toBeNull();
    expect(user?.vlessUuid).not.toBe(old);
    expect(userOf(old)).toBeUndefined();
    expect(await fetchStatus(before.link)).toBe(404);
    expect(await fetchStatus(after.link)).toBe(200);
    const calls = (await recordedCalls(sandbox, "vpn")).map((c) => c.method);
    expect(calls).toContain(`remnawave:users/${panelId}/actions/revoke`);
    // The old key's removal (expiry of a superseded add) leaves the user of the new key alone.
    await vpn.remove(old, undefined, subscriptionId);
    expect(userOf(fresh)?.id).toBe(panelId);
  });

  it("never lists, changes or removes a panel user it did not create", async () => {
    const { vpn } = sandboxRemnawave(sandbox, { metrics, scope });
    const lookalike = randomUUID();
    const lookalikeSubscription = nextSubscription();
    const expireAt = inDays(10).toISOString();
    // The operator's own users: one with an ordinary name, one that looks like ours but has no tag.
    expect(
      (await remnawaveRequest(sandbox, "POST", "/api/users", { username: "alice", expireAt }))
        .status,
    ).toBe(201);
    await remnawaveRequest(sandbox, "POST", "/api/users", {
      username: remnawaveUsername(lookalikeSubscription),
      description: remnawaveDescription(lookalike),
      expireAt,
    });
    const ours = randomUUID();
    await vpn.add({
      uuid: ours,
      subscriptionId: nextSubscription(),
      telegramId: 502,
      expiresAt: inDays(5),
    });

    const inventory = await vpn.inventory();
    expect(inventory.ours.map((k) => k.uuid)).toContain(ours);
    expect(inventory.ours.map((k) => k.uuid)).not.toContain(lookalike);
    expect(inventory.foreign).toEqual(
      expect.arrayContaining(["alice", remnawaveUsername(lookalikeSubscription)]),
    );

    // Removing "our key" there confirms it is not live, and leaves the operator's user alone.
    await vpn.remove(lookalike, undefined, lookalikeSubscription);
    await vpn.remove(lookalike);
    await expect(
      vpn.add({
        uuid: lookalike,
        subscriptionId: lookalikeSubscription,
        telegramId: 1,
        expiresAt: inDays(99),
      }),
    ).rejects.toMatchObject({ kind: "bad_request" });
    const byName = (name: string) =>
      panel()
        .list()
        .find((u) => u.username === name);
    const twin = byName(remnawaveUsername(lookalikeSubscription));
    expect(byName("alice")?.expireAt).toBe(expireAt);
    expect(twin?.expireAt).toBe(expireAt);
    expect(twin?.tag).toBeNull();
  });

  it("the stand-in refuses what the panel refuses: its schema checks every request", async () => {
    const tooLong = await remnawaveRequest(sandbox, "POST", "/api/users", {
      username: `vb_${"x".repeat(40)}`,
      expireAt: inDays(1).toISOString(),
    });
    expect(tooLong.status).toBe(400);
    const badTag = await remnawaveRequest(sandbox, "POST", "/api/users", {
      username: "tagged",
      expireAt: inDays(1).toISOString(),
      tag: "lower-case",
    });
    expect(badTag.status).toBe(400);
    const pastExpiry = await remnawaveRequest(sandbox, "PATCH", "/api/users", {
      username: "tagged",
      expireAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(pastExpiry.status).toBe(400);
  });

  it("a rejected token is a configuration error: reported, not retried, not an outage", async () => {
    const reported: string[] = [];
    const breaker = new CircuitBreaker("vpn_api", { failureThreshold: 1, openMs: 60_000 });
    const { vpn } = sandboxRemnawave(sandbox, {
      metrics,
      scope,
      token: "wrong-token",
      retries: 3,
      breaker,
      onConfigurationError: (d) => reported.push(d),
    });
    const before = (await recordedCalls(sandbox, "vpn")).length;
    const err = await vpn
      .add({ uuid: randomUUID(), telegramId: 503, expiresAt: inDays(1) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VpnApiError);
    expect(err).toMatchObject({ kind: "unauthorized", retryable: false });
    expect((await recordedCalls(sandbox, "vpn")).length - before).toBe(1);
    expect(reported).toEqual([
      "remnawave rejected the credentials (status 401): check REMNAWAVE_TOKEN",
    ]);
    // The breaker (threshold 1) did not open: the next call reaches the panel again.
    expect(await vpn.health()).toBe(false);
    expect((await recordedCalls(sandbox, "vpn")).length - before).toBe(2);
  });

  it("an unsupported panel version (2.x) is named and refused before any user call", async () => {
    panel().setVersion("2.6.1");
    const reported: string[] = [];
    const { vpn } = sandboxRemnawave(sandbox, {
      metrics,
      scope,
      onConfigurationError: (d) => reported.push(d),
    });
    expect(await vpn.health()).toBe(false);
    const uuid = randomUUID();
    await expect(vpn.add({ uuid, telegramId: 504, expiresAt: inDays(1) })).rejects.toMatchObject({
      kind: "unauthorized",
    });
    expect(userOf(uuid)).toBeUndefined();
    expect(reported[0]).toBe(
      "Remnawave 2.6.1 is not supported: this service speaks the Remnawave 3.x API",
    );
    panel().setVersion("3.4.15");
    expect(await vpn.health()).toBe(true);
  });

  it("retries a 5xx a bounded number of times; the key is created once the panel is back", async () => {
    const { vpn } = sandboxRemnawave(sandbox, { metrics, scope, retries: 2 });
    const uuid = randomUUID();
    await vpn.health();
    await fault(sandbox, { target: "vpn", mode: "error", status: 502 });
    const before = (await recordedCalls(sandbox, "vpn")).length;
    await expect(
      vpn.add({ uuid, subscriptionId: 9_999_505, telegramId: 505, expiresAt: inDays(1) }),
    ).rejects.toMatchObject({
      kind: "server_error",
      retryable: true,
    });
    expect((await recordedCalls(sandbox, "vpn")).length - before).toBe(3);
    await clearFaults(sandbox);
    const { link } = await vpn.add({
      uuid,
      subscriptionId: 9_999_505,
      telegramId: 505,
      expiresAt: inDays(1),
    });
    expect(link).toBe(userOf(uuid)?.subscriptionUrl);
  });

  it("refuses to call the panel while a database connection is held (R2)", async () => {
    const strict = new DbScope({ mode: "throw", onViolation: () => {}, warn: () => {} });
    const db = await testDb({ metrics, scope: strict, poolMax: 2 });
    const { vpn } = sandboxRemnawave(sandbox, { metrics, scope: strict });
    await expect(
      db.withClient("holds", () =>
        vpn.add({
          uuid: randomUUID(),
          subscriptionId: nextSubscription(),
          telegramId: 1,
          expiresAt: inDays(1),
        }),
      ),
    ).rejects.toMatchObject({ name: "DbScopeViolationError" });
  });

  it("reads the key only off a user with all three marks", () => {
    const uuid = randomUUID();
    const user = {
      username: remnawaveUsername(12),
      tag: REMNAWAVE_TAG,
      description: remnawaveDescription(uuid, 7),
    };
    expect(keyOfRemnawaveUser(user)).toBe(uuid);
    expect(keyOfRemnawaveUser({ ...user, tag: null })).toBeUndefined();
    expect(keyOfRemnawaveUser({ ...user, username: "alice" })).toBeUndefined();
    expect(keyOfRemnawaveUser({ ...user, description: "a note" })).toBeUndefined();
  });
});
