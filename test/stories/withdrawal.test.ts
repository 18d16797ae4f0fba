import { describe, expect, it } from "vitest";
import { until } from "../bot/support/testbed.js";
import type { Customer } from "../support/driver.js";
import { ADMIN_ID, balanceOf, buttonsOf, type Story, startStory, visible } from "./support.js";

const ADMIN_2 = 900_002;
const story = await startStory({ env: { ADMIN_IDS: `${ADMIN_ID},${ADMIN_2}` } });
const { t } = story;
const money = (kopecks: number) => ({ kopecks });

/** A referred friend tops up by card: the referrer earns 10 %. */
async function friendTopsUp(s: Story, friend: Customer, kopecks: number): Promise<void> {
  await friend.send("/start");
  await friend.waitForMessage();
  await friend.press("f:profile");
  await friend.waitForMessage((m) => m.edited);
  await friend.press("f:topup");
  await friend.waitForMessage((m) => m.edited);
  await friend.press("t:custom");
  await friend.waitForMessage((m) => m.edited);
  await friend.send(String(kopecks / 100));
  await friend.waitForMessage();
  await friend.press(`t:${kopecks}:card`);
  await friend.waitForMessage((m) => m.invoice !== null);
  await friend.pay();
  await friend.waitForMessage((m) => m.text?.startsWith("✅") ?? false);
  expect(s.r2Violations()).toBe(0);
}

async function requestWithdrawal(tom: Customer, amount: string, requisites: string) {
  await tom.send("/profile");
  await tom.waitForMessage();
  await tom.press("f:withdraw");
  await tom.waitForMessage((m) => m.edited);
  await tom.press("w:start");
  await tom.waitForMessage((m) => m.edited);
  await tom.send(amount);
  await tom.waitForMessage();
  await tom.send(requisites);
  return tom.waitForMessage();
}

describe("withdrawal of referral earnings", () => {
  it("request → amount reserved → the admin approves → both sides told", async () => {
    const admin = await story.onboard(ADMIN_ID);
    const admin2 = await story.onboard(ADMIN_2);
    const tom = await story.onboard(2401);
    const una = await story.onboard(2402, { referrer: 2401 });
    await friendTopsUp(story, una, 600_000);
    const cashback = t("en", "notice.referral_cashback", { amount: money(60_000), percent: 10 });
    await tom.waitForMessage((m) => m.text === cashback);

    await tom.send("/profile");
    await tom.waitForMessage();
    await tom.press("f:withdraw");
    const info = await tom.waitForMessage((m) => m.edited);
    expect(info.text).toContain(
      t("en", "withdraw.info", { available: money(60_000), min: money(50_000) }),
    );
    await tom.press("w:start");
    const prompt = await tom.waitForMessage((m) => m.edited);
    expect(prompt.text).toBe(
      t("en", "withdraw.amount_prompt", { min: money(50_000), max: money(60_000) }),
    );
    await tom.send("300");
    const low = await tom.waitForMessage();
    expect(low.text?.startsWith("The minimum is ₽500.")).toBe(true);
    await tom.send("700");
    const high = await tom.waitForMessage();
    expect(high.text?.startsWith("You can withdraw at most ₽600.")).toBe(true);
    await tom.send("500");
    const details = await tom.waitForMessage();
    expect(details.text).toBe(t("en", "withdraw.requisites_prompt", { amount: money(50_000) }));
    await tom.send("Card 4242 4242 4242 4242 <T-Bank>");
    const requested = await tom.waitForMessage();
    const [row] = await story.sql<{ id: string; status: string }>(
      "SELECT id, status FROM withdrawals WHERE user_id = 2401",
    );
    expect(requested.text).toBe(
      t("en", "withdraw.requested", {
        id: String(row?.id),
        amount: money(50_000),
        balance: money(10_000),
      }),
    );
    expect(await balanceOf(story, 2401)).toBe(10_000);

    const request = await admin.waitForMessage((m) => m.text?.includes("#") ?? false);
    expect(request.text).toBe(
      t("en", "notice.withdrawal_requested", {
        id: String(row?.id),
        user: "2401",
        username: "@customer_2401",
        amount: money(50_000),
        requisites: "Card 4242 4242 4242 4242 <T-Bank>",
      }),
    );
    expect(buttonsOf(request).map((b) => b.callback_data)).toEqual([
      `wd:${row?.id}:a`,
      `wd:${row?.id}:r`,
    ]);

    // Every admin gets a copy of the request.
    const copy2 = await admin2.waitForMessage((m) => m.text === request.text);

    // Anyone else pressing a console button (forged) is answered silently; nothing changes.
    const tomBefore = await tom.chat();
    const forged = await pressForged(tom, `wd:${row?.id}:ay`);
    const answer = await answerTo(forged.callback_query_id);
    expect(answer.text).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(await tom.chat()).toEqual(tomBefore);
    const [still] = await story.sql("SELECT status FROM withdrawals WHERE user_id = 2401");
    expect(still).toEqual({ status: "pending" });

    // Approve asks for confirmation first.
    await admin.press(`wd:${row?.id}:a`);
    const confirm = await admin.waitForMessage((m) => m.message_id === request.message_id);
    expect(visible(confirm.text ?? "")).toContain(`Approve request #${row?.id}?`);
    expect(buttonsOf(confirm).map((b) => b.callback_data)).toEqual([
      `wd:${row?.id}:ay`,
      `wd:${row?.id}:v`,
    ]);
    await admin.press(`wd:${row?.id}:ay`);
    const decided = await admin.waitForMessage(
      (m) => m.message_id === request.message_id && (m.text?.includes("Approved") ?? false),
    );
    // The decided copy keeps the payout details and names who decided.
    expect(visible(decided.text ?? "")).toContain("Card 4242 4242 4242 4242 <T-Bank>");
    expect(visible(decided.text ?? "")).toContain(`Approved by ${ADMIN_ID}`);
    expect(buttonsOf(decided)).toEqual([]);
    // The other admin's copy shows the same outcome.
    const other = await admin2.waitForMessage((m) => m.message_id === copy2.message_id && m.edited);
    expect(other.text).toBe(decided.text);
    expect(buttonsOf(other)).toEqual([]);

    const told = await tom.waitForMessage((m) => m.text?.startsWith("✅") ?? false);
    expect(told.text).toBe(t("en", "notice.withdrawal_approved", { amount: money(50_000) }));
    const [approved] = await story.sql(
      "SELECT status, decided_by FROM withdrawals WHERE user_id = 2401",
    );
    expect(approved).toEqual({ status: "approved", decided_by: String(ADMIN_ID) });
    const audit = await story.sql(
      "SELECT actor_id, action FROM audit_log WHERE target_user_id = 2401 AND action LIKE 'withdrawal.%'",
    );
    expect(audit).toEqual([{ actor_id: String(ADMIN_ID), action: "withdrawal.approve" }]);

    // A second decision is refused: the other admin presses an old confirmation.
    const late = await pressForged(admin2, `wd:${row?.id}:ay`, copy2.message_id);
    expect((await answerTo(late.callback_query_id)).text).toBe(
      t("en", "admin.withdrawals.already_decided"),
    );
    const lateReject = await pressForged(admin2, `wd:${row?.id}:r`, copy2.message_id);
    await answerTo(lateReject.callback_query_id);
    const refused = await admin2.waitForMessage(
      (m) => m.message_id === copy2.message_id && (m.text?.includes("already") ?? false),
    );
    expect(buttonsOf(refused)).toEqual([]);
    expect(await balanceOf(story, 2401)).toBe(10_000);
    const [after] = await story.sql("SELECT status FROM withdrawals WHERE user_id = 2401");
    expect(after).toEqual({ status: "approved" });
  });

  it("rejected: the amount goes back to the balance and the customer is told", async () => {
    const admin = story.customer(ADMIN_ID);
    const tom = story.customer(2401);
    await friendTopsUp(story, story.customer(2402), 600_000);
    expect(await balanceOf(story, 2401)).toBe(70_000);
    const requested = await requestWithdrawal(tom, "600", "wallet T123");
    expect(requested.text?.startsWith("✅")).toBe(true);
    expect(await balanceOf(story, 2401)).toBe(10_000);
    const [row] = await story.sql<{ id: string }>(
      "SELECT id FROM withdrawals WHERE user_id = 2401 AND status = 'pending'",
    );
    const request = await admin.waitForMessage((m) => m.text?.includes(`#${row?.id}`) ?? false);
    // The list of open requests has it.
    await admin.send("/withdrawals");
    const list = await admin.waitForMessage();
    expect(visible(list.text ?? "")).toContain("Open withdrawal requests: 1");
    expect(buttonsOf(list).map((b) => b.callback_data)).toContain(`wd:${row?.id}:v`);

    await admin.press(`wd:${row?.id}:r`);
    const ask = await admin.waitForMessage((m) => m.message_id === request.message_id);
    expect(visible(ask.text ?? "")).toContain(`Send the reason for rejecting request #${row?.id}`);
    await admin.send("Wallet T123 is not a valid address");
    const confirm = await admin.waitForMessage();
    expect(visible(confirm.text ?? "")).toContain("Wallet T123 is not a valid address");
    const confirmData = buttonsOf(confirm)[0]?.callback_data ?? "";
    expect(confirmData).toMatch(new RegExp(`^wd:${row?.id}:rt:\\d+$`));
    await admin.press(confirmData);
    const decided = await admin.waitForMessage(
      (m) => m.message_id === confirm.message_id && (m.text?.includes("Rejected") ?? false),
    );
    expect(visible(decided.text ?? "")).toContain("Reason: Wallet T123 is not a valid address");
    expect(visible(decided.text ?? "")).toContain("wallet T123");
    // The copy the request came in shows the outcome too.
    const original = await admin.waitForMessage(
      (m) => m.message_id === request.message_id && (m.text?.includes("Rejected") ?? false),
    );
    expect(buttonsOf(original)).toEqual([]);
    const told = await tom.waitForMessage((m) => m.text?.startsWith("❌") ?? false);
    expect(told.text).toBe(
      t("en", "admin.withdrawals.customer_rejected", {
        amount: money(60_000),
        balance: money(70_000),
        reason: "Wallet T123 is not a valid address",
      }),
    );
    expect(await balanceOf(story, 2401)).toBe(70_000);

    // The confirmation is single-use: pressed again, nothing is refunded twice.
    const again = await pressForged(admin, confirmData, confirm.message_id);
    expect((await answerTo(again.callback_query_id)).text).toBe(
      t("en", "admin.withdrawals.confirm_used"),
    );
    expect(await balanceOf(story, 2401)).toBe(70_000);
    const refunds = await story.sql(
      "SELECT count(*)::int AS n FROM balance_ledger WHERE user_id = 2401 AND reason = 'withdrawal_refund'",
    );
    expect(refunds).toEqual([{ n: 1 }]);
    expect(story.r2Violations()).toBe(0);
  });

  it("earnings of exactly the minimum are asked for as one amount, not a range", async () => {
    const vic = await story.onboard(2403);
    const wes = await story.onboard(2404, { referrer: 2403 });
    await friendTopsUp(story, wes, 500_000);
    const cashback = t("en", "notice.referral_cashback", { amount: money(50_000), percent: 10 });
    await vic.waitForMessage((m) => m.text === cashback);
    await vic.send("/profile");
    await vic.waitForMessage();
    await vic.press("f:withdraw");
    await vic.waitForMessage((m) => m.edited);
    await vic.press("w:start");
    const prompt = await vic.waitForMessage((m) => m.edited);
    expect(prompt.text).toBe("Send the amount to withdraw, exactly ₽500:");
    expect(prompt.text).toBe(
      t("en", "withdraw.amount_prompt", { min: money(50_000), max: money(50_000), span: "one" }),
    );
  });
});

async function pressForged(who: Customer, data: string, messageId?: number) {
  const id = messageId ?? (await who.lastMessage())?.message_id ?? 0;
  return story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${who.id}/press`, {
    message_id: id,
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
