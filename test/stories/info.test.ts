import { describe, expect, it } from "vitest";
import { buttonsOf, startStory } from "./support.js";

const story = await startStory({ services: { limits: { contentCacheMs: 0 } } });
const { t } = story;

describe("instructions, support, about", () => {
  it("the locale's defaults while the operator has set nothing", async () => {
    const yan = await story.onboard(2601);
    await yan.press("instructions");
    const instructions = await yan.waitForMessage((m) => m.edited);
    expect(instructions.text).toBe(
      [
        t("en", "instructions.title"),
        t("en", "instructions.steps"),
        [
          t("en", "instructions.recommended"),
          "🍏 iPhone / iPad — Streisand, v2RayTun",
          "🤖 Android — v2rayNG, Hiddify",
          "🪟 Windows — Hiddify, v2rayN",
          "💻 macOS — Streisand, Hiddify",
          "🐧 Linux — Hiddify, Nekoray",
        ].join("\n"),
        t("en", "instructions.any_app"),
      ].join("\n\n"),
    );
    expect(buttonsOf(instructions).map((b) => b.callback_data)).toEqual(["f:key", "menu"]);
    await yan.press("menu");
    await yan.waitForMessage((m) => m.edited);
    await yan.press("support");
    const support = await yan.waitForMessage((m) => m.edited);
    expect(support.text).toContain(t("en", "support.no_contact"));
    expect(support.text).toContain(t("en", "support.your_id", { id: "2601" }));
    await yan.press("menu");
    await yan.waitForMessage((m) => m.edited);
    await yan.press("about");
    const about = await yan.waitForMessage((m) => m.edited);
    expect(about.text).toContain(t("en", "about.privacy"));
  });

  it("the operator's contact, app links, texts per language and the incident banner", async () => {
    await story.sql(
      "INSERT INTO settings (key, value) VALUES ('content', $1::jsonb), ('incident', $2::jsonb)",
      [
        JSON.stringify({
          supportContact: "@vpn_help",
          apps: { ios: "https://apps.example/ios", windows: "https://apps.example/win" },
          privacyPolicyUrl: "https://vpn.example/privacy",
          texts: { about: { en: "We are <VPN & Co>.", ru: "Мы — VPN и К°." } },
        }),
        JSON.stringify({ enabled: true, text: "Server maintenance until 23:00" }),
      ],
    );
    const yan = story.customer(2601);
    await yan.send("/start");
    const menu = await yan.waitForMessage();
    expect(
      menu.text?.startsWith(t("en", "menu.incident", { text: "Server maintenance until 23:00" })),
    ).toBe(true);

    await yan.press("instructions");
    const instructions = await yan.waitForMessage((m) => m.edited);
    expect(instructions.text).toContain(t("en", "instructions.apps"));
    // Apps are named for the platforms with a download button, labelled as the buttons are.
    expect(instructions.text).toContain(
      `${t("en", "instructions.recommended")}\n${t("en", "instructions.ios")} — Streisand, v2RayTun\n${t("en", "instructions.windows")} — Hiddify, v2rayN\n\n`,
    );
    expect(instructions.text).not.toContain("v2rayNG");
    expect(buttonsOf(instructions).map((b) => b.url ?? b.callback_data)).toEqual([
      "https://apps.example/ios",
      "https://apps.example/win",
      "f:key",
      "menu",
    ]);
    await yan.press("menu");
    await yan.waitForMessage((m) => m.edited);
    await yan.press("support");
    const support = await yan.waitForMessage((m) => m.edited);
    expect(support.text).toContain(t("en", "support.contact", { contact: "@vpn_help" }));
    expect(buttonsOf(support)[0]).toEqual({
      text: t("en", "support.button"),
      url: "https://t.me/vpn_help",
    });
    await yan.press("menu");
    await yan.waitForMessage((m) => m.edited);
    await yan.press("about");
    const about = await yan.waitForMessage((m) => m.edited);
    expect(about.text).toContain("We are &lt;VPN &amp; Co&gt;.");
    expect(buttonsOf(about)[0]).toEqual({
      text: t("en", "about.privacy_link"),
      url: "https://vpn.example/privacy",
    });

    // A malformed setting is ignored (defaults), never a broken menu.
    await story.sql(
      "UPDATE settings SET value = '{\"enabled\": \"yes\"}'::jsonb WHERE key = 'incident'",
    );
    await yan.send("/start");
    const plain = await yan.waitForMessage();
    expect(plain.text).not.toContain("maintenance");
  });
});
