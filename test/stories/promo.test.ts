import { describe, expect, it } from "vitest";
import { createPromoCode } from "../../src/domain/billing/promo.js";
import { ADMIN_ID, body, buttonsOf, startStory, subscriptionOf, visible } from "./support.js";

const story = await startStory();
const { t } = story;

describe("promo code on the buy screen", () => {
  it("a wrong code is refused and asked again; a good one re-prices everything", async () => {
    await createPromoCode(story.db, {
      adminId: ADMIN_ID,
      code: "SPRING20",
      percent: 20,
      maxUses: 5,
      expiresAt: null,
    });
    const lea = await story.onboard(2001);
    await lea.send("/buy");
    await lea.waitForMessage();
    await lea.press(t("en", "buy.button_promo"));
    const prompt = await lea.waitForMessage((m) => m.edited);
    expect(prompt.text).toBe(t("en", "buy.promo_prompt"));

    await lea.send("NOPE");
    const refused = await lea.waitForMessage();
    expect(refused.text).toBe(
      `${t("en", "buy.promo_rejected", { reason: "not_found" })}\n\n${t("en", "buy.promo_prompt")}`,
    );

    await lea.send("  spring20 ");
    const priced = await lea.waitForMessage();
    expect(body(priced)).toContain(t("en", "buy.promo_applied", { code: "SPRING20", off: "20%" }));
    expect(visible(body(priced))).toContain("🏷 Your discount: −20% (promo code SPRING20).");
    expect(buttonsOf(priced).map((b) => b.text)).toEqual([
      "Basic — from ₽119.20",
      "Plus — from ₽239.20",
      t("en", "buy.button_promo_clear", { code: "SPRING20" }),
      t("en", "nav.menu"),
    ]);

    // The session keeps the code through plan, period and method.
    await lea.press("b:basic");
    const periods = await lea.waitForMessage((m) => m.edited);
    expect(buttonsOf(periods)[0]?.text).toBe("30 days — ₽119.20 (−20%)");
    await lea.press("b:basic:30");
    const methods = await lea.waitForMessage((m) => m.edited);
    expect(buttonsOf(methods).map((b) => b.callback_data)).toContain("b:basic:30:xtr:67");
    await lea.press("b:basic:30:xtr:67");
    const invoice = await lea.waitForMessage((m) => m.invoice !== null);
    expect(invoice.invoice?.total_amount).toBe(67);
    const [reserved] = await story.sql("SELECT reserved_count, used_count FROM promo_codes");
    expect(reserved).toEqual({ reserved_count: 1, used_count: 0 });

    await lea.pay();
    await lea.waitForMessage((m) => m.photo !== null);
    const [purchase] = await story.sql(
      "SELECT discount_source, discount_percent, amount_kopecks, stars_amount FROM purchases WHERE user_id = 2001 AND status = 'paid'",
    );
    expect(purchase).toEqual({
      discount_source: "promo",
      discount_percent: 20,
      amount_kopecks: "11920",
      stars_amount: 67,
    });
    const [used] = await story.sql("SELECT used_count FROM promo_codes");
    expect(used).toEqual({ used_count: 1 });

    // Spent: the next visit shows plain prices, and the code cannot be entered again.
    await lea.send("/buy");
    const after = await lea.waitForMessage();
    expect(buttonsOf(after)[0]?.text).toBe("Basic — from ₽149");
    await lea.press("promo");
    await lea.waitForMessage((m) => m.edited);
    await lea.send("SPRING20");
    const twice = await lea.waitForMessage();
    expect(body(twice)).toContain(t("en", "buy.promo_rejected", { reason: "already_used" }));
  });

  it("a code can be removed again", async () => {
    await createPromoCode(story.db, {
      adminId: ADMIN_ID,
      code: "FRIENDS",
      percent: 10,
      maxUses: null,
      expiresAt: null,
    });
    const max = await story.onboard(2002, { language: "ru" });
    await max.send("/buy");
    await max.waitForMessage();
    await max.press("promo");
    await max.waitForMessage((m) => m.edited);
    await max.send("friends");
    await max.waitForMessage();
    await max.press("promo:x");
    const plain = await max.waitForMessage((m) => m.edited);
    expect(body(plain).startsWith(t("ru", "buy.promo_removed"))).toBe(true);
    expect(buttonsOf(plain).map((b) => b.callback_data)).toContain("promo");
    expect(story.r2Violations()).toBe(0);
  });

  it("wrong codes are rate-limited per customer: after five, told when to try again", async () => {
    await createPromoCode(story.db, {
      adminId: ADMIN_ID,
      code: "GUESSME",
      percent: 50,
      maxUses: null,
      expiresAt: null,
    });
    const max = await story.onboard(2090);
    await max.send("/buy");
    await max.waitForMessage();
    await max.press(t("en", "buy.button_promo"));
    await max.waitForMessage((m) => m.edited);
    for (let i = 0; i < 5; i++) {
      await max.send(`WRONG${i}`);
      const refused = await max.waitForMessage();
      expect(refused.text).toContain(t("en", "buy.promo_rejected", { reason: "not_found" }));
    }
    // The sixth (even the right code) is not looked up: the customer is told when to come back.
    await max.send("GUESSME");
    const limited = await max.waitForMessage();
    expect(limited.text).toBe(t("en", "buy.promo_rate_limited", { minutes: 10 }));
    const [row] = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM promo_attempts WHERE user_id = 2090",
    );
    expect(row?.n).toBe(5);
    // Another customer is not affected.
    const ned = await story.onboard(2091);
    await ned.send("/buy");
    await ned.waitForMessage();
    await ned.press(t("en", "buy.button_promo"));
    await ned.waitForMessage((m) => m.edited);
    await ned.send("GUESSME");
    expect(body(await ned.waitForMessage())).toContain(
      t("en", "buy.promo_applied", { code: "GUESSME", off: "50%" }),
    );
  });

  it("a 100 % promo code: nothing to pay, and the confirmation says the code covered it", async () => {
    await createPromoCode(story.db, {
      adminId: ADMIN_ID,
      code: "ONTHEHOUSE",
      percent: 100,
      maxUses: null,
      expiresAt: null,
    });
    const eve = await story.onboard(2003);
    await eve.send("/buy");
    await eve.waitForMessage();
    await eve.press("promo");
    await eve.waitForMessage((m) => m.edited);
    await eve.send("ONTHEHOUSE");
    await eve.waitForMessage();
    await eve.press("b:basic");
    await eve.waitForMessage((m) => m.edited);
    await eve.press("b:basic:30");
    const methods = await eve.waitForMessage((m) => m.edited);
    expect(buttonsOf(methods)[0]).toEqual({
      text: t("en", "buy.method_free"),
      callback_data: "b:basic:30:bal:0",
    });
    await eve.press("b:basic:30:bal:0");
    const key = await eve.waitForMessage((m) => m.photo !== null);
    const sub = await subscriptionOf(story, 2003);
    expect(
      body(key).startsWith(
        t("en", "buy.paid_free", { source: "promo", expiresAt: sub?.expires_at as Date }),
      ),
    ).toBe(true);
    expect(visible(body(key))).toContain("Your promo code covers the whole price");
    expect(visible(body(key))).not.toContain("Paid from your balance");
    expect(story.r2Violations()).toBe(0);
  });
});
