import { describe, expect, it } from "vitest";
import {
  cancelPurchase,
  invoicePayload,
  parseInvoicePayload,
} from "../../src/domain/billing/purchases.js";
import { until } from "../bot/support/testbed.js";
import { body, buttonsOf, linkIn, startStory, subscriptionOf, visible } from "./support.js";

const story = await startStory();
const { t } = story;

describe("buy with Telegram Stars", () => {
  it("plan → period → Stars invoice → paid: the key with its QR code", async () => {
    const eve = await story.onboard(1301);
    await eve.press("f:buy");
    const plans = await eve.waitForMessage((m) => m.edited);
    expect(buttonsOf(plans).map((b) => b.text)).toEqual([
      "Basic — from ₽149",
      "Plus — from ₽299",
      t("en", "buy.button_promo"),
      t("en", "nav.menu"),
    ]);
    await eve.press("b:basic");
    const periods = await eve.waitForMessage((m) => m.edited);
    expect(buttonsOf(periods).map((b) => b.text)).toEqual([
      "30 days — ₽149",
      "90 days — ₽399",
      "180 days — ₽749",
      "365 days — ₽1,399",
      "« Back",
      t("en", "nav.menu"),
    ]);
    await eve.press("b:basic:30");
    const methods = await eve.waitForMessage((m) => m.edited);
    expect(buttonsOf(methods).map((b) => b.callback_data)).toEqual([
      "b:basic:30:bal:14900",
      "b:basic:30:xtr:83",
      "b:basic:30:card:14900",
      "b:basic:30:cry:14900",
      "b:basic",
      "menu",
    ]);

    await story.sb.clearCalls();
    await eve.press(t("en", "buy.method_stars", { stars: 83 }));
    const invoice = await eve.waitForMessage((m) => m.invoice !== null);
    const [purchase] = await story.sql<{ id: string; method: string; stars_amount: number }>(
      "SELECT id, method, stars_amount FROM purchases WHERE user_id = 1301",
    );
    expect(invoice.invoice).toEqual({
      title: "VPN Basic, 30 days",
      description: visible(t("en", "invoice.description", { plan: "Basic", days: 30 })),
      currency: "XTR",
      total_amount: 83,
      payload: invoicePayload(Number(purchase?.id)),
    });
    const [sent] = await story.sb.calls("telegram", "sendInvoice");
    expect(sent?.request).toMatchObject({ currency: "XTR" });
    const request = (sent?.request ?? {}) as { provider_token?: string; prices?: unknown[] };
    expect(request.provider_token ?? "").toBe("");
    expect(request.prices).toEqual([{ label: "Basic, 30 days", amount: 83 }]);

    const paid = await eve.pay();
    expect(paid.status).toBe("paid");
    // The confirmation comes first, with no VPN call before it; the key follows.
    const confirmation = await eve.waitForMessage();
    const key = await eve.waitForMessage((m) => m.photo !== null);
    const sub = await subscriptionOf(story, 1301);
    expect(sub).toMatchObject({ status: "active", is_trial: false });
    expect(confirmation.photo).toBeNull();
    expect(body(confirmation)).toContain(
      t("en", "payment.granted", { expiresAt: sub?.expires_at as Date }),
    );
    expect(body(confirmation)).toContain(t("en", "key.activating"));
    expect(key.message_id).toBeGreaterThan(confirmation.message_id);
    expect(body(key)).toContain(
      t("en", "key.active_until", { expiresAt: sub?.expires_at as Date }),
    );
    expect(linkIn(key)).toBe(sub?.vless_link);
  });

  it("answers the pre-checkout query with no other call in between", async () => {
    const calls = await story.sb.calls();
    const delivered = calls.findIndex(
      (c) =>
        c.method === "getUpdates" && JSON.stringify(c.response).includes('"pre_checkout_query"'),
    );
    const answered = calls.findIndex((c) => c.method === "answerPreCheckoutQuery");
    expect(delivered).toBeGreaterThanOrEqual(0);
    expect(answered).toBeGreaterThan(delivered);
    // Across every stand-in (Telegram, VPN API, Crypto Pay): nothing between the update and its answer.
    expect(calls.slice(delivered + 1, answered).map((c) => `${c.target}.${c.method}`)).toEqual([]);
    expect(calls[answered]?.request).toMatchObject({ ok: true });
  });

  it("a renewal adds the days to the current expiry and keeps the key", async () => {
    const eve = story.customer(1301);
    const before = await subscriptionOf(story, 1301);
    await eve.send("/buy");
    const buy = await eve.waitForMessage();
    expect(body(buy)).toContain(t("en", "buy.renewal", { expiresAt: before?.expires_at as Date }));
    await eve.press("b:plus");
    await eve.waitForMessage((m) => m.edited);
    await eve.press("b:plus:90");
    await eve.waitForMessage((m) => m.edited);
    await eve.press("b:plus:90:xtr:388");
    await eve.waitForMessage((m) => m.invoice !== null);
    await eve.pay();
    // The key is live already: the confirmation is the key screen; the new expiry follows.
    const key = await eve.waitForMessage((m) => m.photo !== null);
    await story.handled();
    const after = await subscriptionOf(story, 1301);
    expect(body(key)).toContain(
      t("en", "payment.granted", { expiresAt: after?.expires_at as Date }),
    );
    expect(after?.vpn_uuid).toBe(before?.vpn_uuid);
    expect(after?.vless_link).toBe(before?.vless_link);
    expect((after?.expires_at.getTime() ?? 0) - (before?.expires_at.getTime() ?? 0)).toBe(
      90 * 86_400_000,
    );
    const [vpnUser] = await story.sb.vpnUsers();
    expect(vpnUser?.expiry_timestamp_ms).toBe(after?.expires_at.getTime());
    expect(story.r2Violations()).toBe(0);
  });

  it("an invoice whose purchase is no longer payable is refused at pre-checkout", async () => {
    const eve = story.customer(1301);
    await eve.press("b:basic:30");
    await eve.waitForMessage((m) => m.edited);
    await eve.press("b:basic:30:xtr:83");
    const invoice = await eve.waitForMessage((m) => m.invoice !== null);
    const purchaseId = parseInvoicePayload(invoice.invoice?.payload);
    await cancelPurchase(story.db, 1301, purchaseId ?? 0);
    const result = await eve.pay();
    expect(result.status).toBe("rejected");
    expect(result.answer?.error_message).toBe(t("en", "precheckout.expired"));
  });

  it("paying an invoice a second time is refused as already paid, in the language chosen", async () => {
    // A Russian phone, English chosen in the bot.
    const ivan = story.customer(1302, { first_name: "Ivan", language_code: "ru" });
    await ivan.send("/start");
    await ivan.waitForMessage();
    await ivan.press("lang:first:en");
    await ivan.waitForMessage((m) => m.edited);
    await ivan.send("/buy");
    await ivan.waitForMessage();
    await ivan.press("b:basic");
    await ivan.waitForMessage((m) => m.edited);
    await ivan.press("b:basic:30");
    await ivan.waitForMessage((m) => m.edited);
    await ivan.press("b:basic:30:xtr:83");
    const invoice = await ivan.waitForMessage((m) => m.invoice !== null);
    expect((await ivan.pay({ messageId: invoice.message_id })).status).toBe("paid");
    await ivan.waitForMessage((m) => m.photo !== null);

    const again = await ivan.pay({ messageId: invoice.message_id });
    expect(again.status).toBe("rejected");
    expect(again.answer?.error_message).toBe(t("en", "precheckout.already_paid"));
  });

  it("eight quick taps on Stars make one invoice; paying it twice extends once", async () => {
    const zoe = await story.onboard(1303);
    await zoe.send("/buy");
    await zoe.waitForMessage();
    await zoe.press("b:basic");
    await zoe.waitForMessage((m) => m.edited);
    await zoe.press("b:basic:30");
    const methods = await zoe.waitForMessage((m) => m.edited);
    // Eight taps on the same button before the bot answers the first.
    await Promise.all(
      Array.from({ length: 8 }, () =>
        story.sb.json("POST", "/sandbox/users/1303/press", {
          message_id: methods.message_id,
          data: "b:basic:30:xtr:83",
        }),
      ),
    );
    await until(
      async () => (await zoe.chat()).filter((m) => m.invoice !== null).length === 8,
      5_000,
      "eight invoice messages",
    );
    const invoices = (await zoe.chat()).filter((m) => m.invoice !== null);
    expect(new Set(invoices.map((m) => m.invoice?.payload)).size).toBe(1);
    const purchases = await story.sql("SELECT id FROM purchases WHERE user_id = 1303");
    expect(purchases).toHaveLength(1);
    expect(
      (await zoe.chat()).some((m) => body(m).includes(visible(t("en", "buy.invoice_still_open")))),
    ).toBe(true);

    expect((await zoe.pay({ messageId: invoices[0]?.message_id })).status).toBe("paid");
    await zoe.waitForMessage((m) => m.photo !== null);
    const once = await subscriptionOf(story, 1303);
    const second = await zoe.pay({ messageId: invoices[5]?.message_id });
    expect(second.status).toBe("rejected");
    expect(second.answer?.error_message).toBe(t("en", "precheckout.already_paid"));
    expect((await subscriptionOf(story, 1303))?.expires_at).toEqual(once?.expires_at);
  });
});
