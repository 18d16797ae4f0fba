import { describe, expect, it } from "vitest";
import { adjustBalanceByAdmin } from "../../src/domain/billing/admin-balance.js";
import {
  ADMIN_ID,
  balanceOf,
  body,
  buttonsOf,
  linkIn,
  startStory,
  subscriptionOf,
  toPaymentMethods,
} from "./support.js";

const story = await startStory();
const { t } = story;
const credit = (userId: number, deltaKopecks: number) =>
  adjustBalanceByAdmin(story.db, { adminId: ADMIN_ID, userId, deltaKopecks, comment: "test" });

describe("buy from the balance", () => {
  it("not enough money: says how much is missing and offers a top-up; nothing is charged", async () => {
    const ida = await story.onboard(1701);
    await credit(1701, 10_000);
    const methods = await toPaymentMethods(ida, "basic", 30);
    expect(body(methods)).toContain(t("en", "buy.balance", { balance: { kopecks: 10_000 } }));
    await ida.press(t("en", "buy.method_balance", { price: { kopecks: 14_900 } }));
    const short = await ida.waitForMessage((m) => m.edited);
    expect(short.text).toBe(
      t("en", "buy.insufficient", {
        price: { kopecks: 14_900 },
        balance: { kopecks: 10_000 },
        missing: { kopecks: 4_900 },
      }),
    );
    expect(buttonsOf(short).map((b) => b.callback_data)).toEqual(["f:topup", "b:basic:30", "menu"]);
    expect(await balanceOf(story, 1701)).toBe(10_000);
    expect(await subscriptionOf(story, 1701)).toBeUndefined();
  });

  it("enough money: debited at once, the key shown; no cashback for balance money", async () => {
    const ida = story.customer(1701);
    await credit(1701, 10_000);
    await ida.press("b:basic:30");
    const methods = await ida.waitForMessage((m) => m.edited);
    await ida.press("b:basic:30:bal:14900");
    const key = await ida.waitForMessage((m) => m.photo !== null);
    // The screen with the pay buttons lost them: it cannot be pressed again later.
    const pressed = (await ida.chat()).find((m) => m.message_id === methods.message_id);
    expect(buttonsOf(pressed)).toEqual([]);
    const sub = await subscriptionOf(story, 1701);
    expect(body(key)).toContain(
      t("en", "buy.paid_balance", {
        expiresAt: sub?.expires_at as Date,
        balance: { kopecks: 5_100 },
      }),
    );
    expect(linkIn(key)).toBe(sub?.vless_link);
    expect(await balanceOf(story, 1701)).toBe(5_100);
    const ledger = await story.sql(
      "SELECT reason, delta_kopecks FROM balance_ledger WHERE user_id = 1701 ORDER BY id",
    );
    expect(ledger.at(-1)).toEqual({ reason: "subscription_payment", delta_kopecks: "-14900" });
  });

  it("a button showing an old price is not charged: the current price is shown instead", async () => {
    const ida = story.customer(1701);
    await credit(1701, 20_000);
    await toPaymentMethods(ida, "plus", 30);
    // The operator makes her VIP (−30 %) while the screen with 299 ₽ is open.
    await story.sql("UPDATE users SET is_vip = true WHERE telegram_id = 1701");
    const before = await balanceOf(story, 1701);
    await ida.press("b:plus:30:bal:29900");
    const again = await ida.waitForMessage((m) => m.edited);
    expect(body(again).startsWith(t("en", "buy.price_changed"))).toBe(true);
    expect(body(again)).toContain(
      t("en", "buy.price_discounted", {
        base: { kopecks: 29_900 },
        price: { kopecks: 20_930 },
        off: "30%",
      }),
    );
    expect(await balanceOf(story, 1701)).toBe(before);
    await ida.press("b:plus:30:bal:20930");
    await ida.waitForMessage((m) => m.photo !== null);
    expect(before - (await balanceOf(story, 1701))).toBe(20_930);
  });

  it("a double tap on 'pay from balance' charges once", async () => {
    const ida = story.customer(1701);
    await credit(1701, 100_000);
    const methods = await toPaymentMethods(ida, "basic", 90);
    const before = await balanceOf(story, 1701);
    const data = "b:basic:90:bal:27930";
    expect(buttonsOf(methods).map((b) => b.callback_data)).toContain(data);
    await Promise.all([ida.press(data), ida.press(data)]);
    await ida.waitForMessage((m) =>
      body(m).startsWith(t("en", "buy.already_paid", { seconds: 30 })),
    );
    expect(before - (await balanceOf(story, 1701))).toBe(27_930);
    const purchases = await story.sql(
      "SELECT count(*)::int AS n FROM purchases WHERE user_id = 1701 AND period_days = 90",
    );
    expect(purchases).toEqual([{ n: 1 }]);
    expect(story.r2Violations()).toBe(0);
  });
});
