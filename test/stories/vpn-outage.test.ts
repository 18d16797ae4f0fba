import { describe, expect, it } from "vitest";
import { body, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

const story = await startStory();
const { t } = story;

describe("paying while the VPN API is down", () => {
  it("shows 'activation pending'; once the API is back the activation worker sends the key", async () => {
    const hal = await story.onboard(1601, { language: "ru" });
    await toPaymentMethods(hal, "basic", 30);
    await hal.press("b:basic:30:xtr:83");
    await hal.waitForMessage((m) => m.invoice !== null);

    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      const paid = await hal.pay();
      expect(paid.status).toBe("paid");
      const pending = await hal.waitForMessage();
      // The payment's own attempt at the key is over (it met the outage too).
      await story.handled();
      const sub = await subscriptionOf(story, 1601);
      expect(sub?.status).toBe("pending");
      expect(pending.photo).toBeNull();
      expect(body(pending)).toContain(
        t("ru", "payment.granted", { expiresAt: sub?.expires_at as Date }),
      );
      expect(body(pending)).toContain(t("ru", "key.activating"));
      // The worker meets the outage too: still pending, nothing sent.
      await story.runActivation();
      expect((await subscriptionOf(story, 1601))?.status).toBe("pending");
    } finally {
      await story.sb.clearFaults("vpn");
    }

    const report = await story.runActivation();
    expect(report.counts).toMatchObject({ activated: 1, notified: 1 });
    const sub = await subscriptionOf(story, 1601);
    expect(sub?.status).toBe("active");
    const done = await hal.waitForMessage();
    expect(done.photo).not.toBeNull();
    expect(body(done)).toBe(t("ru", "notice.activation_done", { link: sub?.vless_link ?? "" }));

    // "My key" now shows it, with the QR code.
    await hal.press("f:key");
    const key = await hal.waitForMessage((m) => m.photo !== null);
    expect(body(key)).toContain(sub?.vless_link?.replaceAll("&", "&amp;") ?? "-");
    expect(story.r2Violations()).toBe(0);
  });
});
