import { describe, expect, it } from "vitest";
import { readAnswer } from "../../src/features/admin/promo/index.js";
import { PROMO_DATA } from "../../src/features/admin/promo/screens.js";
import { until } from "../bot/support/testbed.js";
import { ADMIN_ID, body, buttonsOf, startStory, visible } from "../stories/support.js";

const story = await startStory();
const { t } = story;

/** Presses data on a message again, as an old button in the chat would be (even if edited away). */
async function pressAgain(userId: number, messageId: number, data: string) {
  return story.sb.json<{ callback_query_id: string }>("POST", `/sandbox/users/${userId}/press`, {
    message_id: messageId,
    data,
    forged: true,
  });
}

describe("promo codes in the console", () => {
  it("creates a fixed-amount code for one plan step by step; the confirm works once", async () => {
    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/promo");
    const list = await admin.waitForMessage();
    expect(body(list)).toContain(t("en", "admin.promo.empty"));

    await admin.press(PROMO_DATA.create);
    expect(body(await admin.waitForMessage((m) => m.edited))).toContain(
      t("en", "admin.promo.ask_code"),
    );
    await admin.send("bad code!");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.promo.bad_code"));
    await admin.send("WINTER150");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.promo.ask_discount"));
    await admin.send("150");
    expect(body(await admin.waitForMessage())).toContain(t("en", "admin.promo.bad_discount"));
    await admin.send("150₽");
    await admin.waitForMessage();
    await admin.send("10");
    await admin.waitForMessage();
    await admin.send("30");
    const plans = await admin.waitForMessage();
    expect(buttonsOf(plans).map((b) => b.callback_data)).toEqual([
      PROMO_DATA.plan("*"),
      PROMO_DATA.plan("basic"),
      PROMO_DATA.plan("plus"),
      PROMO_DATA.cancel,
    ]);
    await admin.press(PROMO_DATA.plan("plus"));
    const summary = await admin.waitForMessage((m) => m.edited);
    expect(visible(body(summary))).toBe(
      "Create WINTER150: −₽150, uses 10, valid for 30 days, plan plus?",
    );
    await admin.press(PROMO_DATA.confirmCreate);
    const created = await admin.waitForMessage((m) => m.edited);
    expect(body(created)).toContain(t("en", "admin.promo.create_created", { code: "WINTER150" }));
    expect(visible(body(created))).toContain("WINTER150 −₽150 · used 0 of 10");

    // The old confirm pressed again: the form is closed, nothing more is created.
    await pressAgain(admin.id, summary.message_id, PROMO_DATA.confirmCreate);
    const again = await admin.waitForMessage((m) => m.edited);
    expect(body(again)).toContain(t("en", "admin.promo.draft_gone"));
    const rows = await story.sql(
      `SELECT code, percent, amount_off_kopecks, plan, max_uses,
              round(extract(epoch FROM expires_at - created_at) / 86400) AS days
         FROM promo_codes`,
    );
    expect(rows).toEqual([
      {
        code: "WINTER150",
        percent: null,
        amount_off_kopecks: "15000",
        plan: "plus",
        max_uses: 10,
        days: "30",
      },
    ]);
    const audit = await story.sql(
      "SELECT actor_id, action FROM audit_log WHERE action LIKE 'promo.%'",
    );
    expect(audit).toEqual([{ actor_id: String(ADMIN_ID), action: "promo.create" }]);
  });

  it("the customer gets ₽150 off on its plan only, in rubles and Stars, and pays", async () => {
    const kim = await story.onboard(3301);
    await kim.send("/buy");
    await kim.waitForMessage();
    await kim.press(t("en", "buy.button_promo"));
    await kim.waitForMessage((m) => m.edited);
    await kim.send("winter150");
    const priced = await kim.waitForMessage();
    expect(visible(body(priced))).toContain("Promo code WINTER150 applied: −₽150.");
    expect(visible(body(priced))).toContain("Valid for the Plus plan only.");
    // Basic keeps its price; Plus 30 days: ₽299 − ₽150 = ₽149.
    expect(buttonsOf(priced)[0]?.text).toBe("Basic — from ₽149");
    await kim.press("b:plus");
    const periods = await kim.waitForMessage((m) => m.edited);
    expect(buttonsOf(periods)[0]?.text).toBe("30 days — ₽149 (−₽150)");
    await kim.press("b:plus:30");
    const methods = await kim.waitForMessage((m) => m.edited);
    // 166 Stars × 15000/29900 = 83.27 → 83 off → 83 Stars.
    expect(buttonsOf(methods).map((b) => b.callback_data)).toContain("b:plus:30:xtr:83");
    await kim.press("b:plus:30:xtr:83");
    const invoice = await kim.waitForMessage((m) => m.invoice !== null);
    expect(invoice.invoice?.total_amount).toBe(83);
    await kim.pay();
    await kim.waitForMessage((m) => m.photo !== null);
    const [purchase] = await story.sql(
      `SELECT discount_source, discount_percent, discount_kopecks, amount_kopecks, stars_amount
         FROM purchases WHERE user_id = 3301 AND status = 'paid'`,
    );
    expect(purchase).toEqual({
      discount_source: "promo",
      discount_percent: 0,
      discount_kopecks: "15000",
      amount_kopecks: "14900",
      stars_amount: 83,
    });
    const [used] = await story.sql("SELECT used_count FROM promo_codes WHERE code = 'WINTER150'");
    expect(used).toEqual({ used_count: 1 });
  });

  it("deactivates a code once; customers can no longer enter it", async () => {
    const admin = story.customer(ADMIN_ID);
    await admin.send("/promo");
    await admin.waitForMessage();
    await admin.press(PROMO_DATA.deactivate("WINTER150"));
    const question = await admin.waitForMessage((m) => m.edited);
    await admin.press(PROMO_DATA.confirmDeactivate("WINTER150"));
    const done = await admin.waitForMessage((m) => m.edited);
    expect(body(done)).toContain(
      t("en", "admin.promo.deactivate_deactivated", { code: "WINTER150" }),
    );
    await pressAgain(admin.id, question.message_id, PROMO_DATA.confirmDeactivate("WINTER150"));
    const again = await admin.waitForMessage((m) => m.edited);
    expect(body(again)).toContain(
      t("en", "admin.promo.deactivate_already_inactive", { code: "WINTER150" }),
    );
    const audit = await story.sql(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'promo.deactivate'",
    );
    expect(audit).toEqual([{ n: 1 }]);

    const lee = await story.onboard(3302);
    await lee.send("/buy");
    await lee.waitForMessage();
    await lee.press(t("en", "buy.button_promo"));
    await lee.waitForMessage((m) => m.edited);
    await lee.send("WINTER150");
    expect(body(await lee.waitForMessage())).toContain(
      t("en", "buy.promo_rejected", { reason: "inactive" }),
    );
  });

  it("a stranger's press on promo data changes nothing", async () => {
    const stranger = await story.onboard(3303);
    const before = await stranger.chat();
    const last = before.at(-1);
    if (!last) throw new Error("no message");
    const press = await pressAgain(stranger.id, last.message_id, PROMO_DATA.create);
    await until(async () =>
      (await story.sb.calls("telegram", "answerCallbackQuery")).find(
        (c) =>
          (c.request as { callback_query_id?: string }).callback_query_id ===
          press.callback_query_id,
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await stranger.chat()).toEqual(before);
    const [open] = await story.sql(
      "SELECT count(*)::int AS n FROM conversation_state WHERE user_id = 3303 AND prompt IS NOT NULL",
    );
    expect(open).toEqual({ n: 0 });
  });
});

describe("the new-code answers (pure)", () => {
  it("reads percents, fixed amounts, limits and expiry; refuses the rest", () => {
    expect(readAnswer("discount", "20%")).toEqual({
      ok: true,
      value: { percent: 20, amountOffKopecks: null },
    });
    expect(readAnswer("discount", "99.50 ₽")).toEqual({
      ok: true,
      value: { percent: null, amountOffKopecks: 9_950 },
    });
    expect(readAnswer("discount", "101%")).toEqual({ ok: false });
    expect(readAnswer("discount", "0₽")).toEqual({ ok: false });
    expect(readAnswer("discount", "20")).toEqual({ ok: false });
    expect(readAnswer("uses", "-")).toEqual({ ok: true, value: { maxUses: null } });
    expect(readAnswer("uses", "0")).toEqual({ ok: false });
    expect(readAnswer("expiry", "14d")).toEqual({ ok: true, value: { expiresInDays: 14 } });
    expect(readAnswer("expiry", "3651")).toEqual({ ok: false });
    expect(readAnswer("code", "SUMMER-25")).toEqual({ ok: true, value: { code: "SUMMER-25" } });
    expect(readAnswer("code", "ПРОМО")).toEqual({ ok: false });
  });
});
