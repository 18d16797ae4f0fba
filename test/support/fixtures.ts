import type { Db } from "../../src/db/pool.js";

/**
 * A customer with a subscription granted by an admin, written the way the schema demands
 * (every expiry change explained by a grant row). `seconds` may be negative for one that is
 * already past its end.
 */
export async function customerWithSubscription(
  db: Db,
  userId: number,
  seconds: number,
): Promise<{ subscriptionId: number; uuid: string }> {
  return db.tx("fixture_subscription", async (c) => {
    await c.query("INSERT INTO users (telegram_id) VALUES ($1) ON CONFLICT DO NOTHING", [userId]);
    const grantedAt = seconds > 0 ? "now()" : `now() - make_interval(secs => ${1 - seconds})`;
    const length = seconds > 0 ? seconds : 1;
    const { rows } = await c.query<{ id: string; vpn_uuid: string; expires_at: Date }>(
      `INSERT INTO subscriptions (user_id, expires_at)
       VALUES ($1, ${grantedAt} + make_interval(secs => $2)) RETURNING id, vpn_uuid`,
      [userId, length],
    );
    const sub = rows[0]!;
    await c.query(
      `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
       SELECT id, user_id, 'admin', $2, ${grantedAt}, expires_at FROM subscriptions WHERE id = $1`,
      [sub.id, length],
    );
    return { subscriptionId: Number(sub.id), uuid: sub.vpn_uuid };
  });
}

/** An admin extension of `seconds` from max(expires_at, now), with its grant row. */
export async function extendSubscription(
  db: Db,
  subscriptionId: number,
  seconds: number,
): Promise<void> {
  await db.tx("fixture_extend", async (c) => {
    await c.query(
      `WITH old AS (SELECT id, user_id, expires_at FROM subscriptions WHERE id = $1 FOR UPDATE),
            upd AS (UPDATE subscriptions s SET expires_at = greatest(old.expires_at, now()) + make_interval(secs => $2)
                      FROM old WHERE s.id = old.id RETURNING s.id, s.user_id, s.expires_at)
       INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_before, expires_after)
       SELECT upd.id, upd.user_id, 'admin', $2, now(), old.expires_at, upd.expires_at FROM upd JOIN old USING (id)`,
      [subscriptionId, seconds],
    );
  });
}

export async function subscriptionRow(db: Db, subscriptionId: number) {
  const { rows } = await db.query<{
    status: string;
    vless_link: string | null;
    in_sync: boolean;
    expires_at: Date;
    claim_token: string | null;
    activation_attempts: number;
    vpn_uuid: string;
  }>(
    "fixture_read",
    `SELECT status, vless_link, provisioned_expires_at IS NOT DISTINCT FROM expires_at AS in_sync,
            expires_at, claim_token, activation_attempts, vpn_uuid
       FROM subscriptions WHERE id = $1`,
    [subscriptionId],
  );
  return rows[0]!;
}
