/** The drill's database: 50 000 customers with subscriptions and thousands due for every worker. */
import pg from "pg";

export const SEEDED_CUSTOMERS = 50_000;

export interface DueCounts {
  expiring: number;
  renewing: number;
  reminding: number;
  activating: number;
  trialsEnding: number;
  openInvoices: number;
}

export async function seedService(url: string, due: DueCounts): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("BEGIN");
    await c.query(
      `INSERT INTO users (telegram_id, first_name, language_code)
       SELECT g, 'Customer' || g, 'en' FROM generate_series(1, $1) g`,
      [SEEDED_CUSTOMERS],
    );
    // Id ranges: expiring, renewing, reminding, activating, trials ending, then the live rest.
    const b1 = due.expiring;
    const b2 = b1 + due.renewing;
    const b3 = b2 + due.reminding;
    const b4 = b3 + due.activating;
    const b5 = b4 + due.trialsEnding;
    await c.query(
      `INSERT INTO subscriptions (user_id, status, expires_at, is_trial, auto_renew, last_plan,
                                  last_period_days, vless_link, provisioned_expires_at, provisioned_at)
       SELECT g, 'active', e, g > $4 AND g <= $5, g > $1 AND g <= $2, 'basic', 30,
              'vless://bench@vpn.sandbox.invalid:443', CASE WHEN g > $3 AND g <= $4 THEN NULL ELSE e END, now()
         FROM (SELECT g, CASE
                 WHEN g <= $1 THEN now() - interval '1 minute'
                 WHEN g <= $2 THEN now() + interval '3 hours'
                 WHEN g <= $3 THEN now() + interval '2 days' + (g % 600) * interval '1 minute'
                 WHEN g <= $4 THEN now() + interval '25 days'
                 WHEN g <= $5 THEN now() - interval '1 minute'
                 ELSE now() + (30 + g % 300) * interval '1 day' END AS e
                 FROM generate_series(1, $6) g) s`,
      [b1, b2, b3, b4, b5, SEEDED_CUSTOMERS],
    );
    await c.query(
      `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
       SELECT id, user_id, CASE WHEN is_trial THEN 'trial' ELSE 'admin' END, 2592000,
              expires_at - interval '30 days', expires_at FROM subscriptions`,
    );
    await c.query(
      `INSERT INTO purchases (user_id, kind, plan, period_days, method, base_kopecks, amount_kopecks,
                              currency, expires_at, crypto_invoice_id, crypto_invoice_status, crypto_invoice_url)
       SELECT g, 'subscription', 'basic', 30, 'crypto', 14900, 14900, 'RUB', now() + interval '25 minutes',
              900000 + g, 'active', 'https://t.me/CryptoBot?start=bench' || g
         FROM generate_series($1::int + 1, $1::int + $2::int) g`,
      [b5, due.openInvoices],
    );
    await c.query("COMMIT");
    await c.query("ANALYZE");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await c.end();
  }
}

/** `count` more customers whose subscriptions expired a minute ago (for the expiry sweep). */
export async function seedExpired(url: string, firstId: number, count: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("BEGIN");
    await c.query(
      `INSERT INTO users (telegram_id, language_code) SELECT g, 'en' FROM generate_series($1::bigint, $2::bigint) g`,
      [firstId, firstId + count - 1],
    );
    await c.query(
      `INSERT INTO subscriptions (user_id, status, expires_at, vless_link, provisioned_expires_at, provisioned_at)
       SELECT g, 'active', now() - interval '1 minute', 'vless://bench@vpn.sandbox.invalid:443',
              now() - interval '1 minute', now()
         FROM generate_series($1::bigint, $2::bigint) g`,
      [firstId, firstId + count - 1],
    );
    await c.query(
      `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
       SELECT id, user_id, 'admin', 2592000, expires_at - interval '30 days', expires_at
         FROM subscriptions WHERE user_id BETWEEN $1 AND $2`,
      [firstId, firstId + count - 1],
    );
    await c.query("COMMIT");
  } finally {
    await c.end();
  }
}

export async function countDueExpiry(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(
      "SELECT count(*) AS n FROM subscriptions WHERE status = 'active' AND expires_at < now()",
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}
