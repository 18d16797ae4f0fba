import { describe, expect, it } from "vitest";
import { until } from "../bot/support/testbed.js";
import type { ChatMessage, Customer } from "../support/driver.js";
import { ADMIN_ID, buttonsOf, startStory, visible } from "./support.js";

const story = await startStory({ services: { limits: { contentCacheMs: 0 } } });
const { t } = story;

async function pressForged(who: Customer, data: string, messageId: number) {
  return story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${who.id}/press`, {
    message_id: messageId,
    data,
    forged: true,
  });
}

async function answerTo(callbackQueryId: string): Promise<{ text?: string }> {
  const call = await until(async () =>
    (await story.sb.calls("telegram", "answerCallbackQuery")).find(
      (c) => (c.request as { callback_query_id?: string }).callback_query_id === callbackQueryId,
    ),
  );
  return call.request as { text?: string };
}

describe("support conversations", () => {
  it("customer writes → every admin gets it with Reply → the reply reaches the customer → closed once", async () => {
    const admin = await story.onboard(ADMIN_ID);
    const ann = await story.onboard(5301);

    await ann.press("support");
    const screen = await ann.waitForMessage((m) => m.edited);
    expect(screen.text).toContain(t("en", "support.no_contact"));
    expect(buttonsOf(screen).map((b) => b.callback_data)).toEqual(["sup:w", "menu"]);
    await ann.press("sup:w");
    const write = await ann.waitForMessage();
    expect(write.text).toBe(t("en", "support.chat.write"));

    await ann.send("My key <does not> work");
    const sent = await ann.waitForMessage();
    expect(sent.text).toBe(t("en", "support.chat.sent"));
    const incoming = await admin.waitForMessage((m) => m.text?.includes("Support #") ?? false);
    const [conv] = await story.sql<{ id: string }>(
      "SELECT id FROM support_conversations WHERE user_id = 5301 AND status = 'open'",
    );
    const id = Number(conv?.id);
    expect(visible(incoming.text ?? "")).toBe(
      `💬 Support #${id} — customer 5301 @customer_5301:\nMy key <does not> work`,
    );
    expect(buttonsOf(incoming).map((b) => b.callback_data)).toEqual([`sps:r:${id}`, `sps:c:${id}`]);

    // The next message goes to the same conversation.
    await ann.send("It says timeout");
    await ann.waitForMessage();
    const second = await admin.waitForMessage((m) => m.text?.includes("It says timeout") ?? false);
    expect(second.text).toContain(`Support #${id}`);

    await admin.press(`sps:r:${id}`);
    const ask = await admin.waitForMessage((m) => m.message_id === second.message_id && m.edited);
    expect(visible(ask.text ?? "")).toContain("Send your reply to customer 5301");
    await admin.send("Please reissue the key in /key");
    const done = await admin.waitForMessage((m) => m.text?.includes("Reply sent") ?? false);
    expect(visible(done.text ?? "")).toContain("My key <does not> work");
    const reply = await ann.waitForMessage((m) => m.text?.includes("Support") ?? false);
    expect(reply.text).toBe(
      t("en", "support.chat.reply", { body: "Please reissue the key in /key" }),
    );
    expect(buttonsOf(reply).map((b) => b.callback_data)).toEqual(["sup:w"]);

    const stored = await story.sql<{ admin_id: string | null; body: string }>(
      "SELECT admin_id, body FROM support_messages WHERE conversation_id = $1 ORDER BY id",
      [id],
    );
    expect(stored).toEqual([
      { admin_id: null, body: "My key <does not> work" },
      { admin_id: null, body: "It says timeout" },
      { admin_id: String(ADMIN_ID), body: "Please reissue the key in /key" },
    ]);

    // The open list has it; closing asks first and happens once.
    await admin.send("/support");
    const list = await admin.waitForMessage();
    expect(visible(list.text ?? "")).toContain("Open support conversations: 1");
    await admin.press(`sps:v:${id}`);
    const view = await admin.waitForMessage((m) => m.message_id === list.message_id && m.edited);
    await admin.press(`sps:c:${id}`);
    await admin.waitForMessage(
      (m) => m.message_id === view.message_id && (m.text?.includes("Close conversation") ?? false),
    );
    await admin.press(`sps:cy:${id}`);
    const closed = await admin.waitForMessage((m) => m.text?.includes("closed by") ?? false);
    expect(buttonsOf(closed).map((b) => b.callback_data)).toEqual(["sps:l:0"]);
    const toldClosed = await ann.waitForMessage((m) => m.text === t("en", "support.chat.closed"));
    expect(toldClosed).toBeDefined();
    const again = await pressForged(admin, `sps:cy:${id}`, closed.message_id);
    expect((await answerTo(again.callback_query_id)).text).toBe(
      t("en", "admin.support.already_closed"),
    );
    expect(
      await story.sql("SELECT action FROM audit_log WHERE action LIKE 'support.%' ORDER BY id"),
    ).toEqual([{ action: "support.reply" }, { action: "support.close" }]);

    // A stranger's forged support-console button changes nothing.
    const before = await ann.chat();
    const forged = await pressForged(ann, `sps:cy:${id}`, reply.message_id);
    expect((await answerTo(forged.callback_query_id)).text).toBeUndefined();
    expect(await ann.chat()).toEqual(before);
  });

  it("an undelivered reply is kept and reported; a reply after the close is refused", async () => {
    const admin = story.customer(ADMIN_ID);
    const cy = await story.onboard(5303);
    await cy.press("support");
    await cy.waitForMessage((m) => m.edited);
    await cy.press("sup:w");
    await cy.waitForMessage();
    await cy.send("Nothing works");
    await cy.waitForMessage();
    const incoming = await admin.waitForMessage((m) => m.text?.includes("Nothing works") ?? false);
    const [conv] = await story.sql<{ id: string }>(
      "SELECT id FROM support_conversations WHERE user_id = 5303 AND status = 'open'",
    );
    const id = Number(conv?.id);
    const replies = () =>
      story.sql<{ body: string }>(
        "SELECT body FROM support_messages WHERE conversation_id = $1 AND admin_id IS NOT NULL",
        [id],
      );

    await cy.block();
    let undelivered: ChatMessage;
    try {
      await admin.press(`sps:r:${id}`);
      await admin.waitForMessage((m) => m.message_id === incoming.message_id && m.edited);
      await admin.send("Try again now");
      undelivered = await admin.waitForMessage((m) =>
        visible(m.text ?? "").includes(visible(t("en", "admin.support.reply_not_delivered"))),
      );
      expect(visible(undelivered.text ?? "")).toContain("Nothing works");
      expect(await replies()).toEqual([{ body: "Try again now" }]);
    } finally {
      await cy.unblock();
    }

    // Closed by someone else while the reply was being typed: refused, nothing kept or sent.
    await pressForged(admin, `sps:r:${id}`, undelivered.message_id);
    await admin.waitForMessage((m) => m.message_id === undelivered.message_id && m.edited);
    await story.sql(
      "UPDATE support_conversations SET status = 'closed', closed_at = now(), closed_by = $2 WHERE id = $1",
      [id, ADMIN_ID],
    );
    const before = (await cy.chat()).length;
    await admin.send("Late answer");
    const refused = await admin.waitForMessage((m) =>
      visible(m.text ?? "").includes(t("en", "admin.support.already_closed")),
    );
    expect(visible(refused.text ?? "")).not.toContain("Late answer");
    expect(await replies()).toEqual([{ body: "Try again now" }]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await cy.chat()).length).toBe(before);

    // A conversation that is not there.
    const missing = await pressForged(admin, "sps:v:99999999", refused.message_id);
    expect((await answerTo(missing.callback_query_id)).text).toBeUndefined();
    await admin.waitForMessage((m) =>
      visible(m.text ?? "").includes(t("en", "admin.support.not_found", { id: "99999999" })),
    );
  });

  it("with a support contact configured, the customer is pointed to it instead", async () => {
    await story.sql("INSERT INTO settings (key, value) VALUES ('content', $1::jsonb)", [
      JSON.stringify({ supportContact: "@vpn_help" }),
    ]);
    const bob = await story.onboard(5302);
    await bob.press("support");
    const screen = await bob.waitForMessage((m) => m.edited);
    expect(buttonsOf(screen).some((b) => b.callback_data === "sup:w")).toBe(false);
    // An older "write to support" button.
    await pressForged(bob, "sup:w", screen.message_id);
    const told = await bob.waitForMessage(
      (m) => m.text === t("en", "support.chat.contact_instead", { contact: "@vpn_help" }),
    );
    expect(buttonsOf(told)[0]).toEqual({
      text: t("en", "support.button"),
      url: "https://t.me/vpn_help",
    });
    await bob.send("hello?");
    const unhandled = await bob.waitForMessage();
    expect(unhandled.text?.startsWith(t("en", "unhandled.text"))).toBe(true);
  });
});
