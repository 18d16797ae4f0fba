import { describe, expect, it } from "vitest";
import { buttonsOf, startStory } from "./support.js";

const story = await startStory();
const { t } = story;

describe("language", () => {
  it("switches any time, by /language or settings, and every flow follows", async () => {
    const zoe = await story.onboard(2701, { language: "ru" });
    await zoe.send("/profile");
    expect((await zoe.waitForMessage()).text).toContain(t("ru", "subscription.none"));

    await zoe.send("/language");
    const picker = await zoe.waitForMessage();
    expect(buttonsOf(picker).map((b) => b.text)).toEqual([
      "✓ Русский",
      "English",
      t("ru", "nav.back"),
    ]);
    await zoe.press("English");
    const menu = await zoe.waitForMessage((m) => m.edited);
    expect(menu.text).toContain(t("en", "language.changed", { language: "English" }));
    await zoe.send("/buy");
    expect((await zoe.waitForMessage()).text).toContain(t("en", "buy.title"));

    await zoe.press("settings");
    await zoe.waitForMessage((m) => m.edited);
    await zoe.press("lang");
    await zoe.waitForMessage((m) => m.edited);
    await zoe.press("lang:set:ru");
    await zoe.waitForMessage((m) => m.edited);
    await zoe.send("/referral");
    expect((await zoe.waitForMessage()).text).toContain(t("ru", "referral.title"));
    const [row] = await story.sql("SELECT language_code FROM users WHERE telegram_id = 2701");
    expect(row).toEqual({ language_code: "ru" });
  });
});
