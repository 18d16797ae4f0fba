import { describe, expect, it } from "vitest";
import { balanceOf, buttonsOf, startStory } from "./support.js";

const story = await startStory();
const { t } = story;
const money = (kopecks: number) => ({ kopecks });

describe("top-up", () => {
  it("a custom amount typed by the customer, checked, then paid by card", async () => {
    const sue = await story.onboard(2301);
    await sue.send("/profile");
    await sue.waitForMessage();
    await sue.press("f:topup");
    const presets = await sue.waitForMessage((m) => m.edited);
    expect(buttonsOf(presets).map((b) => b.text)).toEqual([
      "₽250",
      "₽750",
      "₽999",
      t("en", "topup.button_custom"),
      t("en", "nav.back"),
      t("en", "nav.menu"),
    ]);
    await sue.press("t:custom");
    const prompt = await sue.waitForMessage((m) => m.edited);
    expect(prompt.text).toBe(
      t("en", "topup.prompt", { min: money(10_000), max: money(10_000_000) }),
    );

    await sue.send("50");
    const low = await sue.waitForMessage();
    expect(
      low.text?.startsWith(
        t("en", "topup.invalid_amount", {
          reason: "below_minimum",
          min: money(10_000),
          max: money(10_000_000),
        }),
      ),
    ).toBe(true);
    await sue.send("lots");
    const junk = await sue.waitForMessage();
    expect(junk.text?.startsWith("That doesn't look like an amount")).toBe(true);

    await sue.send("1 500,50 ₽");
    const methods = await sue.waitForMessage();
    expect(methods.text).toBe(t("en", "topup.choose_method", { amount: money(150_050) }));
    expect(buttonsOf(methods).map((b) => b.callback_data)).toEqual([
      "t:150050:card",
      "t:150050:cry",
      "f:topup",
      "menu",
    ]);
    await sue.press("t:150050:card");
    const invoice = await sue.waitForMessage((m) => m.invoice !== null);
    expect(invoice.invoice).toMatchObject({ currency: "RUB", total_amount: 150_050 });
    await sue.pay();
    const done = await sue.waitForMessage((m) => m.text?.startsWith("✅") ?? false);
    expect(done.text).toBe(
      t("en", "payment.topped_up", { amount: money(150_050), balance: money(150_050) }),
    );
    expect(await balanceOf(story, 2301)).toBe(150_050);
  });

  it("a preset paid with crypto: credited by the webhook, the customer told", async () => {
    const sue = story.customer(2301);
    await sue.send("/start");
    await sue.waitForMessage();
    await sue.press("f:profile");
    await sue.waitForMessage((m) => m.edited);
    await sue.press("f:topup");
    await sue.waitForMessage((m) => m.edited);
    await sue.press("₽250");
    await sue.waitForMessage((m) => m.edited);
    await sue.press("t:25000:cry");
    await sue.waitForMessage((m) => m.edited);
    await sue.payCrypto();
    const told = await sue.waitForMessage((m) => m.text?.startsWith("✅") ?? false);
    expect(told.text).toBe(
      t("en", "notice.payment_topped_up", { amount: money(25_000), balance: money(175_050) }),
    );
    expect(await balanceOf(story, 2301)).toBe(175_050);
    expect(story.r2Violations()).toBe(0);
  });

  it("a button or command closes the open question", async () => {
    const sue = story.customer(2301);
    await sue.send("/profile");
    await sue.waitForMessage();
    await sue.press("f:topup");
    await sue.waitForMessage((m) => m.edited);
    await sue.press("t:custom");
    await sue.waitForMessage((m) => m.edited);
    await sue.send("/help");
    await sue.waitForMessage();
    await sue.send("500");
    const reply = await sue.waitForMessage();
    expect(reply.text).toContain(t("en", "unhandled.text"));
  });
});
