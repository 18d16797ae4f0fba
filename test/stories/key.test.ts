import { describe, expect, it } from "vitest";
import { QR_OPTIONS } from "../../src/bot/ui.js";
import { expectedModules, qrModulesFromPng } from "./qr.js";
import { body, buttonsOf, expectedQr, linkIn, startStory, subscriptionOf } from "./support.js";

const story = await startStory({
  // Operator settings are read fresh on every screen here (production caches them for 10 s).
  services: { limits: { reissueCooldownSeconds: 3600, contentCacheMs: 0 } },
});
const { t } = story;

describe("my key", () => {
  it("no subscription: how to get one (the trial while eligible)", async () => {
    const ron = await story.onboard(2201);
    await ron.send("/key");
    const none = await ron.waitForMessage();
    expect(none.text).toBe(t("en", "key.none"));
    expect(buttonsOf(none).map((b) => b.callback_data)).toEqual(["f:trial", "f:buy", "menu"]);
  });

  it("the vless:// link as copyable text and a QR code PNG of exactly the stored link", async () => {
    const ron = story.customer(2201);
    await ron.press("f:trial");
    await ron.waitForMessage((m) => m.photo !== null);
    await ron.send("/key");
    const key = await ron.waitForMessage((m) => m.photo !== null);
    const sub = await subscriptionOf(story, 2201);
    const link = sub?.vless_link ?? "";
    expect(link.startsWith("vless://")).toBe(true);
    expect(body(key)).toContain(`<code>${link.replaceAll("&", "&amp;")}</code>`);
    expect(linkIn(key)).toBe(link);
    expect(key.parse_mode).toBe("HTML");

    const png = await story.sb.file(key.photo?.file_id ?? "");
    // 1. Byte for byte the image the bot draws for the stored link (and not for another one).
    expect(png.equals(await expectedQr(link))).toBe(true);
    expect(png.equals(await expectedQr(`${link}x`))).toBe(false);
    // 2. Independently of the renderer: the PNG's pixels, read module by module, are the QR
    //    encoder's matrix for the stored link.
    const modules = expectedModules(link);
    expect(qrModulesFromPng(png, modules.length, QR_OPTIONS.margin)).toEqual(modules);

    expect(buttonsOf(key).map((b) => b.callback_data)).toEqual(["instructions", "kr", "menu"]);
  });

  it("when the photo is refused the key still arrives, as text with its buttons", async () => {
    const ron = story.customer(2201);
    const sub = await subscriptionOf(story, 2201);
    const link = sub?.vless_link ?? "";
    await story.sb.fault({
      target: "telegram",
      mode: "error",
      status: 400,
      methods: ["sendPhoto"],
    });
    try {
      await ron.send("/key");
      const key = await ron.waitForMessage();
      expect(key.photo).toBeNull();
      expect(key.text).toContain(`<code>${link.replaceAll("&", "&amp;")}</code>`);
      expect(buttonsOf(key).map((b) => b.text)).toContain(t("en", "key.button_reissue"));
      // Pressed from a screen: the pressed message becomes the key (its old buttons go).
      await ron.send("/profile");
      const profile = await ron.waitForMessage();
      const toKey = buttonsOf(profile).find((b) => b.callback_data === "f:key");
      if (!toKey) throw new Error("no key button on the profile");
      await ron.press("f:key");
      const edited = await ron.waitForMessage(
        (m) => m.message_id === profile.message_id && m.edited,
      );
      expect(edited.text).toContain(`<code>${link.replaceAll("&", "&amp;")}</code>`);
    } finally {
      await story.sb.clearFaults("telegram");
    }
  });
  it("shows the operator's client-app links", async () => {
    await story.sql("INSERT INTO settings (key, value) VALUES ('content', $1::jsonb)", [
      JSON.stringify({
        apps: { ios: "https://apps.example/ios", android: "https://apps.example/android" },
      }),
    ]);
    const ron = story.customer(2201);
    await ron.send("/key");
    const key = await ron.waitForMessage((m) => m.photo !== null);
    expect(buttonsOf(key)).toEqual([
      { text: t("en", "instructions.ios"), url: "https://apps.example/ios" },
      { text: t("en", "instructions.android"), url: "https://apps.example/android" },
      { text: t("en", "key.button_instructions"), callback_data: "instructions" },
      { text: t("en", "key.button_reissue"), callback_data: "kr" },
      { text: t("en", "nav.menu"), callback_data: "menu" },
    ]);
  });

  it("reissue: asks first, then a new key on the VPN server and the old one removed", async () => {
    const ron = story.customer(2201);
    const before = await subscriptionOf(story, 2201);
    // A confirmation left open in the chat (pressed after the reissue below: stale).
    await ron.send("/key");
    await ron.waitForMessage((m) => m.photo !== null);
    await ron.press("kr");
    await ron.waitForMessage();
    await ron.send("/key");
    await ron.waitForMessage((m) => m.photo !== null);
    await ron.press("kr");
    const confirm = await ron.waitForMessage();
    expect(confirm.text).toBe(t("en", "key.reissue_confirm", { minutes: 60 }));
    await ron.press("kr:y");
    const fresh = await ron.waitForMessage((m) => m.photo !== null);
    const after = await subscriptionOf(story, 2201);
    expect(body(fresh).startsWith(t("en", "key.reissued"))).toBe(true);
    expect(after?.vpn_uuid).not.toBe(before?.vpn_uuid);
    expect(after?.expires_at).toEqual(before?.expires_at);
    expect(linkIn(fresh)).toBe(after?.vless_link);
    const uuids = (await story.sb.vpnUsers()).map((u) => u.uuid);
    expect(uuids).toContain(after?.vpn_uuid);
    expect(uuids).not.toContain(before?.vpn_uuid);

    // The cool-down: the new key comes without a reissue button, saying when it is back.
    const cooldown = t("en", "key.reissue_cooldown", { minutes: 60 });
    expect(body(fresh)).toContain(cooldown);
    expect(buttonsOf(fresh).flatMap((b) => b.callback_data ?? [])).toEqual([
      "instructions",
      "menu",
    ]);
    await ron.send("/key");
    const shown = await ron.waitForMessage((m) => m.photo !== null);
    expect(body(shown)).toContain(cooldown);
    expect(buttonsOf(shown).map((b) => b.callback_data)).not.toContain("kr");
    // The stale confirmation pressed now is refused and the current key shown.
    await ron.press("kr:y");
    const refused = await ron.waitForMessage((m) => m.photo !== null);
    expect(body(refused)).toContain(cooldown);
    expect(buttonsOf(refused).map((b) => b.callback_data)).not.toContain("kr");
    expect((await subscriptionOf(story, 2201))?.vpn_uuid).toBe(after?.vpn_uuid);
    expect(story.r2Violations()).toBe(0);
  });
});
