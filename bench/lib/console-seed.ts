/**
 * The console's 100 000-customer seed: two years of customers, subscriptions, trial grants,
 * purchases, payments and audit entries. The query-plan test plans the dashboard on it, and
 * `npm run bench -- --only=dashboard` times the dashboard on it. Triggers are off for the bulk
 * load only (`session_replication_role = replica` inside the loading transaction).
 */
export const CONSOLE_SEED_CUSTOMERS = 100_000;

/** The tables the seed fills (vacuumed and analysed after it). */
export const CONSOLE_SEED_TABLES = [
  "users",
  "subscriptions",
  "subscription_grants",
  "purchases",
  "payments",
  "audit_log",
];

export const CONSOLE_SEED_STATEMENTS: readonly string[] = [
  `INSERT INTO users (telegram_id, first_name, language_code, created_at, trial_used_at)
         SELECT i, 'Customer ' || i, CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ru' END,
                now() - make_interval(secs => (i * 631) % (730 * 86400)),
                CASE WHEN i % 2 = 0 THEN now() - make_interval(secs => (i * 631) % (730 * 86400)) END
           FROM generate_series(1, 100000) i`,
  `INSERT INTO subscriptions (user_id, status, is_trial, expires_at, vless_link)
         SELECT i,
                CASE WHEN i % 100 < 15 THEN 'active' WHEN i % 100 = 15 THEN 'pending' ELSE 'expired' END,
                i % 100 < 3,
                CASE WHEN i % 100 <= 15 THEN now() + interval '10 days' ELSE now() - make_interval(days => 1 + i % 700) END,
                'vless://seed-' || i
           FROM generate_series(1, 100000) i`,
  `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_before, expires_after)
         SELECT s.id, s.user_id, 'trial', 259200, u.trial_used_at, NULL, u.trial_used_at + interval '3 days'
           FROM subscriptions s JOIN users u ON u.telegram_id = s.user_id
          WHERE u.trial_used_at IS NOT NULL`,
  `INSERT INTO purchases (user_id, kind, plan, period_days, method, base_kopecks, amount_kopecks,
                                currency, status, paid_at, created_at)
         SELECT 1 + (i * 7919) % 100000, 'subscription', 'standard', 30, 'card', 29900, 29900, 'RUB',
                'paid', now() - make_interval(secs => (i * 389) % (730 * 86400)),
                now() - make_interval(secs => (i * 389) % (730 * 86400))
           FROM generate_series(1, 200000) i`,
  `INSERT INTO payments (purchase_id, user_id, provider, provider_payment_id, amount_kopecks, currency, created_at)
         SELECT id, user_id, 'telegram_card', 'seed-' || id, amount_kopecks, 'RUB', paid_at FROM purchases`,
  `INSERT INTO audit_log (actor_id, action, target_user_id, created_at)
         SELECT 900001 + i % 3, 'subscription.grant', 1 + (i * 13) % 100000,
                now() - make_interval(secs => (200000 - i) * 300)
           FROM generate_series(1, 200000) i`,
];
