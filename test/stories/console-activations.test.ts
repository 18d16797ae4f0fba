import { describe, expect, it } from "vitest";
import { until } from "../bot/support/testbed.js";
import { ADMIN_ID, buttonsOf, startStory, subscriptionOf, visible } from "./support.js";

const story = await startStory();

describe("pending activations and the audit log in the console", () => {
  it("lists a key that could not be activated; retry now makes it due and the worker activates it", async () => {
    const cid = await story.onboard(5101);
    await story.sb.fault({ target: "vpn", mode: "error", status: 500 });
    try {
      await cid.press("f:trial");
      await cid.waitForMessage();
      await until(async () => (await subscriptionOf(story, 5101))?.status === "pending");
      await story.runActivation();
    } finally {
      await story.sb.clearFaults("vpn");
    }
    const [before] = await story.sql<{
      id: string;
      activation_attempts: number;
      next_activation_at: Date;
      last_activation_error: string;
    }>(
      "SELECT id, activation_attempts, next_activation_at, last_activation_error FROM subscriptions WHERE user_id = 5101",
    );
    if (!before) throw new Error("no subscription");
    const subId = Number(before.id);
    expect(before.activation_attempts).toBeGreaterThan(0);
    // Backed off: not due yet, so the worker leaves it alone without the admin.
    await story.sql(
      "UPDATE subscriptions SET next_activation_at = now() + interval '1 hour' WHERE id = $1",
      [subId],
    );

    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/activations");
    const list = await admin.waitForMessage();
    expect(list.text).toContain(story.t("en", "admin.activations.title", { count: 1 }));
    expect(list.text).toContain(`#${subId}`);
    expect(list.text).toContain("5101");
    expect(list.text).toContain(
      story.t("en", "admin.activations.error", { text: before.last_activation_error }),
    );
    const idle = await story.runActivation();
    expect(idle.counts?.activated ?? 0).toBe(0);

    await admin.press(`aac:r:${subId}`);
    const confirm = await admin.waitForMessage((m) => m.edited);
    expect(confirm.text).toContain(`#${subId}`);
    const confirmData = buttonsOf(confirm).find((b) => b.callback_data?.startsWith("aac:go:"))
      ?.callback_data as string;
    expect(confirmData).toMatch(new RegExp(`^aac:go:${subId}:[A-Za-z0-9_-]{12}$`));
    await admin.press(confirmData);
    const done = await admin.waitForMessage((m) => m.edited);
    expect(done.text).toBe(story.t("en", "admin.activations.done", { id: subId }));
    const [due] = await story.sql<{ due: boolean; status: string }>(
      "SELECT next_activation_at <= now() AS due, status FROM subscriptions WHERE id = $1",
      [subId],
    );
    // Due now, still pending: the handler made no VPN call, the worker makes it.
    expect(due).toEqual({ due: true, status: "pending" });
    // The old confirm button, pressed again, does nothing and says so, even while the key still waits.
    const [{ n: auditsBefore } = { n: 0 }] = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'activation.retry'",
    );
    await story.sb.json("POST", `/sandbox/users/${ADMIN_ID}/press`, {
      message_id: confirm.message_id,
      data: confirmData,
      // The button as an older copy of the message still shows it.
      forged: true,
    });
    const again = await admin.waitForMessage((m) => m.edited && m.text !== done.text);
    expect(again.text).toBe(story.t("en", "admin.activations.used", { id: subId }));
    const report = await story.runActivation();
    expect(report.counts).toMatchObject({ activated: 1 });
    expect((await subscriptionOf(story, 5101))?.status).toBe("active");

    const audits = await story.sql<{ actor_id: string; target_user_id: string; details: object }>(
      "SELECT actor_id, target_user_id, details FROM audit_log WHERE action = 'activation.retry'",
    );
    expect(audits.length).toBe(auditsBefore);
    expect(audits).toEqual([
      {
        actor_id: String(ADMIN_ID),
        target_user_id: "5101",
        details: expect.objectContaining({ subscription_id: subId }),
      },
    ]);

    // The audit log shows it: all entries, by this admin, about this customer.
    for (const command of ["/audit", `/audit ${ADMIN_ID}`, "/audit 5101", "/audit user 5101"]) {
      await admin.send(command);
      const page = await admin.waitForMessage();
      expect(page.text).toContain("activation.retry");
      expect(visible(page.text ?? "")).toContain(`{"subscription_id":${subId}}`);
      expect(page.text).not.toContain("confirmation");
    }
    await admin.send("/audit 777");
    expect((await admin.waitForMessage()).text).toContain(story.t("en", "admin.audit.empty"));
    await admin.send("/audit admin x");
    expect((await admin.waitForMessage()).text).toBe(story.t("en", "admin.audit.usage"));
    expect(story.r2Violations()).toBe(0);
  });

  it("a retry pressed twice before anything else happens is done once", async () => {
    await story.db.tx("seed", (c) =>
      c.query(`
        SET LOCAL session_replication_role = replica;
        INSERT INTO users (telegram_id, first_name) VALUES (5102, 'Waiting');
        INSERT INTO subscriptions (user_id, status, expires_at, next_activation_at)
          VALUES (5102, 'pending', now() + interval '30 days', now() + interval '1 hour');`),
    );
    const [row] = await story.sql<{ id: string }>(
      "SELECT id FROM subscriptions WHERE user_id = 5102",
    );
    const admin = story.customer(ADMIN_ID);
    await admin.send("/activations");
    await admin.waitForMessage();
    await admin.press(`aac:r:${row?.id}`);
    const confirm = await admin.waitForMessage((m) => m.edited);
    const data = buttonsOf(confirm).find((b) => b.callback_data?.startsWith("aac:go:"))
      ?.callback_data as string;
    const press = () =>
      story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${ADMIN_ID}/press`, {
        message_id: confirm.message_id,
        data,
      });
    const presses = await Promise.all([press(), press()]);
    // Both presses are answered; which one edits the message last is a race, so the message
    // ends as "done" or as "already used", and the retry happened once either way.
    await until(async () => {
      const answered = (await story.sb.calls("telegram", "answerCallbackQuery")).map(
        (c) => (c.request as { callback_query_id?: string }).callback_query_id,
      );
      return presses.every((p) => answered.includes(p.callback_query_id));
    });
    const outcomes = [
      story.t("en", "admin.activations.done", { id: Number(row?.id) }),
      story.t("en", "admin.activations.used"),
    ];
    await until(async () => {
      const text = (await admin.chat()).find((m) => m.message_id === confirm.message_id)?.text;
      return outcomes.some((o) => text?.includes(o)) ? true : undefined;
    });
    const [due] = await story.sql<{ due: boolean }>(
      "SELECT next_activation_at <= now() AS due FROM subscriptions WHERE user_id = 5102",
    );
    expect(due?.due).toBe(true);
    const audits = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'activation.retry' AND target_user_id = 5102",
    );
    expect(audits[0]?.n).toBe(1);
  });

  it("a forged console button from a stranger changes nothing", async () => {
    const stranger = await story.onboard(5199);
    const [row] = await story.sql<{ id: string; next: Date }>(
      "SELECT id, next_activation_at AS next FROM subscriptions WHERE user_id = 5102",
    );
    await story.sql(
      "UPDATE subscriptions SET next_activation_at = now() + interval '1 hour' WHERE user_id = 5102",
    );
    const last = (await stranger.chat()).at(-1);
    const before = await stranger.chat();
    for (const data of [
      `aac:go:${row?.id}:AAAAAAAAAAAA`,
      "aex:go:payments:AAAAAAAAAAAA",
      "aau:a:0:0",
    ]) {
      await story.sb.json("POST", `/sandbox/users/${stranger.id}/press`, {
        message_id: last?.message_id,
        data,
        forged: true,
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await stranger.chat()).toEqual(before);
    const [after] = await story.sql<{ due: boolean }>(
      "SELECT next_activation_at <= now() AS due FROM subscriptions WHERE user_id = 5102",
    );
    expect(after?.due).toBe(false);
    const audits = await story.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE actor_id = 5199",
    );
    expect(audits[0]?.n).toBe(0);
  });
});
