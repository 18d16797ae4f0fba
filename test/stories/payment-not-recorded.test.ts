import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_ID, body, startStory, toPaymentMethods } from "./support.js";

// Telegram sends a successful payment once. While the database refuses to record payments
// (a test trigger stands in for a restarting database), the bot retries, and if that is not
// enough it hands the payment to the admins with everything needed to credit it.
const story = await startStory({
  services: { limits: { paymentRecordRetryPausesMs: [200, 400, 800] } },
});
const { t } = story;

await story.sql("CREATE TABLE refuse_payments (since timestamptz NOT NULL DEFAULT now())");
await story.sql(`
  CREATE FUNCTION refuse_payments() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM refuse_payments) THEN
      RAISE EXCEPTION 'the database refuses payments (test)';
    END IF;
    RETURN NEW;
  END $$`);
await story.sql(
  "CREATE TRIGGER refuse_payments BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION refuse_payments()",
);
const refusePayments = () => story.sql("INSERT INTO refuse_payments DEFAULT VALUES");
const acceptPayments = () => story.sql("DELETE FROM refuse_payments");
afterEach(acceptPayments);

async function starsInvoice(id: number) {
  const customer = await story.onboard(id);
  await toPaymentMethods(customer, "basic", 30);
  await customer.press("b:basic:30:xtr:83");
  await customer.waitForMessage((m) => m.invoice !== null);
  return customer;
}

const paymentsOf = (userId: number) =>
  story.sql("SELECT provider FROM payments WHERE user_id = $1", [userId]);

describe("a Telegram payment the database cannot record at once", () => {
  it("is recorded by a retry once the database is back: granted, exactly once", async () => {
    const ida = await starsInvoice(1801);
    await refusePayments();
    const paid = await ida.pay();
    expect(paid.status).toBe("paid");
    await new Promise((r) => setTimeout(r, 300));
    await acceptPayments();
    const key = await ida.waitForMessage((m) => m.photo !== null, 5_000);
    expect(body(key)).toContain("vless://");
    expect(await paymentsOf(1801)).toEqual([{ provider: "telegram_stars" }]);
  });

  it("still refused after the retries: the customer is told, the admins get what to credit", async () => {
    const admin = await story.onboard(ADMIN_ID);
    const jon = await starsInvoice(1802);
    await refusePayments();
    const paid = await jon.pay();
    const charge = paid.successful_payment?.telegram_payment_charge_id;
    expect(charge).toBeDefined();

    const told = await jon.waitForMessage((m) => !m.edited && m.invoice === null, 5_000);
    expect(told.text).toBe(t("en", "payment.review", { id: "1802" }));
    const alert = await admin.waitForMessage((m) => m.text?.startsWith("⚠️") ?? false, 5_000);
    expect(alert.text).toContain("could not be recorded");
    expect(alert.text).toContain(String(charge));
    expect(alert.text).toContain("1802");
    expect(await paymentsOf(1802)).toEqual([]);
    const metric = await story.metrics.payments.get();
    expect(
      metric.values.find((v) => v.labels.method === "stars" && v.labels.outcome === "not_recorded")
        ?.value,
    ).toBe(1);
  });
});
