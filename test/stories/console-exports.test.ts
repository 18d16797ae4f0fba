import { describe, expect, it } from "vitest";
import { parseCsv } from "../support/csv.js";
import { ADMIN_ID, buttonsOf, startStory } from "./support.js";

const story = await startStory();

describe("CSV exports in the console", () => {
  it("an admin exports 10 000 payments: one document, every row, escaped, audited once", async () => {
    await story.sql(
      "INSERT INTO users (telegram_id, username, first_name) SELECT i, 'user_' || i, 'Name, \"quoted\"' FROM generate_series(8001, 8005) i",
    );
    await story.sql(
      `INSERT INTO payments (user_id, provider, provider_payment_id, amount_kopecks, currency)
       SELECT 8001 + i % 5, 'cryptopay',
              CASE WHEN i = 4242 THEN E'a,b "c"\\nd' ELSE 'inv-' || i END, 1000 + i, 'RUB'
         FROM generate_series(1, 10000) i`,
    );
    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/export");
    await admin.waitForMessage();
    await admin.press("aex:k:payments");
    const confirm = await admin.waitForMessage((m) => m.edited);
    const data = buttonsOf(confirm).find((b) => b.callback_data?.startsWith("aex:go:"))
      ?.callback_data as string;
    expect(data).toMatch(/^aex:go:payments:[A-Za-z0-9_-]{12}$/);
    await admin.press(data);

    const document = await admin.waitForMessage((m) => m.document !== null, 20_000);
    expect(document.document?.file_name).toMatch(/^payments-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.csv$/);
    const csv = (await story.sb.file(document.document?.file_id ?? "")).toString("utf8");
    const rows = parseCsv(csv);
    expect(rows[0]?.slice(0, 6)).toEqual([
      "id",
      "user_id",
      "purchase_id",
      "provider",
      "provider_payment_id",
      "amount_kopecks",
    ]);
    expect(rows.length).toBe(10_001);
    const tricky = rows.find((r) => r[5] === String(1000 + 4242));
    expect(tricky?.[4]).toBe('a,b "c"\nd');
    const done = await admin.waitForMessage((m) => m.document === null);
    expect(done.text).toBe(story.t("en", "admin.exports.done", { kind: "payments", rows: 10_000 }));

    // Audited with the admin's id; the same confirm pressed again sends nothing.
    await story.sb.json("POST", `/sandbox/users/${ADMIN_ID}/press`, {
      message_id: confirm.message_id,
      data,
      forged: true,
    });
    const used = await admin.waitForMessage();
    expect(used.text).toBe(story.t("en", "admin.exports.used"));
    const documents = (await admin.chat()).filter((m) => m.document !== null);
    expect(documents.length).toBe(1);
    const audits = await story.sql<{ actor_id: string; details: { kind: string } }>(
      "SELECT actor_id, details FROM audit_log WHERE action = 'export.payments'",
    );
    expect(audits).toEqual([
      { actor_id: String(ADMIN_ID), details: expect.objectContaining({ kind: "payments" }) },
    ]);

    // Customers too, names with commas and quotes kept whole.
    await admin.press("aex");
    await admin.waitForMessage((m) => m.edited);
    await admin.press("aex:k:users");
    const confirmUsers = await admin.waitForMessage((m) => m.edited);
    await admin.press(
      buttonsOf(confirmUsers).find((b) => b.callback_data?.startsWith("aex:go:"))
        ?.callback_data as string,
    );
    const usersDoc = await admin.waitForMessage((m) => m.document !== null);
    const users = parseCsv(
      (await story.sb.file(usersDoc.document?.file_id ?? "")).toString("utf8"),
    );
    expect(users.find((r) => r[0] === "8003")?.slice(1, 3)).toEqual([
      "user_8003",
      'Name, "quoted"',
    ]);
    expect(story.r2Violations()).toBe(0);
  });
});
