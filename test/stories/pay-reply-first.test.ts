import { describe, expect, it } from "vitest";
import { body, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

// A VPN client that waits long: a hung add-user call holds the payment's key until it ends.
const story = await startStory({ vpnTimeoutMs: 60_000 });
const { t } = story;

describe("a Stars payment while the VPN server does not answer", () => {
  it("is confirmed at once; the key screen follows once the server answers, and only once", async () => {
    const ida = await story.onboard(1701);
    await toPaymentMethods(ida, "basic", 30);
    await ida.press("b:basic:30:xtr:83");
    await ida.waitForMessage((m) => m.invoice !== null);
    await story.sb.clearCalls();

    await story.sb.fault({ target: "vpn", mode: "hang" });
    let confirmation: Awaited<ReturnType<typeof ida.waitForMessage>>;
    try {
      expect((await ida.pay()).status).toBe("paid");
      // Seen while the payment's add-user call still hangs: nothing answered it yet.
      confirmation = await ida.waitForMessage();
      expect(await story.sb.calls("vpn")).toEqual([]);
      expect(story.runtime.status().inFlight).toBe(1);
      const sub = await subscriptionOf(story, 1701);
      expect(sub?.status).toBe("pending");
      expect(confirmation.photo).toBeNull();
      expect(body(confirmation)).toContain(
        t("en", "payment.granted", { expiresAt: sub?.expires_at as Date }),
      );
      expect(body(confirmation)).toContain(t("en", "key.activating"));
    } finally {
      // The server answers the hung call now.
      await story.sb.clearFaults("vpn");
    }
    // The payment's own call put the key on the server: the key screen follows the confirmation.
    const key = await ida.waitForMessage((m) => m.photo !== null);
    await story.handled();
    const sub = await subscriptionOf(story, 1701);
    expect(sub?.status).toBe("active");
    expect(key.message_id).toBeGreaterThan(confirmation.message_id);
    expect(body(key)).toContain(
      t("en", "key.active_until", { expiresAt: sub?.expires_at as Date }),
    );
    expect(body(key)).toContain(sub?.vless_link?.replaceAll("&", "&amp;") ?? "-");

    // The worker has nothing left to activate, so the key is not sent a second time.
    const report = await story.runActivation();
    expect(report.counts).toMatchObject({ activated: 0, notified: 0 });
    expect((await ida.lastMessage())?.message_id).toBe(key.message_id);
    expect(story.r2Violations()).toBe(0);
  });
});
