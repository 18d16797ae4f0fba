import { describe, expect, it } from "vitest";
import { until } from "../bot/support/testbed.js";
import {
  ADMIN_ID,
  balanceOf,
  body,
  buttonsOf,
  startStory,
  subscriptionOf,
  visible,
} from "../stories/support.js";
import type { ChatMessage } from "../support/driver.js";

const story = await startStory();
const { t } = story;
const admin = await story.onboard(ADMIN_ID);

const NOTIFY = t("en", "admin.users.button_confirm_notify");
const SILENT = t("en", "admin.users.button_confirm_silent");

/** `/users <id>`: the card. */
async function openCard(id: number): Promise<ChatMessage> {
  await admin.send(`/users ${id}`);
  return admin.waitForMessage((m) => body(m).includes(`<b>${id}</b>`));
}

/** Presses a card button and waits for the screen it shows (an edit of the pressed message). */
async function press(label: string): Promise<ChatMessage> {
  await admin.press(label);
  return admin.waitForMessage();
}

async function auditOf(userId: number) {
  return story.sql<{ actor_id: string; action: string; details: Record<string, unknown> }>(
    "SELECT actor_id, action, details FROM audit_log WHERE target_user_id = $1 ORDER BY id",
    [userId],
  );
}

async function grantsOf(userId: number) {
  return story.sql<{ kind: string; seconds: number | null; admin_id: string | null }>(
    "SELECT kind, seconds::int AS seconds, admin_id FROM subscription_grants WHERE user_id = $1 ORDER BY id",
    [userId],
  );
}

/** Nothing more arrives in the customer's chat for a moment. */
async function expectNoNewMessage(customer: { chat(): Promise<ChatMessage[]> }, before: number) {
  await new Promise((r) => setTimeout(r, 400));
  expect((await customer.chat()).length).toBe(before);
}

/** Presses data on a message again, as an old button (the message no longer shows it). */
async function pressAgain(message: ChatMessage, data: string) {
  return story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${ADMIN_ID}/press`, {
    message_id: message.message_id,
    data,
    forged: true,
  });
}

describe("the user card: finding a customer", () => {
  it("/users asks; an id, an @username or a forwarded message opens the card", async () => {
    const ann = await story.onboard(4101, { firstName: "Ann" });
    await admin.send("/users");
    const ask = await admin.waitForMessage();
    expect(ask.text).toBe(t("en", "admin.users.ask"));

    await admin.send("4101");
    const byId = await admin.waitForMessage();
    expect(body(byId)).toContain("<b>4101</b>");
    expect(body(byId)).toContain("@customer_4101");
    expect(body(byId)).toContain(t("en", "admin.users.card_no_sub"));
    expect(body(byId)).toContain(t("en", "admin.users.card_payments_none"));
    expect(visible(body(byId))).toContain("📶 Reachable");

    // `/grant <id>` opens the same card, its grant buttons one press away.
    await admin.send("/grant 4101");
    const byGrant = await admin.waitForMessage();
    expect(body(byGrant)).toContain("<b>4101</b>");
    expect(buttonsOf(byGrant).map((b) => b.callback_data)).toEqual(
      buttonsOf(byId).map((b) => b.callback_data),
    );

    await admin.send("/users");
    await admin.waitForMessage();
    await admin.send("@Customer_4101");
    expect(body(await admin.waitForMessage())).toContain("<b>4101</b>");

    await admin.send("/users");
    await admin.waitForMessage();
    await story.sb.json("POST", `/sandbox/users/${ADMIN_ID}/message`, {
      text: "my vpn does not work",
      forward_from: ann.id,
    });
    expect(body(await admin.waitForMessage())).toContain("<b>4101</b>");
  });

  it("a hidden-forwards sender, an unknown id and nonsense each get a clear answer", async () => {
    await admin.send("/users");
    await admin.waitForMessage();
    await story.sb.json("POST", `/sandbox/users/${ADMIN_ID}/message`, {
      text: "hello",
      forward_hidden_name: "Secret Sam",
    });
    const hidden = await admin.waitForMessage();
    expect(body(hidden)).toContain(t("en", "admin.users.hidden_forward", { name: "Secret Sam" }));

    await admin.send("77777777");
    const unknown = await admin.waitForMessage();
    expect(body(unknown)).toContain(t("en", "admin.users.not_found", { query: "77777777" }));

    await admin.send("what?");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.users.invalid_lookup"));
  });
});

describe("the user card: actions", () => {
  it("grant 7 days with notice: key on the VPN server, grant row, audit names the admin", async () => {
    const cy = await story.onboard(4201);
    await openCard(4201);
    await press(t("en", "admin.users.button_grant"));
    const confirm = await press(t("en", "admin.users.grant_days", { days: 7 }));
    expect(visible(body(confirm))).toContain(
      visible(
        t("en", "admin.users.confirm_grant", {
          id: "4201",
          duration: { msg: "admin.users.duration", vars: { unit: "d", n: 7 } },
        }),
      ),
    );
    const before = (await cy.chat()).length;
    const confirmData = buttonsOf(confirm).find((b) => b.text === NOTIFY)?.callback_data ?? "";
    const done = await press(NOTIFY);

    const sub = await subscriptionOf(story, 4201);
    expect(sub?.status).toBe("active");
    expect(body(done)).toContain(
      t("en", "admin.users.done_grant", { expiresAt: sub?.expires_at as Date, key: "live" }),
    );
    expect(body(done)).toContain(t("en", "admin.users.notified", { outcome: "sent" }));
    const days = ((sub?.expires_at.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(await story.sb.vpnUsers()).toContainEqual(
      expect.objectContaining({
        uuid: sub?.vpn_uuid,
        telegram_id: 4201,
        expiry_timestamp_ms: sub?.expires_at.getTime(),
      }),
    );
    expect(await grantsOf(4201)).toEqual([
      { kind: "admin", seconds: 7 * 86_400, admin_id: String(ADMIN_ID) },
    ]);
    expect(await auditOf(4201)).toEqual([
      expect.objectContaining({ actor_id: String(ADMIN_ID), action: "subscription.grant" }),
    ]);
    const notice = await cy.waitForMessage();
    expect(notice.text).toBe(
      t("en", "notice.account_time_granted", { expiresAt: sub?.expires_at as Date }),
    );
    expect((await cy.chat()).length).toBe(before + 1);

    // The same confirmation pressed again (an old copy of the button): nothing is repeated.
    const again = await pressAgain(done, confirmData);
    const answer = await until(async () =>
      (await story.sb.calls("telegram", "answerCallbackQuery")).find(
        (c) =>
          (c.request as { callback_query_id?: string }).callback_query_id ===
          again.callback_query_id,
      ),
    );
    expect(answer).toBeDefined();
    const spent = await admin.waitForMessage();
    expect(body(spent)).toContain(t("en", "admin.users.confirm_used"));
    expect(await grantsOf(4201)).toHaveLength(1);
    expect((await subscriptionOf(story, 4201))?.expires_at).toEqual(sub?.expires_at);
    expect(await auditOf(4201)).toHaveLength(1);
    await expectNoNewMessage(cy, before + 1);
  });

  it("a double tap on a confirmation runs it once", async () => {
    const dee = await story.onboard(4202);
    await openCard(4202);
    await press(t("en", "admin.users.button_grant"));
    const confirm = await press(t("en", "admin.users.grant_days", { days: 30 }));
    const data = buttonsOf(confirm).find((b) => b.text === SILENT)?.callback_data ?? "";
    await Promise.all([pressAgain(confirm, data), pressAgain(confirm, data)]);
    await until(async () => (await story.sb.calls("telegram", "answerCallbackQuery")).length > 0);
    await until(async () => {
      const rows = await story.sql<{ n: string }>(
        "SELECT count(*) AS n FROM admin_pending_actions WHERE user_id = 4202 AND outcome IS NOT NULL",
      );
      return rows[0]?.n === "1" ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await grantsOf(4202)).toHaveLength(1);
    expect(await auditOf(4202)).toHaveLength(1);
    // Silently: the customer hears nothing.
    expect((await dee.chat()).filter((m) => body(m).includes("extra VPN time"))).toEqual([]);
  });

  it("a custom grant (90m) silently: no notice, a 5400-second grant", async () => {
    const eve = await story.onboard(4203);
    const before = (await eve.chat()).length;
    await openCard(4203);
    await press(t("en", "admin.users.button_grant"));
    const ask = await press(t("en", "admin.users.button_grant_custom"));
    expect(body(ask)).toContain(t("en", "admin.users.ask_grant_custom"));
    await admin.send("90 minutes");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.users.invalid_duration"));
    await admin.send("90m");
    const confirm = await admin.waitForMessage();
    expect(visible(body(confirm))).toContain("Grant 90 minutes to 4203?");
    const done = await press(SILENT);
    expect(body(done)).toContain(t("en", "admin.users.notified", { outcome: "silent" }));
    expect(await grantsOf(4203)).toEqual([
      { kind: "admin", seconds: 5400, admin_id: String(ADMIN_ID) },
    ]);
    await expectNoNewMessage(eve, before);
  });

  it("revoke takes the key off the VPN server at once and tells the customer", async () => {
    const fay = await story.onboard(4204);
    await openCard(4204);
    await press(t("en", "admin.users.button_grant"));
    await press(t("en", "admin.users.grant_days", { days: 30 }));
    await press(SILENT);
    const uuid = (await subscriptionOf(story, 4204))?.vpn_uuid;
    expect((await story.sb.vpnUsers()).map((u) => u.uuid)).toContain(uuid);

    await openCard(4204);
    const confirm = await press(t("en", "admin.users.button_revoke"));
    expect(body(confirm)).toContain(t("en", "admin.users.confirm_revoke", { id: "4204" }));
    const done = await press(NOTIFY);
    expect(body(done)).toContain(t("en", "admin.users.done_revoke", { removed: "yes" }));
    expect((await story.sb.vpnUsers()).map((u) => u.uuid)).not.toContain(uuid);
    expect((await subscriptionOf(story, 4204))?.status).toBe("expired");
    expect((await fay.waitForMessage((m) => body(m).startsWith("⛔"))).text).toBe(
      t("en", "notice.account_revoked"),
    );
    expect((await auditOf(4204)).map((a) => [a.actor_id, a.action])).toEqual([
      [String(ADMIN_ID), "subscription.grant"],
      [String(ADMIN_ID), "subscription.revoke"],
    ]);

    // Nothing left to revoke: said so, nothing written.
    await openCard(4204);
    await press(t("en", "admin.users.button_revoke"));
    const nothing = await press(SILENT);
    expect(body(nothing)).toContain(t("en", "admin.users.nothing_to_revoke", { id: "4204" }));
    expect(await auditOf(4204)).toHaveLength(2);
  });

  it("reissue swaps the key on the VPN server (never two live) and sends the new key", async () => {
    const gil = await story.onboard(4205);
    await openCard(4205);
    await press(t("en", "admin.users.button_grant"));
    await press(t("en", "admin.users.grant_days", { days: 30 }));
    await press(SILENT);
    const old = await subscriptionOf(story, 4205);

    await openCard(4205);
    await press(t("en", "admin.users.button_reissue"));
    const done = await press(NOTIFY);
    expect(body(done)).toContain(t("en", "admin.users.done_reissue", { state: "live" }));
    const now = await subscriptionOf(story, 4205);
    expect(now?.vpn_uuid).not.toBe(old?.vpn_uuid);
    const onServer = (await story.sb.vpnUsers()).filter((u) => u.telegram_id === 4205);
    expect(onServer.map((u) => u.uuid)).toEqual([now?.vpn_uuid]);
    const key = await gil.waitForMessage((m) => m.photo !== null);
    expect(visible(body(key))).toContain(now?.vless_link ?? "missing");
    expect((await auditOf(4205)).map((a) => a.action)).toEqual([
      "subscription.grant",
      "subscription.reissue",
    ]);
  });

  it("reissue for a customer without a subscription says so and writes nothing", async () => {
    const ivy = await story.onboard(4212);
    const before = (await ivy.chat()).length;
    await openCard(4212);
    await press(t("en", "admin.users.button_reissue"));
    const nothing = await press(NOTIFY);
    expect(body(nothing)).toContain(t("en", "admin.users.no_live_subscription", { id: "4212" }));
    expect(await subscriptionOf(story, 4212)).toBeUndefined();
    expect(await auditOf(4212)).toEqual([]);
    expect(
      await story.sql("SELECT action, outcome FROM admin_pending_actions WHERE user_id = 4212"),
    ).toEqual([{ action: "reissue", outcome: "no_live_subscription" }]);
    await expectNoNewMessage(ivy, before);
  });

  it("credit and debit are ledgered; a debit below zero is refused", async () => {
    const hal = await story.onboard(4206);
    await openCard(4206);
    const ask = await press(t("en", "admin.users.button_credit"));
    expect(body(ask)).toContain(t("en", "admin.users.ask_credit", { id: "4206" }));
    await admin.send("150.50");
    const confirm = await admin.waitForMessage();
    expect(visible(body(confirm))).toContain(
      visible(
        t("en", "admin.users.confirm_credit", {
          id: "4206",
          amount: { kopecks: 15_050 },
          balance: { kopecks: 0 },
        }),
      ),
    );
    const done = await press(NOTIFY);
    expect(body(done)).toContain(
      t("en", "admin.users.done_balance", { balance: { kopecks: 15_050 } }),
    );
    expect(await balanceOf(story, 4206)).toBe(15_050);
    expect((await hal.waitForMessage((m) => body(m).startsWith("💰"))).text).toBe(
      t("en", "notice.account_credited", {
        amount: { kopecks: 15_050 },
        balance: { kopecks: 15_050 },
      }),
    );

    await openCard(4206);
    await press(t("en", "admin.users.button_debit"));
    await admin.send("200");
    await admin.waitForMessage();
    const refused = await press(SILENT);
    expect(body(refused)).toContain(
      t("en", "admin.users.insufficient_balance", { balance: { kopecks: 15_050 } }),
    );
    expect(await balanceOf(story, 4206)).toBe(15_050);

    await openCard(4206);
    await press(t("en", "admin.users.button_debit"));
    await admin.send("50");
    await admin.waitForMessage();
    await press(SILENT);
    expect(await balanceOf(story, 4206)).toBe(10_050);
    const ledger = await story.sql<{ delta_kopecks: string; admin_id: string | null }>(
      "SELECT delta_kopecks, admin_id FROM balance_ledger WHERE user_id = 4206 ORDER BY id",
    );
    expect(ledger).toEqual([
      { delta_kopecks: "15050", admin_id: String(ADMIN_ID) },
      { delta_kopecks: "-5000", admin_id: String(ADMIN_ID) },
    ]);
    expect((await auditOf(4206)).map((a) => [a.actor_id, a.action])).toEqual([
      [String(ADMIN_ID), "balance.credit"],
      [String(ADMIN_ID), "balance.debit"],
    ]);
  });

  it("personal discount with an expiry, and VIP on", async () => {
    const ivy = await story.onboard(4207);
    await openCard(4207);
    await press(t("en", "admin.users.button_discount"));
    await admin.send("15 30d");
    const confirm = await admin.waitForMessage();
    expect(visible(body(confirm))).toContain("personal discount of −15% until");
    await press(NOTIFY);
    const [row] = await story.sql<{
      personal_discount_percent: number;
      personal_discount_until: Date;
    }>(
      "SELECT personal_discount_percent, personal_discount_until FROM users WHERE telegram_id = 4207",
    );
    expect(row?.personal_discount_percent).toBe(15);
    const days = ((row?.personal_discount_until.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(body(await ivy.waitForMessage((m) => body(m).startsWith("🏷")))).toContain("−15%");

    const card = await openCard(4207);
    expect(visible(body(card))).toContain("Personal discount: −15% until");
    await press(t("en", "admin.users.button_vip_on"));
    await press(SILENT);
    const [vip] = await story.sql<{ is_vip: boolean }>(
      "SELECT is_vip FROM users WHERE telegram_id = 4207",
    );
    expect(vip?.is_vip).toBe(true);
    expect(buttonsOf(await openCard(4207)).map((b) => b.text)).toContain(
      t("en", "admin.users.button_vip_off"),
    );
    expect((await auditOf(4207)).map((a) => [a.actor_id, a.action])).toEqual([
      [String(ADMIN_ID), "user.personal_discount"],
      [String(ADMIN_ID), "user.vip_on"],
    ]);
  });

  it("a message reaches the customer through the notifier; a blocked customer is reported", async () => {
    const jo = await story.onboard(4208);
    await openCard(4208);
    await press(t("en", "admin.users.button_message"));
    await admin.send("Your payment <b>is</b> fixed");
    await admin.waitForMessage();
    const done = await press(t("en", "admin.users.button_send"));
    expect(body(done)).toContain(t("en", "admin.users.done_message", { outcome: "sent" }));
    const got = await jo.waitForMessage();
    expect(got.text).toBe(
      t("en", "notice.operator_message", { text: "Your payment <b>is</b> fixed" }),
    );
    expect(visible(body(got))).toContain("Your payment <b>is</b> fixed");

    await jo.block();
    await openCard(4208);
    await press(t("en", "admin.users.button_message"));
    await admin.send("Are you there?");
    await admin.waitForMessage();
    const blocked = await press(t("en", "admin.users.button_send"));
    expect(body(blocked)).toContain(
      t("en", "admin.users.done_message", { outcome: "unreachable" }),
    );
    // Telegram's refusal marked them unreachable: the card says so.
    expect(visible(body(await openCard(4208)))).toContain("🚫 Blocked the bot");
    expect((await auditOf(4208)).map((a) => [a.actor_id, a.action, a.details.outcome])).toEqual([
      [String(ADMIN_ID), "user.message", "sent"],
      [String(ADMIN_ID), "user.message", "unreachable"],
    ]);
    await jo.unblock();
  });

  it("card data this card never sends is answered and changes nothing", async () => {
    await story.onboard(4213);
    const card = await openCard(4213);
    const answered = async (data: string) => {
      const { callback_query_id } = await pressAgain(card, data);
      await until(async () =>
        (await story.sb.calls("telegram", "answerCallbackQuery")).find(
          (c) =>
            (c.request as { callback_query_id?: string }).callback_query_id === callback_query_id,
        ),
      );
    };
    for (const data of [
      "au:zz:4213",
      "au:toString:4213",
      "au:ask:4213:nope",
      "au:a:4213:grant:0",
      "au:a:4213:vip:2",
      "au:a:4213:nope",
      "au:c:-1",
      "au:ok:token:x",
    ]) {
      await answered(data);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await admin.chat()).at(-1)).toEqual(card);
    expect(await story.sql("SELECT id FROM admin_pending_actions WHERE user_id = 4213")).toEqual(
      [],
    );
  });

  it("an expired confirmation does nothing", async () => {
    await story.onboard(4209);
    await openCard(4209);
    await press(t("en", "admin.users.button_credit"));
    await admin.send("10");
    await admin.waitForMessage();
    await story.sql(
      "UPDATE admin_pending_actions SET created_at = now() - interval '1 hour' WHERE user_id = 4209",
    );
    const expired = await press(NOTIFY);
    expect(body(expired)).toContain(t("en", "admin.users.confirm_expired"));
    expect(await balanceOf(story, 4209)).toBe(0);
    expect(await auditOf(4209)).toEqual([]);
  });

  it("a stranger's forged confirmation changes nothing", async () => {
    const kim = await story.onboard(4210);
    await openCard(4210);
    await press(t("en", "admin.users.button_credit"));
    await admin.send("500");
    const confirm = await admin.waitForMessage();
    const data = buttonsOf(confirm).find((b) => b.text === NOTIFY)?.callback_data ?? "";
    expect(data.startsWith("au:ok:")).toBe(true);
    const chat = await kim.chat();
    const last = chat.at(-1);
    if (!last) throw new Error("the stranger has no message to press under");
    const forged = await story.sb.json<{ callback_query_id: string }>(
      "POST",
      `/sandbox/users/${kim.id}/press`,
      { message_id: last.message_id, data, forged: true },
    );
    const answer = await until(async () =>
      (await story.sb.calls("telegram", "answerCallbackQuery")).find(
        (c) =>
          (c.request as { callback_query_id?: string }).callback_query_id ===
          forged.callback_query_id,
      ),
    );
    expect((answer.request as { text?: string }).text).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(await kim.chat()).toEqual(chat);
    expect(await balanceOf(story, 4210)).toBe(0);
    const [pending] = await story.sql<{ used_at: Date | null }>(
      "SELECT used_at FROM admin_pending_actions WHERE user_id = 4210",
    );
    expect(pending?.used_at).toBeNull();
    expect(story.r2Violations()).toBe(0);
  });

  it("with the VPN API down a grant waits for the server and a revoke's removal is retried", async () => {
    await story.onboard(4211);
    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      await openCard(4211);
      await press(t("en", "admin.users.button_grant"));
      await press(t("en", "admin.users.grant_days", { days: 1 }));
      const pending = await press(SILENT);
      const sub = await subscriptionOf(story, 4211);
      expect(sub?.status).toBe("pending");
      expect(body(pending)).toContain(
        t("en", "admin.users.done_grant", { expiresAt: sub?.expires_at as Date, key: "pending" }),
      );
      const card = await openCard(4211);
      expect(visible(body(card))).toContain("Key waiting for the VPN server");
    } finally {
      await story.sb.clearFaults("vpn");
    }
    // The activation worker, once the failed attempt's back-off (15 s) has passed.
    await story.sql("UPDATE subscriptions SET next_activation_at = now() WHERE user_id = 4211");
    await story.runActivation();
    expect((await subscriptionOf(story, 4211))?.status).toBe("active");
    const uuid = (await subscriptionOf(story, 4211))?.vpn_uuid;

    await story.sb.fault({ target: "vpn", mode: "down" });
    try {
      await openCard(4211);
      await press(t("en", "admin.users.button_revoke"));
      const revoked = await press(SILENT);
      expect(body(revoked)).toContain(t("en", "admin.users.done_revoke", { removed: "no" }));
      // Access ends in the database at once; the key is still on the server until removal.
      expect((await subscriptionOf(story, 4211))?.expires_at.getTime()).toBeLessThanOrEqual(
        Date.now(),
      );
      expect((await story.sb.vpnUsers()).map((u) => u.uuid)).toContain(uuid);
    } finally {
      await story.sb.clearFaults("vpn");
    }
    expect(story.r2Violations()).toBe(0);
  });
});
