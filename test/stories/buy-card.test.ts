import { describe, expect, it } from "vitest";
import type { Customer } from "../../src/bot/services.js";
import { createBotServices } from "../../src/bot-services.js";
import { invoicePayload } from "../../src/domain/billing/purchases.js";
import { decodeBuy } from "../../src/features/buy/codec.js";
import { testConfig } from "../bot/support/testbed.js";
import { linkIn, PROVIDER_TOKEN, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

const story = await startStory();
const { t } = story;

describe("buy with a bank card (Telegram Payments provider)", () => {
  it("a RUB invoice in kopecks through the provider token; paid: the key", async () => {
    const jon = await story.onboard(1801);
    await toPaymentMethods(jon, "plus", 30);
    await story.sb.clearCalls();
    await jon.press(t("en", "buy.method_card", { price: { kopecks: 29_900 } }));
    const invoice = await jon.waitForMessage((m) => m.invoice !== null);
    const [purchase] = await story.sql<{ id: string }>(
      "SELECT id FROM purchases WHERE user_id = 1801 AND method = 'card'",
    );
    expect(invoice.invoice).toMatchObject({
      currency: "RUB",
      total_amount: 29_900,
      payload: invoicePayload(Number(purchase?.id)),
    });
    const [sent] = await story.sb.calls("telegram", "sendInvoice");
    expect(sent?.request).toMatchObject({ provider_token: PROVIDER_TOKEN, currency: "RUB" });

    const paid = await jon.pay();
    expect(paid.successful_payment?.provider_payment_charge_id).toMatch(/^ch_sandbox_/);
    const key = await jon.waitForMessage((m) => m.photo !== null);
    expect(linkIn(key)).toBe((await subscriptionOf(story, 1801))?.vless_link);
    const [payment] = await story.sql(
      "SELECT provider, amount_kopecks, currency FROM payments WHERE user_id = 1801",
    );
    expect(payment).toEqual({
      provider: "telegram_card",
      amount_kopecks: "29900",
      currency: "RUB",
    });
  });

  it("card and crypto are offered only when configured; Stars always", async () => {
    const bare = createBotServices({
      config: testConfig(story.sandbox, { TG_PROVIDER_TOKEN: undefined }),
      db: story.db,
    });
    const jon: Customer = { telegramId: 1801, language: "en", botUsername: "sandbox_vpn_bot" };
    const screen = await bare.buy.period(jon, { promoCode: null }, "basic", 30);
    const methods = (screen.buttons ?? [])
      .flat()
      .map((b) => ("callbackData" in b ? decodeBuy(b.callbackData) : undefined));
    expect(methods.map((a) => (a?.type === "pay" ? a.method : a?.type))).toEqual([
      "balance",
      "stars",
      "plan",
    ]);
    // A stale card button on such a bot is answered, not charged.
    const stale = await bare.buy.pay(
      jon,
      { promoCode: null },
      { plan: "basic", days: 30, method: "card", shown: 14_900 },
    );
    expect(stale.invoice).toBeUndefined();
    expect(stale.text).toContainEqual({ key: "payment.method_unavailable" });
  });
});
