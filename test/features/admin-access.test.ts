import { describe, expect, it } from "vitest";
import { until } from "../bot/support/testbed.js";
import { ADMIN_ID, buttonsOf, startStory } from "../stories/support.js";

const story = await startStory();
const { t } = story;

describe("the console exists for ADMIN_IDS only", () => {
  it("/admin from a stranger gets the unknown-command reply", async () => {
    const stranger = await story.onboard(3101);
    await stranger.send("/admin");
    const reply = await stranger.waitForMessage();
    expect(reply.text?.startsWith(t("en", "unhandled.text"))).toBe(true);
  });

  it("/admin from an admin opens the console's home screen", async () => {
    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/admin");
    const home = await admin.waitForMessage();
    expect(home.text).toContain("Operator console");
    expect(buttonsOf(home).some((b) => b.callback_data === "menu")).toBe(false);
  });

  it("a forged console button from a stranger changes nothing visible and is logged", async () => {
    const stranger = story.customer(3101);
    const before = await stranger.chat();
    const last = before.at(-1);
    if (!last) throw new Error("the stranger has no message to press under");
    const press = await story.sb.json<{ callback_query_id: string }>(
      "POST",
      `/sandbox/users/${stranger.id}/press`,
      { message_id: last.message_id, data: "adm", forged: true },
    );
    // The press is answered (the spinner stops) without text, and nothing is sent or edited.
    const answer = await until(async () =>
      (await story.sb.calls("telegram", "answerCallbackQuery")).find(
        (c) =>
          (c.request as { callback_query_id?: string }).callback_query_id ===
          press.callback_query_id,
      ),
    );
    expect((answer.request as { text?: string }).text).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(await stranger.chat()).toEqual(before);
  });
});
