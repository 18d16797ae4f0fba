import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DbScope } from "../../src/db/scope.js";
import { silentLogger } from "../../src/logger.js";
import { createNetworkClients } from "../../src/network-clients.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { expireSubscription } from "../../src/vpn/provisioning.js";
import { remnawaveUsername } from "../../src/vpn/remnawave.js";
import { reconcileIteration } from "../../src/workers/reconcile.js";
import { remnawaveRequest } from "../support/sandbox.js";
import { iterationContext } from "../workers/support.js";
import {
  body,
  buttonsOf,
  expectedQr,
  linkIn,
  startStory,
  subscriptionOf,
  toPaymentMethods,
} from "./support.js";

const story = await startStory({
  backend: "remnawave",
  services: { limits: { reissueCooldownSeconds: 3600 } },
});
const { t } = story;
const panel = () => {
  const standIn = story.sandbox.remnawave?.standIn;
  if (!standIn) throw new Error("no Remnawave stand-in");
  return standIn;
};
const panelUserOf = (uuid: string | undefined) =>
  panel()
    .list()
    .find((u) => u.username === remnawaveUsername(uuid ?? ""));

describe("customers on a Remnawave panel", () => {
  it("trial: the subscription URL as copyable text and QR, the panel user marked as ours", async () => {
    const ann = await story.onboard(3101);
    await ann.press("f:trial");
    const key = await ann.waitForMessage((m) => m.photo !== null);
    const sub = await subscriptionOf(story, 3101);
    const user = panelUserOf(sub?.vpn_uuid);
    expect(user).toMatchObject({
      tag: "VPNBOT",
      telegramId: 3101,
      vlessUuid: sub?.vpn_uuid,
      expireAt: sub?.expires_at.toISOString(),
      status: "ACTIVE",
    });
    const url = sub?.vless_link ?? "";
    expect(url).toBe(user?.subscriptionUrl);
    expect(url).toMatch(/^https:\/\//);
    expect(body(key)).toContain(`<code>${url}</code>`);
    expect(body(key)).toContain(t("en", "key.hint_subscription"));
    expect(linkIn(key)).toBe(url);
    const png = await story.sb.file(key.photo?.file_id ?? "");
    expect(png.equals(await expectedQr(url))).toBe(true);
    expect(buttonsOf(key)[0]).toEqual({ text: t("en", "key.button_open_subscription"), url });
    expect(story.r2Violations()).toBe(0);
  });

  it("a renewal moves the panel user's expiry and keeps the link", async () => {
    const ann = story.customer(3101);
    const before = await subscriptionOf(story, 3101);
    await toPaymentMethods(ann, "basic", 30);
    await ann.press("b:basic:30:xtr:83");
    await ann.waitForMessage((m) => m.invoice !== null);
    await ann.pay();
    await ann.waitForMessage((m) => m.photo !== null);
    const after = await subscriptionOf(story, 3101);
    expect(after?.vless_link).toBe(before?.vless_link);
    expect(after?.expires_at.getTime()).toBeGreaterThan(before?.expires_at.getTime() ?? 0);
    expect(panelUserOf(after?.vpn_uuid)?.expireAt).toBe(after?.expires_at.toISOString());
  });

  it("paying while the panel is down: paid, 'activation pending', then the link follows", async () => {
    const bo = await story.onboard(3102, { language: "ru" });
    await toPaymentMethods(bo, "basic", 30);
    await bo.press("b:basic:30:xtr:83");
    await bo.waitForMessage((m) => m.invoice !== null);
    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      expect((await bo.pay()).status).toBe("paid");
      const pending = await bo.waitForMessage();
      expect(pending.photo).toBeNull();
      const sub = await subscriptionOf(story, 3102);
      expect(sub?.status).toBe("pending");
      expect(body(pending)).toContain(
        t("ru", "key.pending", { expiresAt: sub?.expires_at as Date }),
      );
      expect(panelUserOf(sub?.vpn_uuid)).toBeUndefined();
    } finally {
      await story.sb.clearFaults("vpn");
    }
    const report = await story.runActivation();
    expect(report.counts).toMatchObject({ activated: 1, notified: 1 });
    const sub = await subscriptionOf(story, 3102);
    expect(sub?.status).toBe("active");
    expect(sub?.vless_link).toBe(panelUserOf(sub?.vpn_uuid)?.subscriptionUrl);
    const done = await bo.waitForMessage();
    expect(done.text).toBe(t("ru", "notice.activation_done", { link: sub?.vless_link ?? "" }));
    expect(story.r2Violations()).toBe(0);
  });

  it("reissue: a new panel user with a new URL; the old one is gone from the panel", async () => {
    const ann = story.customer(3101);
    const before = await subscriptionOf(story, 3101);
    await ann.press("kr");
    await ann.waitForMessage();
    await ann.press("kr:y");
    const fresh = await ann.waitForMessage((m) => m.photo !== null);
    const after = await subscriptionOf(story, 3101);
    expect(body(fresh).startsWith(t("en", "key.reissued"))).toBe(true);
    expect(after?.vless_link).not.toBe(before?.vless_link);
    expect(linkIn(fresh)).toBe(after?.vless_link);
    expect(panelUserOf(before?.vpn_uuid)).toBeUndefined();
    expect(panelUserOf(after?.vpn_uuid)?.subscriptionUrl).toBe(after?.vless_link);
  });

  it("expiry removes the panel user; reconcile re-creates ours and leaves the operator's alone", async () => {
    // The operator's own panel users: never listed, changed or removed.
    const expireAt = new Date(Date.now() + 5 * 86_400_000).toISOString();
    await remnawaveRequest(story.sandbox, "POST", "/api/users", { username: "operator", expireAt });
    const bo = await subscriptionOf(story, 3102);
    const ann = await subscriptionOf(story, 3101);
    // Ann's user is lost on the panel (deleted by hand).
    const annUser = panelUserOf(ann?.vpn_uuid);
    await remnawaveRequest(story.sandbox, "DELETE", `/api/users/${annUser?.id}`);

    // Bo's time runs out: fast expiry takes the user off the panel.
    const [row] = await story.sql<{ id: string }>(
      `WITH old AS (SELECT id, user_id, expires_at FROM subscriptions WHERE user_id = 3102),
            upd AS (UPDATE subscriptions s SET expires_at = now() - interval '1 minute'
                      FROM old WHERE s.id = old.id RETURNING s.id, s.user_id, s.expires_at),
            g AS (INSERT INTO subscription_grants
                    (subscription_id, user_id, kind, granted_at, expires_before, expires_after)
                  SELECT upd.id, upd.user_id, 'revoke', now(), old.expires_at, upd.expires_at
                    FROM upd JOIN old USING (id))
       SELECT id FROM upd`,
    );
    const expired = await expireSubscription(story.provisioning, Number(row?.id));
    expect(expired).toMatchObject({ outcome: "expired", userId: 3102 });
    expect(panelUserOf(bo?.vpn_uuid)).toBeUndefined();
    const [issued] = await story.sql<{ removed_at: Date | null }>(
      "SELECT removed_at FROM issued_uuids WHERE uuid = $1",
      [bo?.vpn_uuid],
    );
    expect(issued?.removed_at).not.toBeNull();

    const report = await reconcileIteration({
      db: story.db.forKind("worker"),
      vpn: story.vpn,
      metrics: story.metrics,
      options: { dryRun: false, removeForeign: true, graceMs: 0, maxRemovals: 100 },
    })(iterationContext());
    expect(report.counts).toMatchObject({ missing_requeued: 1, foreign: 0 });
    await story.runActivation();
    const restored = panelUserOf(ann?.vpn_uuid);
    expect(restored?.tag).toBe("VPNBOT");
    expect(restored?.expireAt).toBe(ann?.expires_at.toISOString());
    const operator = panel()
      .list()
      .find((u) => u.username === "operator");
    expect(operator?.expireAt).toBe(expireAt);
  });
});

describe("a Remnawave token the panel rejects", () => {
  it("is named in /ready and alerted once, however often it is met", async () => {
    const panelUrl = story.sandbox.remnawave?.url ?? "";
    const config = loadConfig({
      BOT_TOKEN: "1:x",
      VPN_BACKEND: "remnawave",
      REMNAWAVE_URL: panelUrl,
      REMNAWAVE_TOKEN: "revoked-token",
      VPN_API_TIMEOUT_MS: "1000",
    });
    const readiness = new Readiness();
    const network = createNetworkClients({
      config,
      logger: silentLogger(),
      metrics: createMetrics(),
      scope: new DbScope(),
      readiness,
    });
    const alerts: string[] = [];
    try {
      await network.verify((text) => alerts.push(text));
      for (let i = 0; i < 3; i++) {
        await expect(
          network.vpn.add({
            uuid: "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
            telegramId: 1,
            expiresAt: new Date(Date.now() + 86_400_000),
          }),
        ).rejects.toMatchObject({ kind: "unauthorized" });
      }
      const report = await readiness.report();
      expect(report.dependencies.vpn_api).toMatchObject({
        ok: false,
        detail:
          "configuration error: remnawave rejected the credentials (status 401): check the token",
      });
      expect(alerts).toEqual([
        "VPN backend configuration error: remnawave rejected the credentials (status 401): check the token",
      ]);
    } finally {
      await network.close();
    }
  });
});
