import { describe, expect, it } from "vitest";
import { balanceOf, buttonsOf, startStory, toPaymentMethods } from "./support.js";

const story = await startStory();
const { t } = story;
const money = (kopecks: number) => ({ kopecks });

describe("referral program", () => {
  it("the personal link and the numbers; a friend's payment brings a cashback message", async () => {
    const vic = await story.onboard(2501);
    await vic.send("/referral");
    const empty = await vic.waitForMessage();
    const link = "https://t.me/sandbox_vpn_bot?start=ref_2501";
    expect(empty.text).toBe(
      [
        t("en", "referral.title"),
        t("en", "referral.about", { percent: 10, min: money(50_000) }),
        t("en", "referral.link", { link }),
        t("en", "referral.stats", {
          invited: 0,
          paying: 0,
          tier: 1,
          percent: 10,
          earned: money(0),
        }),
        t("en", "referral.next_tier", { next: 25 }),
      ].join("\n\n"),
    );
    expect(buttonsOf(empty)).toEqual([
      {
        text: t("en", "referral.button_share"),
        url: `https://t.me/share/url?url=${encodeURIComponent(link)}`,
      },
      { text: t("en", "referral.button_withdraw"), callback_data: "f:withdraw" },
      { text: t("en", "nav.menu"), callback_data: "menu" },
    ]);

    // Two friends follow the link; one pays 149 ₽ in Stars (cashback on the ruble price).
    const wes = await story.onboard(2502, { referrer: 2501, language: "ru" });
    await story.onboard(2503, { referrer: 2501 });
    await toPaymentMethods(wes, "basic", 30);
    await wes.press("b:basic:30:xtr:83");
    await wes.waitForMessage((m) => m.invoice !== null);
    await wes.pay();
    await wes.waitForMessage((m) => m.photo !== null);

    const cashback = await vic.waitForMessage((m) => m.text?.startsWith("🤝 A friend") ?? false);
    expect(cashback.text).toBe(
      t("en", "notice.referral_cashback", { amount: money(1_490), percent: 10 }),
    );
    expect(buttonsOf(cashback).map((b) => b.callback_data)).toEqual(["f:referral"]);
    expect(await balanceOf(story, 2501)).toBe(1_490);

    await vic.press("f:referral");
    const stats = await vic.waitForMessage((m) => m.edited);
    expect(stats.text).toContain(
      t("en", "referral.stats", {
        invited: 2,
        paying: 1,
        tier: 1,
        percent: 10,
        earned: money(1_490),
      }),
    );
    expect(story.r2Violations()).toBe(0);
  });
});
