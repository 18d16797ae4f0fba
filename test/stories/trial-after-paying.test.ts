import { describe, expect, it } from "vitest";
import {
  body,
  buttonsOf,
  startStory,
  subscriptionOf,
  toPaymentMethods,
  visible,
} from "./support.js";

const story = await startStory();
const { t } = story;

describe("a stale trial button pressed after paying", () => {
  it("is refused politely and never overwrites the paid subscription", async () => {
    const fay = await story.onboard(1401);
    const menu = await fay.lastMessage();
    expect(buttonsOf(menu).map((b) => b.callback_data)).toContain("f:trial");

    // She buys instead (the menu with the trial button stays in the chat).
    await toPaymentMethods(fay, "basic", 30);
    await fay.press("b:basic:30:xtr:83");
    await fay.waitForMessage((m) => m.invoice !== null);
    await fay.pay();
    await fay.waitForMessage((m) => m.photo !== null);
    const paid = await subscriptionOf(story, 1401);

    await fay.press("f:trial");
    const refused = await fay.waitForMessage((m) => m.message_id === menu?.message_id);
    expect(visible(body(refused))).toContain(
      visible(t("en", "trial.unavailable", { reason: "has_paid" })),
    );
    expect(body(refused)).toContain(
      t("en", "subscription.active", { expiresAt: paid?.expires_at as Date }),
    );
    expect(buttonsOf(refused).map((b) => b.callback_data)).toEqual(["f:key", "f:buy", "menu"]);
    expect(await subscriptionOf(story, 1401)).toEqual(paid);
    const grants = await story.sql("SELECT kind FROM subscription_grants WHERE user_id = 1401");
    expect(grants).toEqual([{ kind: "purchase" }]);
  });
});
