import { describe, expect, it } from "vitest";
import { buttonsOf, startStory } from "./support.js";

const story = await startStory();
const { t } = story;

describe("/start", () => {
  it("a new customer picks a language, then sees the menu with the trial offer", async () => {
    const ann = story.customer(1101, { first_name: "Ann", language_code: "en" });
    await ann.send("/start");
    const picker = await ann.waitForMessage();
    expect(picker.text).toBe(t("en", "language.prompt"));
    expect(buttonsOf(picker).map((b) => b.text)).toEqual(["Русский", "English"]);

    await ann.press("English");
    const menu = await ann.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
    expect(menu.text).toContain("Hello, Ann!");
    expect(menu.text).toContain(t("en", "start.trial_offer", { days: 3 }));
    expect(buttonsOf(menu).map((b) => b.callback_data)).toEqual([
      "f:trial",
      "f:profile",
      "f:buy",
      "instructions",
      "f:referral",
      "support",
      "about",
      "settings",
    ]);
    const [user] = await story.sql(
      "SELECT language_code, referrer_id FROM users WHERE telegram_id = 1101",
    );
    expect(user).toEqual({ language_code: "en", referrer_id: null });

    // Returning: straight to the menu.
    await ann.send("/start");
    const again = await ann.waitForMessage();
    expect(again.text).toContain(t("en", "start.welcome_back", { name: "Ann" }));
  });

  it("a newcomer whose first message is not /start gets the same first contact", async () => {
    for (const [id, first] of [
      [1111, "hello"],
      [1112, "/profile"],
    ] as const) {
      const cat = story.customer(id, { first_name: "Cat", language_code: "ru" });
      await cat.send(first);
      const picker = await cat.waitForMessage();
      expect(picker.text).toBe(t("ru", "language.prompt"));
      expect(buttonsOf(picker).map((b) => b.text)).toEqual(["Русский", "English"]);
      await cat.press("English");
      const menu = await cat.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
      expect(menu.text).toContain("Hello, Cat!");
      expect(menu.text).toContain(t("en", "start.trial_offer", { days: 3 }));
      expect(buttonsOf(menu)[0]?.callback_data).toBe("f:trial");
    }
    // Once the language is chosen, text is just text again.
    const cat = story.customer(1111);
    await cat.send("hello");
    expect((await cat.waitForMessage()).text).toContain(t("en", "unhandled.text"));
  });

  it("a deep link ref_<id> attaches the referrer once, and the referrer is told", async () => {
    const ann = story.customer(1101);
    const ben = story.customer(1102, { first_name: "Ben", language_code: "ru" });
    await ben.send("/start ref_1101");
    const picker = await ben.waitForMessage();
    expect(picker.text).toBe(`${t("ru", "start.invited")}\n\n${t("ru", "language.prompt")}`);
    const told = await ann.waitForMessage((m) => m.text === t("en", "referral.new_invitee"));
    expect(told).toBeDefined();

    // Another link later changes nothing; a self-referral is ignored.
    await story.onboard(1103);
    await ben.send("/start ref_1103");
    await ben.waitForMessage();
    await story.customer(1103).send("/start ref_1103");
    await story.customer(1103).waitForMessage();
    const rows = await story.sql<{ telegram_id: string; referrer_id: string | null }>(
      "SELECT telegram_id, referrer_id FROM users WHERE telegram_id IN (1102, 1103) ORDER BY 1",
    );
    expect(rows).toEqual([
      { telegram_id: "1102", referrer_id: "1101" },
      { telegram_id: "1103", referrer_id: null },
    ]);
    expect(story.r2Violations()).toBe(0);
  });
});
