import { InputFile } from "grammy";
import { describe, expect, it } from "vitest";
import { broadcastConsole } from "../../src/features/admin/broadcasts/index.js";
import { silentLogger } from "../../src/logger.js";
import { broadcastIteration } from "../../src/workers/broadcast.js";
import { until } from "../bot/support/testbed.js";
import type { ChatMessage, Customer } from "../support/driver.js";
import { ADMIN_ID, buttonsOf, startStory, visible } from "./support.js";

const story = await startStory();
const api = story.runtime.bot.api;
const worker = story.db.forKind("worker");
const sender = broadcastIteration({
  db: worker,
  // The service's one outbound path: the bot's notifier.
  transport: {
    send: (userId, message, signal) =>
      story.runtime.notifier.sendBroadcast(userId, message, signal),
  },
  ...broadcastConsole({ db: worker, api, logger: silentLogger() }),
  batchSize: 10,
  interruptedAfterMs: 5 * 60_000,
  unreachablePauseSeconds: 1,
});
const iterate = () =>
  sender({
    signal: AbortSignal.timeout(10_000),
    deadline: Date.now() + 10_000,
    iteration: 1,
    logger: silentLogger(),
  });

async function pressForged(who: Customer, data: string, messageId: number) {
  return story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${who.id}/press`, {
    message_id: messageId,
    data,
    forged: true,
  });
}

const textOf = (m: ChatMessage) => visible(m.text ?? m.caption ?? "");

describe("broadcasts from the console", () => {
  it("compose → segment → button → variant B → preview → confirm once → progress → summary", async () => {
    const admin = await story.onboard(ADMIN_ID);
    const ru = [
      await story.onboard(5101, { language: "ru" }),
      await story.onboard(5102, { language: "ru" }),
    ];
    ru.push(await story.onboard(5103, { language: "ru" }));
    const en = await story.onboard(5104, { language: "en" });

    await admin.send("/broadcast");
    const compose = await admin.waitForMessage();
    expect(textOf(compose)).toContain("New broadcast");
    await admin.send("Big <b>news</b> & more");
    const draft = await admin.waitForMessage((m) => m.text?.includes("(draft)") ?? false);
    const [row] = await story.sql<{ id: string }>(
      "SELECT id FROM broadcasts WHERE status = 'draft' ORDER BY id DESC LIMIT 1",
    );
    const id = Number(row?.id);
    expect(visible(draft.text ?? "")).toContain("Segment: everyone");

    await admin.press(`bc:${id}:seg`);
    await admin.waitForMessage((m) => m.message_id === draft.message_id && m.edited);
    await admin.press(`bc:${id}:s:lang:ru`);
    const segmented = await admin.waitForMessage(
      (m) => m.message_id === draft.message_id && (m.text?.includes("“ru”") ?? false),
    );
    expect(visible(segmented.text ?? "")).toContain("3 recipients now");

    await admin.press(`bc:${id}:btn`);
    await admin.waitForMessage((m) => m.message_id === draft.message_id && m.edited);
    await admin.send("no link here");
    await admin.waitForMessage((m) => m.text?.includes("That is not a button") ?? false);
    await admin.send("Read more | https://example.com/news");
    await admin.waitForMessage((m) => m.text?.includes("example.com/news") ?? false);

    await admin.press(`bc:${id}:b`);
    await admin.waitForMessage((m) => m.text?.includes("variant B") ?? false);
    await admin.send("Other <i>wording</i>");
    const ready = await admin.waitForMessage((m) => m.text?.includes("A/B variants: yes") ?? false);

    // The preview is the message itself, as customers get it, then the count and the confirm.
    await admin.press(`bc:${id}:p`);
    const previewA = await admin.waitForMessage((m) => m.text === "Big <b>news</b> & more");
    expect(buttonsOf(previewA)).toEqual([{ text: "Read more", url: "https://example.com/news" }]);
    expect(previewA.parse_mode).toBe("HTML");
    const previewB = await admin.waitForMessage((m) => m.text === "Other <i>wording</i>");
    expect(buttonsOf(previewB)).toEqual(buttonsOf(previewA));
    const confirm = await admin.waitForMessage(
      (m) => m.text?.includes("exactly as customers") ?? false,
    );
    expect(visible(confirm.text ?? "")).toContain("It goes to 3 recipients");
    expect(confirm.message_id).not.toBe(ready.message_id);

    await admin.press(`bc:${id}:go`);
    const progress = await admin.waitForMessage(
      (m) => m.message_id === confirm.message_id && (m.text?.includes("is being sent") ?? false),
    );
    expect(buttonsOf(progress).map((b) => b.callback_data)).toEqual([`bc:${id}:r`, `bc:${id}:x`]);
    // The confirmation is single-use: pressed again it starts nothing.
    await pressForged(admin, `bc:${id}:go`, confirm.message_id);
    await until(
      async () =>
        (await story.sql("SELECT 1 FROM audit_log WHERE action = 'broadcast.start'")).length === 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    const recipients = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM broadcast_recipients WHERE broadcast_id = $1",
      [id],
    );
    expect(recipients).toEqual([{ n: 3 }]);
    expect(
      await story.sql("SELECT actor_id FROM audit_log WHERE action = 'broadcast.start'"),
    ).toEqual([{ actor_id: String(ADMIN_ID) }]);

    await iterate();
    await iterate();
    for (const customer of ru) {
      const got = (await customer.chat()).filter(
        (m) => m.text === "Big <b>news</b> & more" || m.text === "Other <i>wording</i>",
      );
      expect(got).toHaveLength(1);
      expect(buttonsOf(got[0])).toEqual([{ text: "Read more", url: "https://example.com/news" }]);
    }
    expect((await en.chat()).some((m) => m.text?.includes("news"))).toBe(false);

    const summary = await admin.waitForMessage(
      (m) => m.message_id !== confirm.message_id && (m.text?.includes("finished") ?? false),
    );
    expect(visible(summary.text ?? "")).toContain(
      `Broadcast #${id} finished: 3 recipients — 3 sent, 0 failed, 0 blocked, 0 unknown.`,
    );
    expect(visible(summary.text ?? "")).toContain("Variant A: 2 — 2 sent");
    expect(visible(summary.text ?? "")).toContain("Variant B: 1 — 1 sent");
    const final = (await admin.chat()).find((m) => m.message_id === confirm.message_id);
    expect(final?.text).toBe(summary.text);
    expect(buttonsOf(final)).toEqual([]);
  });

  it("a photo broadcast to everyone, cancelled while it runs: nobody else gets it", async () => {
    const admin = story.customer(ADMIN_ID);
    // The admin's photo message (a photo the bot has seen, so Telegram knows its file_id).
    const uploaded = await api.sendPhoto(ADMIN_ID, new InputFile(Buffer.from("png"), "p.png"));
    const fileId = uploaded.photo.at(-1)?.file_id ?? "";
    await admin.send("/broadcast");
    await admin.waitForMessage();
    await story.runtime.bot.handleUpdate({
      update_id: 9_200_001,
      message: {
        message_id: 90_001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: ADMIN_ID, type: "private", first_name: "Admin" },
        from: { id: ADMIN_ID, is_bot: false, first_name: "Admin" },
        photo: [{ file_id: fileId, file_unique_id: "u1", width: 10, height: 10 }],
        caption: "Sale today",
        caption_entities: [{ type: "bold", offset: 0, length: 4 }],
      },
    });
    const draft = await admin.waitForMessage((m) => m.text?.includes("Photo: yes") ?? false);
    const [row] = await story.sql<{ id: string; text_a: string }>(
      "SELECT id, text_a FROM broadcasts WHERE status = 'draft' ORDER BY id DESC LIMIT 1",
    );
    expect(row?.text_a).toBe("<b>Sale</b> today");
    const id = Number(row?.id);
    await admin.press(`bc:${id}:p`);
    const preview = await admin.waitForMessage((m) => m.caption === "<b>Sale</b> today");
    expect(preview.photo?.file_id).toBe(fileId);
    const confirm = await admin.waitForMessage(
      (m) => m.text?.includes("exactly as customers") ?? false,
    );
    await admin.press(`bc:${id}:go`);
    await admin.waitForMessage((m) => m.message_id === confirm.message_id && m.edited);
    expect(draft.message_id).not.toBe(confirm.message_id);

    await admin.press(`bc:${id}:x`);
    await admin.waitForMessage((m) => m.text?.includes(`Stop broadcast #${id}?`) ?? false);
    await admin.press(`bc:${id}:xy`);
    const summary = await admin.waitForMessage((m) => m.text?.includes("cancelled") ?? false);
    const [counts] = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM broadcast_recipients WHERE broadcast_id = $1",
      [id],
    );
    expect(visible(summary.text ?? "")).toContain(
      `Broadcast #${id} cancelled: ${counts?.n} recipients — 0 sent, 0 failed, 0 blocked, 0 unknown, ${counts?.n} not sent.`,
    );
    expect((await iterate()).counts).toMatchObject({ claimed: 0, sent: 0 });
    expect(
      await story.sql("SELECT status, cancelled_by FROM broadcasts WHERE id = $1", [id]),
    ).toEqual([{ status: "cancelled", cancelled_by: String(ADMIN_ID) }]);
    expect(
      await story.sql("SELECT actor_id FROM audit_log WHERE action = 'broadcast.cancel'"),
    ).toEqual([{ actor_id: String(ADMIN_ID) }]);
  });

  it("a draft's button and variant B come off again; a discarded draft can't be changed", async () => {
    const admin = story.customer(ADMIN_ID);
    await admin.send("/broadcast");
    await admin.waitForMessage();
    await admin.send("Spring offer");
    const draft = await admin.waitForMessage((m) => m.text?.includes("(draft)") ?? false);
    const [row] = await story.sql<{ id: string }>(
      "SELECT id FROM broadcasts WHERE status = 'draft' ORDER BY id DESC LIMIT 1",
    );
    const id = Number(row?.id);
    const draftRow = async () =>
      (
        await story.sql<{ status: string; text_b: string | null; button_url: string | null }>(
          "SELECT status, text_b, button_url FROM broadcasts WHERE id = $1",
          [id],
        )
      )[0];

    await admin.press(`bc:${id}:btn`);
    await admin.waitForMessage((m) => m.message_id === draft.message_id && m.edited);
    await admin.send("Read more | https://example.com/spring");
    await admin.waitForMessage((m) => m.text?.includes("example.com/spring") ?? false);
    expect((await draftRow())?.button_url).toBe("https://example.com/spring");
    await admin.press(`bc:${id}:btn0`);
    const unbuttoned = await admin.waitForMessage((m) => m.text?.includes("Button: —") ?? false);
    expect(buttonsOf(unbuttoned).map((b) => b.callback_data)).toContain(`bc:${id}:btn`);
    expect((await draftRow())?.button_url).toBeNull();

    // Variant B is text: a photo is refused and asked for again.
    await admin.press(`bc:${id}:b`);
    await admin.waitForMessage((m) => m.text?.includes("variant B") ?? false);
    await story.runtime.bot.handleUpdate({
      update_id: 9_200_101,
      message: {
        message_id: 90_101,
        date: Math.floor(Date.now() / 1000),
        chat: { id: ADMIN_ID, type: "private", first_name: "Admin" },
        from: { id: ADMIN_ID, is_bot: false, first_name: "Admin" },
        photo: [{ file_id: "photo-b", file_unique_id: "u2", width: 10, height: 10 }],
        caption: "Photo wording",
      },
    });
    await admin.waitForMessage((m) => m.text?.includes("That is not a broadcast") ?? false);
    expect((await draftRow())?.text_b).toBeNull();
    await admin.send("Other wording");
    await admin.waitForMessage((m) => m.text?.includes("A/B variants: yes") ?? false);
    expect((await draftRow())?.text_b).toBe("Other wording");
    await admin.press(`bc:${id}:b0`);
    await admin.waitForMessage((m) => m.text?.includes("A/B variants: no") ?? false);
    expect((await draftRow())?.text_b).toBeNull();

    await admin.press(`bc:${id}:del`);
    const discarded = await admin.waitForMessage(
      (m) => m.text?.includes(`Draft #${id} discarded.`) ?? false,
    );
    expect(buttonsOf(discarded)).toEqual([]);
    expect((await draftRow())?.status).toBe("cancelled");
    await pressForged(admin, `bc:${id}:seg`, discarded.message_id);
    const closed = await admin.waitForMessage((m) => m.text?.includes("can't be changed") ?? false);
    expect(closed.text).toContain(
      `Broadcast #${id} can't be changed: it is cancelled or discarded.`,
    );
  });

  it("a stranger's forged broadcast button does nothing", async () => {
    const stranger = await story.onboard(5199);
    const before = await stranger.chat();
    const last = before.at(-1);
    const [row] = await story.sql<{ id: string }>("SELECT max(id) AS id FROM broadcasts");
    const press = await pressForged(stranger, `bc:${row?.id}:xy`, last?.message_id ?? 0);
    await until(async () =>
      (await story.sb.calls("telegram", "answerCallbackQuery")).find(
        (c) =>
          (c.request as { callback_query_id?: string }).callback_query_id ===
          press.callback_query_id,
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await stranger.chat()).toEqual(before);
    expect(
      await story.sql("SELECT count(*)::int AS n FROM audit_log WHERE actor_id = 5199"),
    ).toEqual([{ n: 0 }]);
  });
});
