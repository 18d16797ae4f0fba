import { describe, expect, it } from "vitest";
import { readPrice } from "../../src/features/admin/content/index.js";
import { CONTENT_DATA, targetFromParts } from "../../src/features/admin/content/screens.js";
import { ADMIN_ID, body, buttonsOf, startStory, visible } from "../stories/support.js";

// Every read sees the latest settings (production re-reads every SETTINGS_CACHE_MS).
const story = await startStory({ env: { SETTINGS_CACHE_MS: "0" } });
const { t } = story;

async function pressAgain(userId: number, messageId: number, data: string) {
  await story.sb.json("POST", `/sandbox/users/${userId}/press`, {
    message_id: messageId,
    data,
    forged: true,
  });
}

describe("content and prices in the console", () => {
  it("sets the support contact: preview, one save, audited, seen by customers", async () => {
    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/content");
    await admin.waitForMessage();
    await admin.press(CONTENT_DATA.edit({ kind: "support" }));
    await admin.waitForMessage((m) => m.edited);
    await admin.send(`@${"x".repeat(250)}`);
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.content.bad_value"));
    await admin.send("@help_desk");
    const preview = await admin.waitForMessage();
    expect(visible(body(preview))).toContain("Support contact will be:\n\n@help_desk");
    await admin.press(CONTENT_DATA.save);
    const saved = await admin.waitForMessage((m) => m.edited);
    expect(body(saved)).toContain(t("en", "admin.content.saved"));
    expect(visible(body(saved))).toContain("Support contact: @help_desk");

    await pressAgain(admin.id, preview.message_id, CONTENT_DATA.save);
    expect(body(await admin.waitForMessage((m) => m.edited))).toContain(
      t("en", "admin.content.draft_gone"),
    );
    const audit = await story.sql(
      "SELECT actor_id, details->'change' AS change FROM audit_log WHERE action = 'settings.content'",
    );
    expect(audit).toEqual([
      { actor_id: String(ADMIN_ID), change: { field: "supportContact", value: "@help_desk" } },
    ]);

    const ann = await story.onboard(3401);
    await ann.press("support");
    const support = await ann.waitForMessage((m) => m.edited);
    expect(body(support)).toContain(t("en", "support.contact", { contact: "@help_desk" }));
  });

  it("sets an instructions text per language and an app link", async () => {
    const admin = story.customer(ADMIN_ID);
    await admin.press(CONTENT_DATA.edit({ kind: "text", name: "instructions", language: "en" }));
    await admin.waitForMessage((m) => m.edited);
    await admin.send("Install the app, then tap “My key”.");
    await admin.waitForMessage();
    await admin.press(CONTENT_DATA.save);
    await admin.waitForMessage((m) => m.edited);
    await admin.press(CONTENT_DATA.edit({ kind: "app", platform: "android" }));
    await admin.waitForMessage((m) => m.edited);
    await admin.send("ftp://example.org/app.apk");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.content.bad_value"));
    await admin.send("https://example.org/app.apk");
    await admin.waitForMessage();
    await admin.press(CONTENT_DATA.save);
    expect(body(await admin.waitForMessage((m) => m.edited))).toContain(
      t("en", "admin.content.saved"),
    );

    const en = await story.onboard(3402, { language: "en" });
    await en.press("instructions");
    const shown = await en.waitForMessage((m) => m.edited);
    expect(visible(body(shown))).toContain("Install the app, then tap “My key”.");
    expect(buttonsOf(shown).some((b) => b.url === "https://example.org/app.apk")).toBe(true);
    // Until a Russian text is set, Russian readers get the one that is (operator texts fall
    // back to any language they exist in before the built-in default).
    const ru = await story.onboard(3403, { language: "ru" });
    await ru.press("instructions");
    expect(visible(body(await ru.waitForMessage((m) => m.edited)))).toContain("Install the app");
    const [stored] = await story.sql(
      "SELECT value->'texts' AS texts FROM settings WHERE key = 'content'",
    );
    expect(stored?.texts).toEqual({ instructions: { en: "Install the app, then tap “My key”." } });
  });

  it("turns the incident banner on only with a text; customers see it on the menu", async () => {
    const admin = story.customer(ADMIN_ID);
    await admin.press(CONTENT_DATA.incident(true));
    expect(body(await admin.waitForMessage((m) => m.edited))).toContain(
      t("en", "admin.content.incident_needs_text"),
    );
    await admin.press(CONTENT_DATA.edit({ kind: "incident_text" }));
    await admin.waitForMessage((m) => m.edited);
    await admin.send("Servers in NL are being restarted");
    await admin.waitForMessage();
    await admin.press(CONTENT_DATA.save);
    await admin.waitForMessage((m) => m.edited);
    await admin.press(CONTENT_DATA.incident(true));
    expect(body(await admin.waitForMessage((m) => m.edited))).toContain(
      t("en", "admin.content.incident_on"),
    );

    const bo = story.customer(3402);
    await bo.send("/menu");
    expect(visible(body(await bo.waitForMessage()))).toContain(
      "Notice: Servers in NL are being restarted",
    );
    await admin.press(CONTENT_DATA.incident(false));
    await admin.waitForMessage((m) => m.edited);
    await bo.send("/menu");
    expect(visible(body(await bo.waitForMessage()))).not.toContain("Notice:");
  });

  it("changes a plan period's price; the next checkout charges it", async () => {
    const admin = story.customer(ADMIN_ID);
    await admin.press(CONTENT_DATA.prices);
    await admin.waitForMessage((m) => m.edited);
    await admin.press(CONTENT_DATA.edit({ kind: "price", plan: "basic", days: 30 }));
    await admin.waitForMessage((m) => m.edited);
    await admin.send("199 111");
    await admin.waitForMessage();
    await admin.press(CONTENT_DATA.save);
    const saved = await admin.waitForMessage((m) => m.edited);
    expect(buttonsOf(saved).map((b) => b.text)).toContain("basic, 30 days — ₽199 / 111 ⭐");
    const [audit] = await story.sql(
      "SELECT details FROM audit_log WHERE action = 'settings.pricing' ORDER BY id DESC LIMIT 1",
    );
    expect(audit?.details).toMatchObject({
      plan: "basic",
      days: 30,
      old: { kopecks: 14_900, stars: 83 },
      new: { kopecks: 19_900, stars: 111 },
    });

    const cy = await story.onboard(3404);
    await cy.send("/buy");
    expect(buttonsOf(await cy.waitForMessage())[0]?.text).toBe("Basic — from ₽199");
    await cy.press("b:basic");
    await cy.waitForMessage((m) => m.edited);
    await cy.press("b:basic:30");
    const methods = await cy.waitForMessage((m) => m.edited);
    expect(buttonsOf(methods).map((b) => b.callback_data)).toContain("b:basic:30:xtr:111");
  });

  it("a stranger's press on content data changes nothing", async () => {
    const stranger = await story.onboard(3405);
    const before = await stranger.chat();
    const last = before.at(-1);
    if (!last) throw new Error("no message");
    await pressAgain(stranger.id, last.message_id, CONTENT_DATA.incident(false));
    await new Promise((r) => setTimeout(r, 400));
    expect(await stranger.chat()).toEqual(before);
    const [incident] = await story.sql("SELECT value FROM settings WHERE key = 'incident'");
    expect(incident?.value).toMatchObject({ enabled: false });
    const [count] = await story.sql(
      "SELECT count(*)::int AS n FROM audit_log WHERE actor_id = 3405",
    );
    expect(count).toEqual({ n: 0 });
  });
});

describe("typed values (pure)", () => {
  it("reads prices and edit targets", () => {
    expect(readPrice("199 111")).toEqual({ kopecks: 19_900, stars: 111 });
    expect(readPrice("149,50 83⭐")).toEqual({ kopecks: 14_950, stars: 83 });
    expect(readPrice("199")).toBeUndefined();
    expect(readPrice("199 0")).toBeUndefined();
    expect(targetFromParts(["text", "about", "en"])).toEqual({
      kind: "text",
      name: "about",
      language: "en",
    });
    expect(targetFromParts(["text", "nope", "en"])).toBeUndefined();
    expect(targetFromParts(["app", "symbian"])).toBeUndefined();
    expect(targetFromParts(["price", "plus", "90"])).toEqual({
      kind: "price",
      plan: "plus",
      days: 90,
    });
  });
});
