import { describe, expect, it } from "vitest";
import { linkIn, startStory, subscriptionOf, toPaymentMethods } from "./support.js";

const story = await startStory();

describe("the Stars backstop", () => {
  it("credits a Stars payment whose update never reached the bot, once, and tells the customer", async () => {
    const ida = await story.onboard(1801);
    await toPaymentMethods(ida, "basic", 30);
    await ida.press("b:basic:30:xtr:83");
    await ida.waitForMessage((m) => m.invoice !== null);
    const paid = await ida.pay({ dropUpdate: true });
    expect(paid.status).toBe("paid");
    const chargeId = paid.successful_payment?.telegram_payment_charge_id;
    // The money moved, the bot never heard of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(await story.sql("SELECT id FROM payments WHERE user_id = 1801")).toEqual([]);
    expect((await subscriptionOf(story, 1801))?.status).not.toBe("active");

    const first = await story.runStarsBackstop();
    expect(first.counts).toMatchObject({ checked: 1, credited: 1, already_recorded: 0 });
    const payments = await story.sql(
      "SELECT provider, provider_payment_id FROM payments WHERE user_id = 1801",
    );
    expect(payments).toEqual([{ provider: "telegram_stars", provider_payment_id: chargeId }]);
    const notice = await ida.waitForMessage((m) => linkIn(m) !== undefined);
    const sub = await subscriptionOf(story, 1801);
    expect(sub?.status).toBe("active");
    expect(linkIn(notice)).toBe(sub?.vless_link);

    // Read past: the next iteration checks nothing again.
    const second = await story.runStarsBackstop();
    expect(second.counts).toMatchObject({ scanned: 0, credited: 0 });
    expect(
      await story.sql(
        "SELECT id FROM subscription_grants WHERE user_id = 1801 AND kind <> 'trial'",
      ),
    ).toHaveLength(1);
  });

  it("leaves payments the chat recorded alone", async () => {
    const jon = await story.onboard(1802);
    await toPaymentMethods(jon, "basic", 30);
    await jon.press("b:basic:30:xtr:83");
    await jon.waitForMessage((m) => m.invoice !== null);
    await jon.pay();
    await jon.waitForMessage((m) => m.photo !== null);
    const before = await subscriptionOf(story, 1802);

    const report = await story.runStarsBackstop();
    expect(report.counts).toMatchObject({ checked: 1, credited: 0, already_recorded: 1 });
    expect(await subscriptionOf(story, 1802)).toEqual(before);
    expect(await story.sql("SELECT id FROM payments WHERE user_id = 1802")).toHaveLength(1);
  });
});
