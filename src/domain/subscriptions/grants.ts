import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { toSafeInt } from "../billing/money.js";
import { lockCustomer } from "../customers/lock.js";

/**
 * One subscription per customer, whose `expires_at` is the fold of its recorded grants: every
 * change of the expiry is a `subscription_grants` row in the same transaction (checked by the
 * database at COMMIT). Expiry arithmetic stays in SQL — a JS Date would drop microseconds and
 * break the grant row's own arithmetic CHECK.
 *
 * All changes to a customer's subscription first lock the customer's `users` row (FOR NO KEY
 * UPDATE, which does not block foreign-key checks): that serialises trial activation, payments,
 * admin grants and revokes for one customer, even before a subscription row exists.
 *
 * A grant leaves the subscription needing provisioning, which is how the activation worker and
 * the provisioner find work (indexes subscriptions_pending_activation_idx and
 * subscriptions_needs_sync_idx): status 'pending' when its key is not on the VPN server (new,
 * expired or revoked before), or, for an 'active' one, `provisioned_expires_at <> expires_at`.
 */

export type GrantKind = "trial" | "purchase" | "auto_renew" | "admin";

export interface GrantInput {
  userId: number;
  kind: GrantKind;
  /** Length of the grant; days × 86400 for day grants (a purchase grant must be exactly its days). */
  seconds: number;
  purchaseId?: number | null;
  adminId?: number | null;
  note?: string | null;
  /** A paid plan (purchase, auto_renew): remembered for auto-renewal pricing. */
  plan?: { plan: string; periodDays: number } | null;
}

export interface GrantRecord {
  grantId: number;
  subscriptionId: number;
  expiresAt: Date;
  version: number;
  /** The grant created the subscription. */
  created: boolean;
}

type GrantRow = { grant_id: string; subscription_id: string; expires_at: Date; version: string };

function toGrantRecord(r: GrantRow | undefined, created: boolean): GrantRecord {
  if (!r) throw new Error("subscription grant wrote no row");
  return {
    grantId: toSafeInt(r.grant_id),
    subscriptionId: toSafeInt(r.subscription_id),
    expiresAt: r.expires_at,
    version: toSafeInt(r.version),
    created,
  };
}

/**
 * Extends (or creates) the customer's subscription by `seconds` from max(expires_at, now) — the
 * same key — and records the grant, in the caller's transaction. A subscription whose key left
 * the server (expired, revoked) goes back to 'pending' for the activation worker; an active one
 * is left with `provisioned_expires_at <> expires_at` so the new expiry is synced.
 *
 * For a purchase/auto_renew grant the purchase must already be flipped to 'paid' (the database
 * checks it when the grant row is inserted).
 */
export async function grantSubscriptionTime(
  client: DbClient,
  input: GrantInput,
): Promise<GrantRecord> {
  if (!Number.isSafeInteger(input.seconds) || input.seconds <= 0) {
    throw new RangeError(`grant of ${input.seconds} s: must be a positive whole number`);
  }
  if (!(await lockCustomer(client, input.userId))) {
    throw new Error(`grant for unknown user ${input.userId}`);
  }
  const { rows: existing } = await client.query<{ id: string; expires_at: string }>(
    "SELECT id, expires_at::text AS expires_at FROM subscriptions WHERE user_id = $1 FOR UPDATE",
    [input.userId],
  );
  const grantParams = [
    input.userId,
    input.kind,
    input.seconds,
    input.purchaseId ?? null,
    input.adminId ?? null,
    input.note ?? null,
    input.plan?.plan ?? null,
    input.plan?.periodDays ?? null,
  ];
  const prev = existing[0];
  if (!prev) {
    const { rows } = await client.query<GrantRow>(
      `WITH sub AS (
         INSERT INTO subscriptions (user_id, expires_at, is_trial, last_plan, last_period_days)
         VALUES ($1, now() + make_interval(secs => $3::bigint), $2 = 'trial', $7, $8)
         RETURNING id, user_id, expires_at, version
       ), grant_row AS (
         INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, expires_before,
           expires_after, purchase_id, admin_id, note)
         SELECT id, user_id, $2, $3, NULL, expires_at, $4, $5, $6 FROM sub
         RETURNING id, subscription_id
       )
       SELECT g.id AS grant_id, s.id AS subscription_id, s.expires_at, s.version
         FROM grant_row g JOIN sub s ON s.id = g.subscription_id`,
      grantParams,
    );
    return toGrantRecord(rows[0], true);
  }
  const { rows } = await client.query<GrantRow>(
    `WITH sub AS (
       UPDATE subscriptions s
          SET expires_at = greatest(s.expires_at, now()) + make_interval(secs => $3::bigint),
              status = CASE WHEN s.status IN ('expired', 'revoked') THEN 'pending' ELSE s.status END,
              -- Paid time ends a trial; an admin's gift keeps a live trial a trial.
              is_trial = CASE $2::text
                WHEN 'trial' THEN true
                WHEN 'admin' THEN s.is_trial AND s.status IN ('pending', 'active')
                                  AND s.expires_at > now()
                ELSE false END,
              last_plan = coalesce($7, s.last_plan),
              last_period_days = coalesce($8, s.last_period_days),
              activation_attempts = CASE WHEN s.status IN ('expired', 'revoked') THEN 0
                                         ELSE s.activation_attempts END,
              -- New time is worth an immediate attempt, not the tail of an old backoff.
              next_activation_at = NULL
        WHERE s.id = $9 AND s.user_id = $1
        RETURNING s.id, s.user_id, s.expires_at, s.version
     ), grant_row AS (
       INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, expires_before,
         expires_after, purchase_id, admin_id, note)
       SELECT id, user_id, $2, $3, $10::timestamptz, expires_at, $4, $5, $6 FROM sub
       RETURNING id, subscription_id
     )
     SELECT g.id AS grant_id, s.id AS subscription_id, s.expires_at, s.version
       FROM grant_row g JOIN sub s ON s.id = g.subscription_id`,
    [...grantParams, prev.id, prev.expires_at],
  );
  return toGrantRecord(rows[0], false);
}

export type AdminGrantResult =
  | { outcome: "granted"; subscriptionId: number; expiresAt: Date; created: boolean }
  | { outcome: "unknown_user" }
  | { outcome: "invalid_duration" };

/**
 * An admin's gift of time: any positive number of seconds (minutes, hours, days), audited.
 * Provision `subscriptionId` after this returns.
 */
export async function grantByAdmin(
  db: DbAccess,
  input: { adminId: number; userId: number; seconds: number; note?: string | null },
): Promise<AdminGrantResult> {
  if (!Number.isSafeInteger(input.seconds) || input.seconds <= 0) {
    return { outcome: "invalid_duration" };
  }
  return db.tx("subscription_admin_grant", async (client) => {
    if (!(await lockCustomer(client, input.userId))) return { outcome: "unknown_user" } as const;
    const grant = await grantSubscriptionTime(client, {
      userId: input.userId,
      kind: "admin",
      seconds: input.seconds,
      adminId: input.adminId,
      note: input.note ?? null,
    });
    await writeAudit(client, {
      actorId: input.adminId,
      action: "subscription.grant",
      targetUserId: input.userId,
      details: {
        seconds: input.seconds,
        subscription_id: grant.subscriptionId,
        grant_id: grant.grantId,
        expires_at: grant.expiresAt.toISOString(),
        note: input.note ?? null,
      },
    });
    return {
      outcome: "granted",
      subscriptionId: grant.subscriptionId,
      expiresAt: grant.expiresAt,
      created: grant.created,
    } as const;
  });
}

export type RevokeResult =
  /**
   * The expiry is now: the fast-expiry worker (or an immediate `expireSubscription` call by the
   * caller, outside any connection) removes `vpnUuid` from the VPN server and marks it expired.
   */
  | { outcome: "revoked"; subscriptionId: number; vpnUuid: string }
  | { outcome: "nothing_to_revoke" };

/**
 * Ends a live subscription now: expires_at := now() with a 'revoke' grant row, auto-renewal off
 * (or the auto-renewal worker would buy it back). The status stays pending/active so the
 * existing expiry path takes the key off the server; the grant history says it was revoked.
 */
export async function revokeSubscription(
  db: DbAccess,
  input: { adminId: number | null; userId: number; note?: string | null },
): Promise<RevokeResult> {
  return db.tx("subscription_revoke", async (client) => {
    await lockCustomer(client, input.userId);
    const { rows } = await client.query<{ id: string; expires_at: string; vpn_uuid: string }>(
      `SELECT id, expires_at::text AS expires_at, vpn_uuid FROM subscriptions
        WHERE user_id = $1 AND status IN ('pending', 'active') AND expires_at > now()
        FOR UPDATE`,
      [input.userId],
    );
    const sub = rows[0];
    if (!sub) return { outcome: "nothing_to_revoke" } as const;
    await client.query(
      `WITH sub AS (
         UPDATE subscriptions SET expires_at = now(), auto_renew = false WHERE id = $1
         RETURNING id, user_id, expires_at
       )
       INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, expires_before,
         expires_after, admin_id, note)
       SELECT id, user_id, 'revoke', NULL, $2::timestamptz, expires_at, $3, $4 FROM sub`,
      [sub.id, sub.expires_at, input.adminId, input.note ?? null],
    );
    await writeAudit(client, {
      actorId: input.adminId,
      action: "subscription.revoke",
      targetUserId: input.userId,
      details: { subscription_id: toSafeInt(sub.id), expires_before: sub.expires_at },
    });
    return {
      outcome: "revoked",
      subscriptionId: toSafeInt(sub.id),
      vpnUuid: sub.vpn_uuid,
    } as const;
  });
}
