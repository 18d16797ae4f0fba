import { describe, expect, it } from "vitest";
import { adjustBalanceByAdmin } from "../../src/domain/billing/admin-balance.js";
import { revokeSubscription } from "../../src/domain/subscriptions/grants.js";
import { ADMIN_ID, body, buttonsOf, startStory, subscriptionOf, visible } from "./support.js";

const story = await startStory();
const { t } = story;
const rows = (m: Parameters<typeof buttonsOf>[0]) => buttonsOf(m).map((b) => b.callback_data);

describe("profile", () => {
  it("shows balance and state from nothing through trial, paid, auto-renewal and the end", async () => {
    const ola = await story.onboard(2101);
    await ola.send("/profile");
    const empty = await ola.waitForMessage();
    expect(empty.text).toBe(
      [
        t("en", "profile.title", { id: "2101" }),
        t("en", "profile.balance", { balance: { kopecks: 0 } }),
        t("en", "subscription.none"),
      ].join("\n\n"),
    );
    expect(rows(empty)).toEqual(["f:buy", "f:topup", "f:withdraw", "menu"]);

    await ola.press("f:trial");
    await ola.waitForMessage((m) => m.photo !== null);
    await ola.send("/profile");
    const trial = await ola.waitForMessage();
    const trialSub = await subscriptionOf(story, 2101);
    expect(body(trial)).toContain(
      t("en", "subscription.trial", { expiresAt: trialSub?.expires_at as Date }),
    );
    // Auto-renewal renews the last *paid* plan: not offered for a trial.
    expect(body(trial)).toContain(t("en", "profile.auto_renew_needs_plan"));
    expect(rows(trial)).toEqual(["f:key", "f:buy", "f:topup", "f:withdraw", "menu"]);

    await adjustBalanceByAdmin(story.db, { adminId: ADMIN_ID, userId: 2101, deltaKopecks: 50_000 });
    await ola.press("f:buy");
    await ola.waitForMessage((m) => m.edited);
    await ola.press("b:plus");
    await ola.waitForMessage((m) => m.edited);
    await ola.press("b:plus:30");
    await ola.waitForMessage((m) => m.edited);
    await ola.press("b:plus:30:bal:29900");
    await ola.waitForMessage((m) => m.photo !== null);

    await ola.send("/profile");
    const paid = await ola.waitForMessage();
    const sub = await subscriptionOf(story, 2101);
    expect(body(paid)).toContain(t("en", "profile.balance", { balance: { kopecks: 20_100 } }));
    expect(body(paid)).toContain(
      t("en", "subscription.active", { expiresAt: sub?.expires_at as Date }),
    );
    expect(body(paid)).toContain(t("en", "profile.auto_renew_off"));
    expect(body(paid)).toContain(t("en", "profile.plan", { plan: "Plus" }));
    expect(visible(body(paid))).toContain("📦 Plan: Plus");
    expect(rows(paid)).toEqual(["f:key", "f:buy", "f:topup", "f:withdraw", "ar:1", "menu"]);

    await ola.press(t("en", "profile.button_auto_on"));
    const on = await ola.waitForMessage((m) => m.edited);
    expect(body(on).startsWith(t("en", "profile.auto_renew_set_on"))).toBe(true);
    expect(body(on)).toContain(t("en", "profile.auto_renew_on", { plan: "Plus", days: 30 }));
    expect(rows(on)).toContain("ar:0");
    // ₽201 on the balance, the next renewal (Plus, 30 days) costs ₽299: the profile warns.
    const short = t("en", "profile.auto_renew_short", {
      price: { kopecks: 29_900 },
      missing: { kopecks: 9_800 },
      expiresAt: sub?.expires_at as Date,
    });
    expect(body(on)).toContain(short);
    await adjustBalanceByAdmin(story.db, { adminId: ADMIN_ID, userId: 2101, deltaKopecks: 9_800 });
    await ola.send("/profile");
    const covered = await ola.waitForMessage();
    expect(body(covered)).toContain(t("en", "profile.auto_renew_on", { plan: "Plus", days: 30 }));
    expect(visible(body(covered))).not.toContain("⚠️");
    expect((await subscriptionOf(story, 2101))?.auto_renew).toBe(true);

    await ola.press("ar:0");
    const off = await ola.waitForMessage((m) => m.edited);
    expect(body(off).startsWith(t("en", "profile.auto_renew_set_off"))).toBe(true);
    expect((await subscriptionOf(story, 2101))?.auto_renew).toBe(false);

    // The operator revokes it: the profile says it ended and offers to buy.
    await revokeSubscription(story.db, { adminId: ADMIN_ID, userId: 2101 });
    await ola.send("/profile");
    const ended = await ola.waitForMessage();
    const revoked = await subscriptionOf(story, 2101);
    expect(body(ended)).toContain(
      t("en", "subscription.expired", { expiresAt: revoked?.expires_at as Date }),
    );
    expect(rows(ended)).toEqual(["f:buy", "f:topup", "f:withdraw", "menu"]);
    expect(story.r2Violations()).toBe(0);
  });

  it("shows 'activation pending' while the key is not on the VPN server", async () => {
    const pia = await story.onboard(2102, { language: "ru" });
    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      await pia.press("f:trial");
      await pia.waitForMessage();
    } finally {
      await story.sb.clearFaults("vpn");
    }
    await pia.send("/profile");
    const profile = await pia.waitForMessage();
    const sub = await subscriptionOf(story, 2102);
    expect(body(profile)).toContain(
      t("ru", "subscription.pending", { expiresAt: sub?.expires_at as Date }),
    );
  });
});
