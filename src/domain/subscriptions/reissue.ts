import type { DbAccess } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { toSafeInt } from "../billing/money.js";

/** A new key for the same subscription: the reissue and how far it has got. */

export type ReissueResult =
  /**
   * The subscription now has a new UUID and is 'pending': provision `subscriptionId`, and remove
   * `oldUuid` from the VPN server (the database marked it retired, so reconcile also removes it).
   */
  | { outcome: "reissued"; subscriptionId: number; oldUuid: string; newUuid: string }
  | { outcome: "cooldown"; retryAfterSeconds: number }
  | { outcome: "no_live_subscription" };

/**
 * The customer's own key reissue, at most once per `cooldownSeconds`. The database retires the
 * old UUID into issued_uuids (never reused); the version bump makes any in-flight provisioning
 * of the old key lose its compare-and-set. An admin's reissue (`byAdmin`, no cool-down) takes
 * the same path and is audited in the same transaction.
 */
export async function reissueKey(
  db: DbAccess,
  userId: number,
  cooldownSeconds: number,
  byAdmin?: { adminId: number },
): Promise<ReissueResult> {
  return db.tx("subscription_reissue", async (client) => {
    const { rows } = await client.query<{
      id: string;
      vpn_uuid: string;
      wait_seconds: number;
    }>(
      `SELECT id, vpn_uuid,
              ceil(greatest(0, extract(epoch FROM
                (key_reissued_at + make_interval(secs => $2) - now()))))::int AS wait_seconds
         FROM subscriptions
        WHERE user_id = $1 AND status IN ('pending', 'active') AND expires_at > now()
        FOR UPDATE`,
      [userId, cooldownSeconds],
    );
    const sub = rows[0];
    if (!sub) return { outcome: "no_live_subscription" } as const;
    if (sub.wait_seconds > 0) {
      return { outcome: "cooldown", retryAfterSeconds: sub.wait_seconds } as const;
    }
    const { rows: updated } = await client.query<{ vpn_uuid: string }>(
      `UPDATE subscriptions
          SET vpn_uuid = gen_random_uuid(), status = 'pending', vless_link = NULL,
              provisioned_expires_at = NULL, provisioned_at = NULL, key_reissued_at = now(),
              activation_attempts = 0, next_activation_at = NULL, last_activation_error = NULL
        WHERE id = $1
        RETURNING vpn_uuid`,
      [sub.id],
    );
    const newUuid = updated[0]?.vpn_uuid;
    if (!newUuid) throw new Error(`reissue of subscription ${sub.id} updated no row`);
    if (byAdmin) {
      await writeAudit(client, {
        actorId: byAdmin.adminId,
        action: "subscription.reissue",
        targetUserId: userId,
        details: { subscription_id: toSafeInt(sub.id), old_uuid: sub.vpn_uuid, new_uuid: newUuid },
      });
    }
    return {
      outcome: "reissued",
      subscriptionId: toSafeInt(sub.id),
      oldUuid: sub.vpn_uuid,
      newUuid,
    } as const;
  });
}

/**
 * Where a reissue stands, for telling the customer the truth: whether every replaced key of the
 * subscription is confirmed off the server, and whether the new key is live.
 */
export async function reissueProgress(
  db: DbAccess,
  subscriptionId: number,
): Promise<{ oldKeysRemoved: boolean; newKeyLive: boolean }> {
  const { rows } = await db.query<{ old_keys_removed: boolean; new_key_live: boolean }>(
    "subscription_reissue_progress",
    `SELECT NOT EXISTS (SELECT 1 FROM issued_uuids i
                         WHERE i.subscription_id = s.id AND i.retired_at IS NOT NULL
                           AND i.removed_at IS NULL) AS old_keys_removed,
            (s.status = 'active' AND s.vless_link IS NOT NULL) AS new_key_live
       FROM subscriptions s WHERE s.id = $1`,
    [subscriptionId],
  );
  return {
    oldKeysRemoved: rows[0]?.old_keys_removed ?? false,
    newKeyLive: rows[0]?.new_key_live ?? false,
  };
}
