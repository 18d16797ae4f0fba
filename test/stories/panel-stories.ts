import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DbScope } from "../../src/db/scope.js";
import { applyCatalogOverride } from "../../src/domain/billing/pricing.js";
import { expireSubscription } from "../../src/domain/subscriptions/provisioning.js";
import { silentLogger } from "../../src/logger.js";
import { createNetworkClients } from "../../src/network-clients.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { reconcileIteration } from "../../src/workers/reconcile.js";
import { savePricingOverride } from "../support/billing.js";
import { captureLogs } from "../support/logs.js";
import {
  CREDENTIAL_SETTINGS,
  type PanelName,
  panelView,
  wrongCredentialsEnv,
} from "../support/panels.js";
import { iterationContext } from "../workers/support.js";
import {
  ADMIN_ID,
  body,
  buttonsOf,
  expectedQr,
  linkIn,
  startStory,
  subscriptionOf,
  toPaymentMethods,
} from "./support.js";

/**
 * One customer story per panel, through the bot and the panel's stand-in over real HTTP: the
 * subscription URL as text and QR, renewal, a purchase while the panel is down, reissue, expiry,
 * reconcile beside the operator's own users, and credentials the panel rejects.
 */
export async function panelStories(panelName: PanelName, firstCustomer: number): Promise<void> {
  const story = await startStory({
    backend: panelName,
    services: { limits: { reissueCooldownSeconds: 3600 } },
  });
  const { t } = story;
  const view = panelView(story.sandbox, panelName);
  const panelUserOf = (uuid: string | undefined) => view.userOf(uuid);
  const ANN = firstCustomer;
  const BO = firstCustomer + 1;
  const CARL = firstCustomer + 2;

  describe(`customers on a ${panelName} panel`, () => {
    it("trial: the subscription URL as copyable text and QR, the panel user marked as ours", async () => {
      const ann = await story.onboard(ANN);
      await ann.press("f:trial");
      const key = await ann.waitForMessage((m) => m.photo !== null);
      const sub = await subscriptionOf(story, ANN);
      const user = panelUserOf(sub?.vpn_uuid);
      expect(user?.marked).toBe(true);
      expect(expiryMatches(user?.expiresAt, sub?.expires_at)).toBe(true);
      const url = sub?.vless_link ?? "";
      expect(url).toBe(user?.link);
      expect(url).toMatch(/^https?:\/\//);
      expect(body(key)).toContain(`<code>${url}</code>`);
      expect(body(key)).toContain(t("en", "key.hint_subscription"));
      expect(linkIn(key)).toBe(url);
      const png = await story.sb.file(key.photo?.file_id ?? "");
      expect(png.equals(await expectedQr(url))).toBe(true);
      expect(buttonsOf(key)[0]).toEqual({ text: t("en", "key.button_open_subscription"), url });
      expect(story.r2Violations()).toBe(0);
    });

    it("a renewal moves the panel user's expiry and keeps the link", async () => {
      const ann = story.customer(ANN);
      const before = await subscriptionOf(story, ANN);
      await toPaymentMethods(ann, "basic", 30);
      await ann.press("b:basic:30:xtr:83");
      await ann.waitForMessage((m) => m.invoice !== null);
      await ann.pay();
      await ann.waitForMessage((m) => m.photo !== null);
      await story.handled();
      const after = await subscriptionOf(story, ANN);
      expect(after?.vless_link).toBe(before?.vless_link);
      expect(after?.expires_at.getTime()).toBeGreaterThan(before?.expires_at.getTime() ?? 0);
      expect(expiryMatches(panelUserOf(after?.vpn_uuid)?.expiresAt, after?.expires_at)).toBe(true);
    });

    it("paying while the panel is down: paid, 'activation pending', then the link follows", async () => {
      const bo = await story.onboard(BO, { language: "ru" });
      await toPaymentMethods(bo, "basic", 30);
      await bo.press("b:basic:30:xtr:83");
      await bo.waitForMessage((m) => m.invoice !== null);
      await story.sb.fault({ target: "vpn", mode: "down" });
      try {
        expect((await bo.pay()).status).toBe("paid");
        const pending = await bo.waitForMessage();
        // The payment's own attempt at the key is over (it met the outage too).
        await story.handled();
        expect(pending.photo).toBeNull();
        const sub = await subscriptionOf(story, BO);
        expect(sub?.status).toBe("pending");
        expect(body(pending)).toContain(t("ru", "key.activating"));
        expect(panelUserOf(sub?.vpn_uuid)).toBeUndefined();
      } finally {
        await story.sb.clearFaults("vpn");
      }
      const report = await story.runActivation();
      expect(report.counts).toMatchObject({ activated: 1, notified: 1 });
      const sub = await subscriptionOf(story, BO);
      expect(sub?.status).toBe("active");
      expect(sub?.vless_link).toBe(panelUserOf(sub?.vpn_uuid)?.link);
      const done = await bo.waitForMessage();
      expect(done.text ?? done.caption).toBe(
        t("ru", "notice.activation_done", { link: sub?.vless_link ?? "" }),
      );
      expect(story.r2Violations()).toBe(0);
    });

    it("reissue: a new URL and new credentials; the old URL and credentials stop working", async () => {
      const ann = story.customer(ANN);
      const before = await subscriptionOf(story, ANN);
      const oldCredential = view.credentialOf(before?.vpn_uuid);
      expect(await fetchStatus(before?.vless_link)).toBe(200);
      await ann.press("kr");
      await ann.waitForMessage();
      await ann.press("kr:y");
      const fresh = await ann.waitForMessage((m) => m.photo !== null);
      const after = await subscriptionOf(story, ANN);
      expect(body(fresh).startsWith(t("en", "key.reissued"))).toBe(true);
      expect(after?.vless_link).not.toBe(before?.vless_link);
      expect(linkIn(fresh)).toBe(after?.vless_link);
      expect(panelUserOf(before?.vpn_uuid)).toBeUndefined();
      expect(panelUserOf(after?.vpn_uuid)?.link).toBe(after?.vless_link);
      expect(view.credentialOf(after?.vpn_uuid)).toBeDefined();
      expect(view.credentialOf(after?.vpn_uuid)).not.toBe(oldCredential);
      // What a client app sees: the old subscription URL is gone, the new one serves the new key.
      expect(await fetchStatus(before?.vless_link)).toBe(404);
      expect(await fetchStatus(after?.vless_link)).toBe(200);
      if (panelName === "remnawave") {
        // The panel's own revoke: the same panel user, renewed (the panel records when).
        const revoked = story.sandbox.remnawave?.standIn
          .list()
          .filter((u) => u.tag === "VPNBOT" && u.telegramId === ANN);
        expect(revoked).toHaveLength(1);
        expect(revoked?.[0]?.subRevokedAt).not.toBeNull();
      }
    });

    it("expiry removes the panel user; reconcile re-creates ours and leaves the operator's alone", async () => {
      // The operator's own panel users: never listed, changed or removed.
      const expireAt = new Date(Math.floor(Date.now() / 1000 + 5 * 86_400) * 1000);
      await view.createForeign("operator", expireAt);
      const bo = await subscriptionOf(story, BO);
      const ann = await subscriptionOf(story, ANN);
      // Ann's user is lost on the panel (deleted by hand).
      await view.deleteByHand(ann?.vpn_uuid);

      // Bo's time runs out: fast expiry takes the user off the panel.
      const [row] = await story.sql<{ id: string }>(
        `WITH old AS (SELECT id, user_id, expires_at FROM subscriptions WHERE user_id = $1),
            upd AS (UPDATE subscriptions s SET expires_at = now() - interval '1 minute'
                      FROM old WHERE s.id = old.id RETURNING s.id, s.user_id, s.expires_at),
            g AS (INSERT INTO subscription_grants
                    (subscription_id, user_id, kind, granted_at, expires_before, expires_after)
                  SELECT upd.id, upd.user_id, 'revoke', now(), old.expires_at, upd.expires_at
                    FROM upd JOIN old USING (id))
       SELECT id FROM upd`,
        [BO],
      );
      const expired = await expireSubscription(story.provisioning, Number(row?.id));
      expect(expired).toMatchObject({ outcome: "expired", userId: BO });
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
      // The operator's user is reported as foreign, and never removed (even with removeForeign).
      expect(report.counts).toMatchObject({ missing_requeued: 1, foreign: 1, removed: 0 });
      await story.runActivation();
      const restored = panelUserOf(ann?.vpn_uuid);
      expect(restored?.marked).toBe(true);
      expect(expiryMatches(restored?.expiresAt, ann?.expires_at)).toBe(true);
      expect(view.expiryOf("operator")).toEqual(expireAt);
    });
  });

  describe(`plan limits on a ${panelName} panel`, () => {
    it("a plan's device and traffic limits go to the panel with the key; a trial has none", async () => {
      const defaults = applyCatalogOverride({});
      const plus = defaults.plans.find((p) => p.id === "plus");
      const saved = await savePricingOverride(story.db, ADMIN_ID, {
        plans: defaults.plans.map((p) =>
          p.id === "plus"
            ? { ...p, limits: { devices: 2, trafficGb: 50, trafficReset: "month" } }
            : p,
        ),
      });
      expect(saved.outcome).toBe("saved");
      const carl = await story.onboard(CARL);
      await carl.press("f:trial");
      await carl.waitForMessage((m) => m.photo !== null);
      const trial = await subscriptionOf(story, CARL);
      expect(view.limitsOf(trial?.vpn_uuid)).toMatchObject({ trafficBytes: 0, reset: "no_reset" });

      // The plan screen says what the plan allows.
      await carl.send("/buy");
      await carl.waitForMessage();
      await carl.press("b:plus");
      const planScreen = await carl.waitForMessage((m) => m.edited);
      expect(body(planScreen)).toContain(t("en", "plan.limit_devices", { devices: 2 }));
      expect(body(planScreen)).toContain(t("en", "plan.limit_traffic", { gb: 50, reset: "month" }));
      await toPaymentMethods(carl, "plus", 30);
      await carl.press(`b:plus:30:xtr:${plus?.periods[0]?.stars}`);
      await carl.waitForMessage((m) => m.invoice !== null);
      await carl.pay();
      // The trial's key is live: the confirmation shows it, and the plan's limits follow.
      await carl.waitForMessage((m) => m.photo !== null);
      await story.handled();
      const paid = await subscriptionOf(story, CARL);
      expect(view.limitsOf(paid?.vpn_uuid)).toEqual({
        // Marzban has no device limit.
        devices: panelName === "marzban" ? null : 2,
        trafficBytes: 50 * 2 ** 30,
        reset: "month",
      });
      await savePricingOverride(story.db, ADMIN_ID, {});
    });
  });

  describe(`reconcile on a ${panelName} panel`, () => {
    it("sets the database's expiry again when the panel's drifted later or earlier; reports the operator's users once", async () => {
      const logs = captureLogs();
      const reconcile = reconcileIteration({
        db: story.db.forKind("worker"),
        vpn: story.vpn,
        metrics: story.metrics,
        options: { dryRun: false, removeForeign: false, graceMs: 0, maxRemovals: 100 },
      });
      const ctx = () => ({ ...iterationContext(), logger: logs.logger });
      const ann = await subscriptionOf(story, ANN);
      const operatorExpiry = view.expiryOf("operator");
      for (const drifted of [
        new Date((ann?.expires_at.getTime() ?? 0) + 10 * 86_400_000),
        new Date(Date.now() + 86_400_000),
      ]) {
        await view.setExpiryByHand(ann?.vpn_uuid, drifted);
        expect(expiryMatches(panelUserOf(ann?.vpn_uuid)?.expiresAt, ann?.expires_at)).toBe(false);
        const report = await reconcile(ctx());
        expect(report.counts).toMatchObject({ drift_requeued: 1, foreign: 1, removed: 0 });
        await story.runActivation();
        expect(expiryMatches(panelUserOf(ann?.vpn_uuid)?.expiresAt, ann?.expires_at)).toBe(true);
      }
      // In step again: nothing to do.
      expect((await reconcile(ctx())).counts).toMatchObject({ drift_requeued: 0, foreign: 1 });
      const reported = logs.lines.filter(
        (l) => l.msg === "VPN server has clients this service did not issue",
      );
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({ foreign: 1, sample: ["operator"], removed: false });
      const gauge = (await story.metrics.reconcileKeys.get()).values;
      expect(gauge.find((v) => v.labels.state === "foreign")?.value).toBe(1);
      expect(view.expiryOf("operator")).toEqual(operatorExpiry);
    });
  });

  describe(`${panelName} credentials the panel rejects`, () => {
    it("is named in /ready and alerted once, however often it is met", async () => {
      const config = loadConfig({
        BOT_TOKEN: "1:x",
        ...wrongCredentialsEnv(story.sandbox, panelName),
        VPN_API_TIMEOUT_MS: "1000",
      });
      const detail = `${panelName} rejected the credentials (status 401): check ${CREDENTIAL_SETTINGS[panelName]}`;
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
              subscriptionId: 1,
              telegramId: 1,
              expiresAt: new Date(Date.now() + 86_400_000),
            }),
          ).rejects.toMatchObject({ kind: "unauthorized" });
        }
        const report = await readiness.report();
        expect(report.dependencies.vpn_api).toMatchObject({
          ok: false,
          detail: `configuration error: ${detail}`,
        });
        expect(alerts).toEqual([`VPN backend configuration error: ${detail}`]);
      } finally {
        await network.close();
      }
    });
  });
}

/** What a client app gets from a subscription URL: the HTTP status. */
async function fetchStatus(url: string | null | undefined): Promise<number> {
  return url ? (await fetch(url)).status : 0;
}

/** Marzban keeps expiry in whole seconds (rounded up); Remnawave to the millisecond. */
function expiryMatches(onPanel: Date | undefined, inDb: Date | undefined): boolean {
  if (!onPanel || !inDb) return false;
  return onPanel.getTime() >= inDb.getTime() && onPanel.getTime() - inDb.getTime() < 1000;
}
