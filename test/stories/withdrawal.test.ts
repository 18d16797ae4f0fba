import { describe, expect, it } from "vitest";
import type { Customer } from "../support/driver.js";
import { ADMIN_ID, balanceOf, buttonsOf, type Story, startStory } from "./support.js";

const story = await startStory();
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

    // Anyone else "pressing" an admin button is treated like an outdated button: no hint.
    const last = await tom.lastMessage();
    await story.runtime.bot.handleUpdate({
      update_id: 9_100_001,
      callback_query: {
        id: "forged-1",
        from: { id: 2401, is_bot: false, first_name: "Tom" },
        chat_instance: "x",
        data: `wd:${row?.id}:a`,
        message: {
          message_id: last?.message_id ?? 0,
          date: 0,
          chat: { id: 2401, type: "private", first_name: "Tom" },
          text: last?.text ?? "",
        },
      },
    });
    const menu = await tom.waitForMessage(
      (m) =>
        m.message_id === last?.message_id && (m.text?.includes(t("en", "menu.title")) ?? false),
    );
    expect(menu.text).not.toMatch(/admin|withdrawal #/i);
    const [still] = await story.sql("SELECT status FROM withdrawals WHERE user_id = 2401");
    expect(still).toEqual({ status: "pending" });

    await admin.press(`wd:${row?.id}:a`);
    const decided = await admin.waitForMessage((m) => m.message_id === request.message_id);
    expect(decided.text).toBe(
      t("en", "admin.withdrawal_approved", {
        id: String(row?.id),
        amount: money(50_000),
        user: "2401",
      }),
    );
    expect(buttonsOf(decided)).toEqual([]);
    const told = await tom.waitForMessage((m) => m.text?.startsWith("✅") ?? false);
    expect(told.text).toBe(t("en", "notice.withdrawal_approved", { amount: money(50_000) }));
    const [approved] = await story.sql(
      "SELECT status, decided_by FROM withdrawals WHERE user_id = 2401",
    );
    expect(approved).toEqual({ status: "approved", decided_by: String(ADMIN_ID) });

    // A second decision changes nothing.
    const again = await story.services.admin.decideWithdrawal(
      { telegramId: ADMIN_ID, language: "en", botUsername: "" },
      Number(row?.id),
      false,
    );
    expect(again.text).toEqual({
      key: "admin.withdrawal_already",
      vars: { id: String(row?.id), status: "approved" },
    });
    expect(await balanceOf(story, 2401)).toBe(10_000);
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
    await admin.waitForMessage((m) => m.text?.includes(`#${row?.id}`) ?? false);
    await admin.press(`wd:${row?.id}:r`);
    const decided = await admin.waitForMessage((m) => m.edited);
    expect(decided.text).toBe(
      t("en", "admin.withdrawal_rejected", {
        id: String(row?.id),
        amount: money(60_000),
        user: "2401",
      }),
    );
    const told = await tom.waitForMessage((m) => m.text?.startsWith("❌") ?? false);
    expect(told.text).toBe(
      t("en", "notice.withdrawal_rejected", { amount: money(60_000), balance: money(70_000) }),
    );
    expect(await balanceOf(story, 2401)).toBe(70_000);
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
