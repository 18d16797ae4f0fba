import { describe, expect, it } from "vitest";
import { ADMIN_ID, buttonsOf, startStory } from "./support.js";

const story = await startStory();
const { t } = story;

/**
 * A small known world, loaded in one transaction with triggers off (the story checks the
 * numbers, not the flows that make them): five customers with one subscription of each kind,
 * trials, payments by every method, a pending withdrawal.
 */
async function seed(): Promise<void> {
  await story.db.tx("seed", (c) =>
    c.query(`
    SET LOCAL session_replication_role = replica;
    INSERT INTO users (telegram_id, first_name, created_at) VALUES
      (5001, 'Paid', now() - interval '40 days'),
      (5002, 'Trial', now() - interval '10 days'),
      (5003, 'Pending', now() - interval '3 days'),
      (5004, 'Expired', now() - interval '1 minute'),
      (5005, 'Expired too', now() - interval '2 minutes');
    INSERT INTO subscriptions (user_id, status, is_trial, expires_at, vless_link) VALUES
      (5001, 'active', false, now() + interval '20 days', 'vless://5001'),
      (5002, 'active', true, now() + interval '1 day', 'vless://5002'),
      (5003, 'pending', false, now() + interval '30 days', NULL),
      (5004, 'expired', false, now() - interval '5 days', NULL),
      (5005, 'expired', true, now() - interval '9 days', NULL);
    INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
      SELECT id, user_id, 'trial', 259200, g.at, g.at + interval '3 days'
        FROM subscriptions,
             LATERAL (SELECT now() - make_interval(days => (user_id - 5000)::int * 7) AS at) g
       WHERE user_id IN (5001, 5002);
    INSERT INTO purchases (id, user_id, kind, plan, period_days, method, base_kopecks, amount_kopecks,
                           currency, status, paid_at)
      VALUES (900, 5001, 'subscription', 'basic', 30, 'card', 29900, 29900, 'RUB', 'paid', now());
    INSERT INTO payments (purchase_id, user_id, provider, provider_payment_id, amount_kopecks, stars_amount, currency, created_at) VALUES
      (900, 5001, 'telegram_card', 'card-1', 29900, NULL, 'RUB', now()),
      (NULL, 5001, 'cryptopay', 'crypto-1', 10000, NULL, 'RUB', now() - interval '5 days'),
      (NULL, 5002, 'telegram_stars', 'stars-1', 15000, 100, 'XTR', now() - interval '20 days'),
      (NULL, 5001, 'balance', 'balance-1', 5000, NULL, 'RUB', now()),
      (NULL, 5001, 'telegram_card', 'card-old', 99900, NULL, 'RUB', now() - interval '40 days');
    INSERT INTO withdrawals (user_id, amount_kopecks, requisites) VALUES (5001, 50000, 'card 1234');`),
  );
}

describe("the dashboard on the console's home screen", () => {
  it("an admin sends /admin and sees the numbers of the seed", async () => {
    await seed();
    const admin = await story.onboard(ADMIN_ID);
    await admin.send("/admin");
    const home = await admin.waitForMessage();
    const text = home.text ?? "";
    const line = (key: Parameters<typeof t>[1], vars?: Parameters<typeof t>[2]) =>
      story.i18n.t("en", key, vars);

    expect(text).toContain("Operator console");
    // Five seeded customers and the admin; the admin and two seeded customers joined today.
    expect(text).toContain(line("admin.dashboard.customers", { total: 6, today: 3, week: 4 }));
    expect(text).toContain(
      line("admin.dashboard.subscriptions", { paid: 1, trial: 1, pending: 1, expired: 2 }),
    );
    // Card and crypto and Stars are revenue; balance spending and older payments are not.
    expect(text).toContain(
      line("admin.dashboard.revenue", {
        today: { kopecks: 29_900 },
        week: { kopecks: 39_900 },
        month: { kopecks: 54_900 },
        line0: {
          msg: "admin.dashboard.revenue_stars_line",
          vars: {
            today: { kopecks: 0 },
            week: { kopecks: 0 },
            month: { kopecks: 15_000 },
            stars: 100,
          },
        },
        line1: {
          msg: "admin.dashboard.revenue_line",
          vars: {
            provider: "telegram_card",
            today: { kopecks: 29_900 },
            week: { kopecks: 29_900 },
            month: { kopecks: 29_900 },
          },
        },
        line2: {
          msg: "admin.dashboard.revenue_line",
          vars: {
            provider: "cryptopay",
            today: { kopecks: 0 },
            week: { kopecks: 10_000 },
            month: { kopecks: 10_000 },
          },
        },
      }),
    );
    // Two trials in the last 30 days; the customer with the paid purchase converted.
    expect(text).toContain(
      line("admin.dashboard.conversion", { days: 30, trials: 2, converted: 1, percent: 50 }),
    );
    expect(text).toContain(
      line("admin.dashboard.withdrawals", { count: 1, amount: { kopecks: 50_000 } }),
    );
    expect(text).toMatch(/DB wait p99 [\d.]+ ms · workers late: none · VPN: ok · Crypto Pay: ok/);
    expect(buttonsOf(home).map((b) => b.callback_data)).toContain("adm");

    // /stats shows the same screen; Refresh edits it in place with current numbers.
    await admin.send("/stats");
    const stats = await admin.waitForMessage();
    expect(stats.text).toContain(
      line("admin.dashboard.customers", { total: 6, today: 3, week: 4 }),
    );
    await story.sql("INSERT INTO users (telegram_id, first_name) VALUES (5006, 'Newcomer')");
    await admin.press("🔄 Refresh");
    const refreshed = await admin.waitForMessage((m) => m.edited);
    expect(refreshed.text).toContain(
      line("admin.dashboard.customers", { total: 7, today: 4, week: 5 }),
    );
    expect(story.r2Violations()).toBe(0);
  });
});
