import { describe, expect, it } from "vitest";
import { body, buttonsOf, linkIn, startStory, subscriptionOf, visible } from "./support.js";

const story = await startStory();
const { t } = story;

describe("trial", () => {
  it("activates once: the key arrives at once as a link and a QR code", async () => {
    const cid = await story.onboard(1201);
    // A second menu: the first one keeps its trial button, to be pressed again below.
    await cid.send("/start");
    await cid.waitForMessage();
    await cid.press("f:trial");
    const key = await cid.waitForMessage((m) => m.photo !== null);
    const sub = await subscriptionOf(story, 1201);
    expect(sub).toMatchObject({ status: "active", is_trial: true });
    expect(body(key)).toContain(t("en", "trial.activated", { expiresAt: sub?.expires_at as Date }));
    expect(linkIn(key)).toBe(sub?.vless_link);
    expect(buttonsOf(key).map((b) => b.callback_data)).toContain("kr");

    // Three days, on the VPN server with that expiry.
    const days = ((sub?.expires_at.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.99);
    expect(days).toBeLessThanOrEqual(3);
    const vpnUsers = await story.sb.vpnUsers();
    expect(vpnUsers).toEqual([
      expect.objectContaining({
        uuid: sub?.vpn_uuid,
        telegram_id: 1201,
        expiry_timestamp_ms: sub?.expires_at.getTime(),
      }),
    ]);

    // The menu no longer offers it; pressing the old menu's trial button changes nothing.
    await cid.send("/start");
    const menu = await cid.waitForMessage();
    expect(buttonsOf(menu).map((b) => b.callback_data)).not.toContain("f:trial");
    await cid.press("f:trial");
    const refused = await cid.waitForMessage();
    expect(visible(body(refused))).toContain(
      visible(t("en", "trial.unavailable", { reason: "trial_used" })),
    );
    expect((await subscriptionOf(story, 1201))?.expires_at).toEqual(sub?.expires_at);
    expect(story.r2Violations()).toBe(0);
  });

  it("with the VPN API down the trial shows 'activation pending'; the worker sends the key later", async () => {
    const dan = await story.onboard(1202, { language: "ru" });
    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      await dan.press("f:trial");
      const pending = await dan.waitForMessage();
      expect(pending.photo).toBeNull();
      expect(body(pending)).toContain(t("ru", "key.title"));
      expect((await subscriptionOf(story, 1202))?.status).toBe("pending");
    } finally {
      await story.sb.clearFaults("vpn");
    }
    await story.runActivation();
    const done = await dan.waitForMessage((m) => body(m).startsWith("✅"));
    const sub = await subscriptionOf(story, 1202);
    expect(done.photo).not.toBeNull();
    expect(body(done)).toBe(t("ru", "notice.activation_done", { link: sub?.vless_link ?? "" }));
  });
});
