import { describe, expect, it } from "vitest";
import { body, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

// A VPN client that waits long enough for the slow server below.
const story = await startStory({ vpnTimeoutMs: 60_000 });
const { t } = story;
const VPN_LATENCY_MS = 3_000;

/** A new customer with a Stars invoice for Basic, 30 days, in the chat; the call log cleared. */
async function atStarsInvoice(id: number) {
  const customer = await story.onboard(id);
  await toPaymentMethods(customer, "basic", 30);
  await customer.press("b:basic:30:xtr:83");
  await customer.waitForMessage((m) => m.invoice !== null);
  await story.sb.clearCalls();
  return customer;
}

describe("a Stars payment while the VPN server is slow", () => {
  it("is confirmed before the VPN call ends; the key screen follows, and only once", async () => {
    const ida = await atStarsInvoice(1701);
    await story.sb.fault({ target: "vpn", mode: "latency", latency_ms: VPN_LATENCY_MS });
    let confirmation: Awaited<ReturnType<typeof ida.waitForMessage>>;
    try {
      expect((await ida.pay()).status).toBe("paid");
      confirmation = await ida.waitForMessage();
      // The VPN server has not answered yet (a call is recorded when it is answered).
      expect(await story.sb.calls("vpn")).toEqual([]);
      const sub = await subscriptionOf(story, 1701);
      expect(sub?.status).toBe("pending");
      expect(confirmation.photo).toBeNull();
      expect(body(confirmation)).toContain(
        t("en", "payment.granted", { expiresAt: sub?.expires_at as Date }),
      );
      expect(body(confirmation)).toContain(t("en", "key.activating"));

      // The key screen follows once the server has the key.
      const key = await ida.waitForMessage((m) => m.photo !== null, VPN_LATENCY_MS + 5_000);
      await story.handled();
      const active = await subscriptionOf(story, 1701);
      expect(active?.status).toBe("active");
      expect(key.message_id).toBeGreaterThan(confirmation.message_id);
      expect(body(key)).toContain(
        t("en", "key.active_until", { expiresAt: active?.expires_at as Date }),
      );
      expect(body(key)).toContain(active?.vless_link?.replaceAll("&", "&amp;") ?? "-");

      // The worker has nothing left to activate, so the key is not sent a second time.
      const report = await story.runActivation();
      expect(report.counts).toMatchObject({ activated: 0, notified: 0 });
      expect((await ida.lastMessage())?.message_id).toBe(key.message_id);
    } finally {
      await story.sb.clearFaults("vpn");
    }
    expect(story.r2Violations()).toBe(0);
  });

  it("the customer's next message is answered while the key's VPN call is still going", async () => {
    const jon = await atStarsInvoice(1702);
    await story.sb.fault({ target: "vpn", mode: "latency", latency_ms: VPN_LATENCY_MS });
    try {
      await jon.pay();
      await jon.waitForMessage();
      // The chat is not held by the payment's VPN call: /profile is answered before it ends.
      await jon.send("/profile");
      const profile = await jon.waitForMessage();
      expect(profile.photo).toBeNull();
      expect(await story.sb.calls("vpn")).toEqual([]);
      await jon.waitForMessage((m) => m.photo !== null, VPN_LATENCY_MS + 5_000);
      await story.handled();
    } finally {
      await story.sb.clearFaults("vpn");
    }
  });
});
