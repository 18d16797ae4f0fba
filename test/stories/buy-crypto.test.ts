import { describe, expect, it } from "vitest";
import { invoicePayload } from "../../src/domain/billing/purchases.js";
import { body, buttonsOf, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

const story = await startStory();
const { t } = story;

describe("buy with crypto (Crypto Pay)", () => {
  it("an RUB invoice link; paid in CryptoBot → signed webhook → granted and announced", async () => {
    const kim = await story.onboard(1901, { language: "ru" });
    await toPaymentMethods(kim, "basic", 90);
    await kim.press("b:basic:90:cry:39900");
    const link = await kim.waitForMessage((m) => m.edited);
    expect(body(link)).toBe(
      t("ru", "buy.crypto_invoice", { price: { kopecks: 39_900 }, minutes: 30 }),
    );
    const [invoice] = await story.sb.cryptoInvoices();
    const [purchase] = await story.sql<{
      id: string;
      crypto_invoice_id: string;
      crypto_invoice_url: string;
    }>("SELECT id, crypto_invoice_id, crypto_invoice_url FROM purchases WHERE user_id = 1901");
    expect(invoice).toMatchObject({
      currency_type: "fiat",
      fiat: "RUB",
      amount: "399.00",
      payload: invoicePayload(Number(purchase?.id)),
      status: "active",
    });
    expect(purchase?.crypto_invoice_id).toBe(String(invoice?.invoice_id));
    expect(buttonsOf(link)[0]).toEqual({
      text: t("ru", "payment.crypto_pay_button"),
      url: invoice?.bot_invoice_url,
    });

    // The provider delivers the webhook three times at once: credited and announced once.
    const paid = await kim.payCrypto({ times: 3, concurrent: true });
    expect(paid.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    const told = await kim.waitForMessage((m) => body(m).startsWith("✅"));
    const sub = await subscriptionOf(story, 1901);
    expect(sub?.status).toBe("active");
    expect(told.photo).not.toBeNull();
    expect(body(told)).toBe(
      t("ru", "notice.payment_granted", {
        expiresAt: sub?.expires_at as Date,
        link: sub?.vless_link ?? "",
      }),
    );
    expect(buttonsOf(told).map((b) => b.callback_data)).toEqual(["f:key"]);

    const payments = await story.sql("SELECT provider FROM payments WHERE user_id = 1901");
    expect(payments).toEqual([{ provider: "cryptopay" }]);
    await new Promise((r) => setTimeout(r, 300));
    const announcements = (await kim.chat()).filter((m) => body(m).startsWith("✅"));
    expect(announcements).toHaveLength(1);
    expect(story.r2Violations()).toBe(0);
  });

  it("Crypto Pay unreachable: the purchase is cancelled and the customer told", async () => {
    const kim = story.customer(1901);
    await toPaymentMethods(kim, "plus", 30);
    await story.sb.fault({ target: "cryptopay", mode: "error", status: 500 });
    try {
      await kim.press("b:plus:30:cry:29900");
      const sorry = await kim.waitForMessage((m) => m.edited);
      expect(sorry.text).toBe(t("ru", "payment.crypto_unavailable"));
    } finally {
      await story.sb.clearFaults("cryptopay");
    }
    const [latest] = await story.sql(
      "SELECT status FROM purchases WHERE user_id = 1901 ORDER BY id DESC LIMIT 1",
    );
    expect(latest).toEqual({ status: "cancelled" });
  });
});
