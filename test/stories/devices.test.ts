import { describe, expect, it } from "vitest";
import { DEVICES_DATA, deviceToken } from "../../src/features/devices/index.js";
import { keyOfRemnawaveUser } from "../../src/vpn/remnawave.js";
import { remnawaveRequest } from "../support/sandbox.js";
import { body, buttonsOf, startStory, subscriptionOf } from "./support.js";

/**
 * "My devices" on a Remnawave panel: the customer sees the devices the panel bound to the key
 * (HWID) and removes one; the panel forgets it. Through the bot and the panel's stand-in over
 * real HTTP (its requests and answers checked with the panel's own schemas).
 */
const story = await startStory({ backend: "remnawave" });
const { t } = story;
const DEV = 3131;

/** The panel user of the customer's key, as the panel shows it. */
async function panelUserId(): Promise<number> {
  const sub = await subscriptionOf(story, DEV);
  const user = story.sandbox.remnawave?.standIn
    .list()
    .find((u) => keyOfRemnawaveUser(u) === sub?.vpn_uuid);
  if (!user) throw new Error("no panel user for the key");
  return user.id;
}

/** What the panel does when a client app connects with a hardware id. */
async function connect(hwid: string, platform: string, deviceModel: string): Promise<void> {
  const res = await remnawaveRequest(story.sandbox, "POST", "/api/hwid/devices", {
    hwid,
    userId: await panelUserId(),
    platform,
    deviceModel,
  });
  expect(res.status).toBe(200);
}

async function panelDevices(): Promise<string[]> {
  const res = await remnawaveRequest(
    story.sandbox,
    "GET",
    `/api/hwid/devices/${await panelUserId()}`,
  );
  const { devices } = res.body.response as { devices: Array<{ hwid: string }> };
  return devices.map((d) => d.hwid);
}

describe("my devices (Remnawave)", () => {
  it("the key screen offers the list; a device is removed from the panel with one press", async () => {
    const dev = await story.onboard(DEV);
    await dev.press("f:trial");
    const key = await dev.waitForMessage((m) => m.photo !== null);
    expect(buttonsOf(key).map((b) => b.text)).toContain(t("en", "devices.button"));

    await dev.press(DEVICES_DATA);
    const empty = await dev.waitForMessage();
    expect(body(empty)).toContain(t("en", "devices.none"));

    await connect("iphone-hwid-0001", "iOS", "iPhone 15");
    await connect("android-hwid-0002", "Android", "Pixel 8");
    await dev.press(t("en", "devices.button_back"));
    await dev.waitForMessage((m) => m.photo !== null);
    await dev.press(DEVICES_DATA);
    const listed = await dev.waitForMessage();
    expect(body(listed)).toContain(t("en", "devices.count", { count: 2 }));
    expect(body(listed)).toContain("iOS · iPhone 15");
    expect(body(listed)).toContain("Android · Pixel 8");
    const removeData = `dv:rm:${deviceToken("iphone-hwid-0001")}`;
    expect(buttonsOf(listed).map((b) => b.callback_data)).toEqual(
      expect.arrayContaining([removeData, `dv:rm:${deviceToken("android-hwid-0002")}`]),
    );

    await dev.press(removeData);
    const after = await dev.waitForMessage();
    expect(body(after)).toContain(t("en", "devices.removed", { name: "iOS · iPhone 15" }));
    expect(body(after)).toContain(t("en", "devices.count", { count: 1 }));
    expect(await panelDevices()).toEqual(["android-hwid-0002"]);
    const calls = await story.sb.calls("vpn");
    expect(calls.map((c) => c.method)).toContain("remnawave:hwid/devices/delete");
    expect(story.r2Violations()).toBe(0);
  });

  it("while the panel is down the customer is told the list is not available", async () => {
    const dev = story.customer(DEV);
    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      await dev.press(DEVICES_DATA);
      const told = await dev.waitForMessage();
      expect(body(told)).toContain(t("en", "devices.unavailable"));
    } finally {
      await story.sb.clearFaults("vpn");
    }
  });
});
