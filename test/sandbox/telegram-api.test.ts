import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { callBot, http, type Loose } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  sb = sandboxClient(sandbox.url);
});
afterAll(() => sandbox.close());

const keyboard = (...buttons: { text: string; callback_data?: string; url?: string }[]) => ({
  inline_keyboard: [buttons],
});

describe("Bot API basics", () => {
  it("lists where each stand-in lives", async () => {
    const res = await http(`${sandbox.url}/sandbox`);
    expect(res.body).toEqual({
      telegram_api_root: sandbox.url,
      vpn_api_url: `${sandbox.url}/vpn`,
      cryptopay_api_url: `${sandbox.url}/cryptopay/api/`,
      control: `${sandbox.url}/sandbox`,
    });
  });

  it("getMe describes a bot whose id is the token's numeric prefix", async () => {
    const res = await callBot(sandbox, "getMe");
    expect(res.body).toMatchObject({
      ok: true,
      result: { id: 1000000, is_bot: true, username: "sandbox_vpn_bot" },
    });
  });

  it("answers an unknown token with 401 and an unknown method with 404", async () => {
    const wrong = await callBot(sandbox, "getMe", {}, "1000000:wrong");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    const unknown = await callBot(sandbox, "sendTelepathy", {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("rejects chats that never wrote to the bot", async () => {
    const res = await callBot(sandbox, "sendMessage", { chat_id: 999, text: "hi" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: chat not found",
    });
  });
});

describe("validation", () => {
  const alice = 201;
  beforeAll(async () => {
    await sb.customer(alice).send("/start");
  });

  it("rejects text over 4096 characters and captions over 1024", async () => {
    const tooLong = await callBot(sandbox, "sendMessage", {
      chat_id: alice,
      text: "x".repeat(4097),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: message is too long",
    });
    const fits = await callBot(sandbox, "sendMessage", { chat_id: alice, text: "x".repeat(4096) });
    expect(fits.status).toBe(200);
    // The limit applies to the text once HTML is parsed, as on Telegram.
    const tagged = await callBot(sandbox, "sendMessage", {
      chat_id: alice,
      text: `<b>${"x".repeat(4090)}</b>`,
      parse_mode: "HTML",
    });
    expect(tagged.status).toBe(200);
    const empty = await callBot(sandbox, "sendMessage", { chat_id: alice, text: " " });
    expect(empty.body.description).toBe("Bad Request: message text is empty");
  });

  it("rejects callback_data over 64 bytes and text-only inline buttons", async () => {
    const long = await callBot(sandbox, "sendMessage", {
      chat_id: alice,
      text: "menu",
      reply_markup: keyboard({ text: "Buy", callback_data: "é".repeat(33) }),
    });
    expect(long.status).toBe(400);
    expect(long.body.description).toBe("Bad Request: BUTTON_DATA_INVALID");
    const bare = await callBot(sandbox, "sendMessage", {
      chat_id: alice,
      text: "menu",
      reply_markup: keyboard({ text: "Buy" }),
    });
    expect(bare.body.description).toMatch(/Text buttons are unallowed/);
  });

  it("checks HTML like Telegram: allowed tags only, balanced, entities decoded", async () => {
    const cases: [string, string][] = [
      [
        "<div>x</div>",
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
      ],
      [
        "<b>x",
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
      ],
      [
        "<b><i>x</b></i>",
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
      ],
      ["1 < 2", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'],
      ["x</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"],
      ["<br>", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 0'],
    ];
    for (const [text, description] of cases) {
      const res = await callBot(sandbox, "sendMessage", {
        chat_id: alice,
        text,
        parse_mode: "HTML",
      });
      expect(res.status, text).toBe(400);
      expect(res.body.description, text).toBe(description);
    }
    const good = await callBot(sandbox, "sendMessage", {
      chat_id: alice,
      parse_mode: "HTML",
      text: '<b>Plan</b> &lt;30 days&gt; &amp; <a href="https://t.me/x">link</a> <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> <pre><code class="language-ts">code</code></pre> R&D &#8381;',
    });
    expect(good.status).toBe(200);
    expect(good.body.result.text).toBe("Plan <30 days> & link s t code R&D ₽");
    expect(good.body.result.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "text_link", offset: 17, length: 4, url: "https://t.me/x" },
      { type: "spoiler", offset: 22, length: 1 },
      { type: "spoiler", offset: 24, length: 1 },
      { type: "pre", offset: 26, length: 4, language: "ts" },
    ]);
  });

  it("requires exactly one price and no provider token for Stars invoices", async () => {
    const base = {
      chat_id: alice,
      title: "30 days",
      description: "VPN",
      payload: "p1",
      currency: "XTR",
    };
    const two = await callBot(sandbox, "sendInvoice", {
      ...base,
      prices: [
        { label: "a", amount: 1 },
        { label: "b", amount: 2 },
      ],
    });
    expect(two.status).toBe(400);
    const withProvider = await callBot(sandbox, "sendInvoice", {
      ...base,
      provider_token: "123:TEST",
      prices: [{ label: "a", amount: 1 }],
    });
    expect(withProvider.status).toBe(400);
    const ok = await callBot(sandbox, "sendInvoice", {
      ...base,
      prices: [{ label: "30 days", amount: 150 }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.result.invoice).toEqual({
      title: "30 days",
      description: "VPN",
      start_parameter: "",
      currency: "XTR",
      total_amount: 150,
    });
  });

  it("answers 403 to sends while the customer has blocked the bot", async () => {
    const bob = sb.customer(202);
    await bob.send("/start");
    await bob.block();
    const res = await callBot(sandbox, "sendMessage", { chat_id: 202, text: "promo" });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    await bob.unblock();
    expect(
      (await callBot(sandbox, "sendMessage", { chat_id: 202, text: "welcome back" })).status,
    ).toBe(200);
    const updates = (await callBot(sandbox, "getUpdates", {})).body.result;
    const statuses = updates
      .filter((u: Loose) => u.my_chat_member?.chat.id === 202)
      .map((u: Loose) => u.my_chat_member.new_chat_member.status);
    expect(statuses).toEqual(["kicked", "member"]);
  });
});

describe("the chat as the customer sees it", () => {
  it("keeps each message's current state with a seq that moves on sends, edits and deletes", async () => {
    const carol = sb.customer(301);
    await carol.send("/start");
    const sent = await callBot(sandbox, "sendMessage", {
      chat_id: 301,
      text: "<b>Menu</b>",
      parse_mode: "HTML",
      reply_markup: keyboard(
        { text: "Buy", callback_data: "buy" },
        { text: "Site", url: "https://example.com" },
      ),
    });
    const messageId = sent.body.result.message_id;
    expect(sent.body.result.reply_markup.inline_keyboard[0]).toHaveLength(2);

    const [first] = await carol.chat();
    expect(first).toEqual({
      seq: expect.any(Number),
      message_id: messageId,
      date: expect.any(Number),
      text: "<b>Menu</b>",
      caption: null,
      parse_mode: "HTML",
      reply_markup: keyboard(
        { text: "Buy", callback_data: "buy" },
        { text: "Site", url: "https://example.com" },
      ),
      photo: null,
      document: null,
      invoice: null,
      edited: false,
      deleted: false,
    });

    const unchanged = await callBot(sandbox, "editMessageText", {
      chat_id: 301,
      message_id: messageId,
      text: "<b>Menu</b>",
      parse_mode: "HTML",
      reply_markup: first?.reply_markup,
    });
    expect(unchanged.status).toBe(400);
    expect(unchanged.body.description).toMatch(/^Bad Request: message is not modified/);

    const edited = await callBot(sandbox, "editMessageText", {
      chat_id: 301,
      message_id: messageId,
      text: "Paid",
    });
    expect(edited.body.result.edit_date).toEqual(expect.any(Number));
    const afterEdit = await carol.lastMessage();
    expect(afterEdit).toMatchObject({
      text: "Paid",
      parse_mode: null,
      reply_markup: null,
      edited: true,
    });
    expect(afterEdit?.seq).toBeGreaterThan(first?.seq ?? 0);

    expect(
      (await callBot(sandbox, "deleteMessage", { chat_id: 301, message_id: messageId })).body
        .result,
    ).toBe(true);
    const gone = await callBot(sandbox, "deleteMessage", { chat_id: 301, message_id: messageId });
    expect(gone.body.description).toBe("Bad Request: message to delete not found");
    const [deleted] = await carol.chat();
    expect(deleted).toMatchObject({ deleted: true });
    expect(deleted?.seq).toBeGreaterThan(afterEdit?.seq ?? 0);
  });

  it("waits on ?after&wait_ms for the next message instead of sleeping", async () => {
    const dave = sb.customer(302);
    await dave.send("/start");
    setTimeout(
      () => void callBot(sandbox, "sendMessage", { chat_id: 302, text: "late reply" }),
      150,
    );
    const started = Date.now();
    const message = await dave.waitForMessage((m) => m.text === "late reply", 3000);
    expect(message.text).toBe("late reply");
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(dave.waitForMessage(undefined, 200)).rejects.toThrow(/no matching message/);
  });

  it("turns a press into a callback_query carrying the message, answerable once", async () => {
    const erin = sb.customer(303);
    await erin.send("/start");
    await callBot(sandbox, "getUpdates", { offset: -1 });
    await callBot(sandbox, "sendMessage", {
      chat_id: 303,
      text: "Choose",
      reply_markup: keyboard({ text: "30 days", callback_data: "plan:30" }),
    });
    const pressed = await erin.press("30 days");
    const updates = (await callBot(sandbox, "getUpdates", {})).body.result;
    const query = updates.find((u: Loose) => u.update_id === pressed.update_id).callback_query;
    expect(query).toMatchObject({
      id: pressed.callback_query_id,
      from: { id: 303 },
      data: "plan:30",
      message: { text: "Choose", chat: { id: 303 } },
    });
    const answer = { callback_query_id: query.id, text: "ok" };
    expect((await callBot(sandbox, "answerCallbackQuery", answer)).body.result).toBe(true);
    expect((await callBot(sandbox, "answerCallbackQuery", answer)).body.description).toMatch(
      /query is too old/,
    );
    await expect(erin.press("no such button")).rejects.toThrow(/no button/);
  });

  it("keeps multipart uploads as retrievable files", async () => {
    await sb.customer(304).send("/start");
    const bytes = Buffer.from("id,amount\n1,149.00\n");
    const form = new FormData();
    form.set("chat_id", "304");
    form.set("caption", "Export");
    form.set("document", new Blob([bytes], { type: "text/csv" }), "export.csv");
    const res = await fetch(`${sandbox.url}/bot${sandbox.botToken}/sendDocument`, {
      method: "POST",
      body: form,
    });
    const body = (await res.json()) as Loose;
    expect(body.result.document).toMatchObject({
      file_name: "export.csv",
      mime_type: "text/csv",
      file_size: bytes.length,
    });
    const last = await sb.customer(304).lastMessage();
    expect(last?.document).toEqual({
      file_id: body.result.document.file_id,
      file_name: "export.csv",
    });
    expect(last?.caption).toBe("Export");
    expect(await sb.file(body.result.document.file_id)).toEqual(bytes);
    // A file_id sent again refers to the same bytes.
    const again = await callBot(sandbox, "sendDocument", {
      chat_id: 304,
      document: body.result.document.file_id,
    });
    expect(again.body.result.document.file_id).toBe(body.result.document.file_id);
    expect((await http(`${sandbox.url}/sandbox/files/nope`)).status).toBe(404);
  });

  it("records calls for assertions", async () => {
    await sb.clearCalls();
    await sb.customer(305).send("/start");
    await callBot(sandbox, "sendMessage", {
      chat_id: 305,
      text: "hi",
      reply_markup: keyboard({ text: "a", callback_data: "a" }),
    });
    const calls = await sb.calls("telegram", "sendMessage");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      method: "sendMessage",
      request: { chat_id: 305, text: "hi" },
      status: 200,
      response: { ok: true, result: { text: "hi" } },
    });
    expect(await sb.calls("vpn")).toEqual([]);
  });
});
