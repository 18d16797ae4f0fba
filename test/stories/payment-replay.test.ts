import { describe, expect, it } from "vitest";
import { ADMIN_ID, body, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

const story = await startStory();
const { t } = story;

describe("the same Stars payment delivered twice", () => {
  it("grants once; the second delivery only shows the result again", async () => {
    const gus = await story.onboard(1501);
    await toPaymentMethods(gus, "basic", 30);
    await gus.press("b:basic:30:xtr:83");
    await gus.waitForMessage((m) => m.invoice !== null);
    const paid = await gus.pay();
    await gus.waitForMessage((m) => m.photo !== null);
    const once = await subscriptionOf(story, 1501);
    const payment = paid.successful_payment;
    if (!payment || paid.message_id === undefined) throw new Error("not paid");

    // Telegram delivers the same successful_payment again (a new update carrying the same charge).
    const from = { id: 1501, is_bot: false, first_name: "Customer1501", language_code: "en" };
    await story.runtime.bot.handleUpdate({
      update_id: 9_000_001,
      message: {
        message_id: paid.message_id,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 1501, type: "private", first_name: "Customer1501" },
        from,
        successful_payment: payment,
      },
    });
    const again = await gus.waitForMessage((m) => m.photo !== null);
    expect(body(again)).toContain(
      t("en", "payment.granted", { expiresAt: once?.expires_at as Date }),
    );

    expect(await subscriptionOf(story, 1501)).toEqual(once);
    const payments = await story.sql(
      "SELECT provider, provider_payment_id FROM payments WHERE user_id = 1501",
    );
    expect(payments).toEqual([
      { provider: "telegram_stars", provider_payment_id: payment.telegram_payment_charge_id },
    ]);
    const grants = await story.sql("SELECT kind FROM subscription_grants WHERE user_id = 1501");
    expect(grants).toHaveLength(1);
  });

  it("money that matches no purchase of ours: the customer is reassured, every admin alerted", async () => {
    const admin = await story.onboard(ADMIN_ID);
    const gus = story.customer(1501);
    await story.runtime.bot.handleUpdate({
      update_id: 9_000_002,
      message: {
        message_id: 777,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 1501, type: "private", first_name: "Customer1501" },
        from: { id: 1501, is_bot: false, first_name: "Customer1501", language_code: "en" },
        successful_payment: {
          currency: "XTR",
          total_amount: 50,
          invoice_payload: "purchase:987654",
          telegram_payment_charge_id: "stx-unknown-1",
          provider_payment_charge_id: "",
        },
      },
    });
    const review = await gus.waitForMessage((m) => m.text?.startsWith("Payment received") ?? false);
    expect(review.text).toBe(t("en", "payment.review", { id: "1501" }));
    const alert = await admin.waitForMessage((m) => m.text?.startsWith("⚠️") ?? false);
    expect(alert.text).toBe(
      t("en", "notice.admin_payment_alert", {
        alert: "unknown_purchase",
        method: "stars",
        user: "1501",
        purchase: "#987654",
        payment: "—",
        amount: "—",
        reference: "stx-unknown-1",
      }),
    );
  });
});
