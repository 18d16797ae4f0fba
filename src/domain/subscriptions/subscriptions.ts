import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { toSafeInt, toSafeIntOrNull } from "../billing/money.js";
import { lockCustomer } from "../customers/lock.js";
import { markTrialUsed } from "../customers/users.js";

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

export const TRIAL_SECONDS = 3 * 86_400;

export type SubscriptionStatus = "pending" | "active" | "expired" | "revoked";
export type GrantKind = "trial" | "purchase" | "auto_renew" | "admin";

export interface SubscriptionView {
  id: number;
  userId: number;
  status: SubscriptionStatus;
  isTrial: boolean;
  expiresAt: Date;
  /** Not expired yet (status pending/active and expiry in the future). */
  live: boolean;
  /** Waiting for the VPN server: shown as "activation pending" while status is 'pending'. */
  needsProvisioning: boolean;
  autoRenew: boolean;
  lastPlan: string | null;
  lastPeriodDays: number | null;
  vpnUuid: string;
  vlessLink: string | null;
  version: number;
  keyReissuedAt: Date | null;
}

/** The key to show the customer: only while the subscription is live and on the VPN server. */
export function liveKey(sub: SubscriptionView | undefined): string | null {
  return sub?.live && sub.status === "active" && sub.vlessLink ? sub.vlessLink : null;
}

/** The provisioning predicate, the same as the two partial indexes' conditions. */
const NEEDS_PROVISIONING = `(s.status = 'pending'
  OR (s.status = 'active' AND s.provisioned_expires_at IS DISTINCT FROM s.expires_at))`;

/** The columns {@link toView} reads, on a subscriptions row aliased `s`. */
export const VIEW_COLUMNS = `s.id, s.user_id, s.status, s.is_trial, s.expires_at,
  s.status IN ('pending', 'active') AND s.expires_at > now() AS live,
  ${NEEDS_PROVISIONING} AS needs_provisioning,
  s.auto_renew, s.last_plan, s.last_period_days, s.vpn_uuid, s.vless_link, s.version,
  s.key_reissued_at`;

export type ViewRow = {
  id: string;
  user_id: string;
  status: SubscriptionStatus;
  is_trial: boolean;
  expires_at: Date;
  live: boolean;
  needs_provisioning: boolean;
  auto_renew: boolean;
  last_plan: string | null;
  last_period_days: number | null;
  vpn_uuid: string;
  vless_link: string | null;
  version: string;
  key_reissued_at: Date | null;
};

export function toView(r: ViewRow): SubscriptionView {
  return {
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    status: r.status,
    isTrial: r.is_trial,
    expiresAt: r.expires_at,
    live: r.live,
    needsProvisioning: r.needs_provisioning,
    autoRenew: r.auto_renew,
    lastPlan: r.last_plan,
    lastPeriodDays: r.last_period_days,
    vpnUuid: r.vpn_uuid,
    vlessLink: r.vless_link,
    version: toSafeInt(r.version),
    keyReissuedAt: r.key_reissued_at,
  };
}

export async function getSubscription(
  db: DbAccess,
  userId: number,
): Promise<SubscriptionView | undefined> {
  const { rows } = await db.query<ViewRow>(
    "subscription_get",
    `SELECT ${VIEW_COLUMNS} FROM subscriptions s WHERE s.user_id = $1`,
    [userId],
  );
  return rows[0] ? toView(rows[0]) : undefined;
}

/**
 * The customer's subscription id if it needs provisioning (its key is missing or out of date on
 * the VPN server), else undefined. Hand it to the provisioner after commit.
 */
export async function subscriptionIdToProvision(
  client: DbClient,
  userId: number,
): Promise<number | undefined> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT s.id FROM subscriptions s
      WHERE s.user_id = $1 AND s.expires_at > now() AND ${NEEDS_PROVISIONING}`,
    [userId],
  );
  return rows[0] ? toSafeInt(rows[0].id) : undefined;
}

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

// ----------------------------------------------------------------------------------------------
// Trial
// ----------------------------------------------------------------------------------------------

export type TrialIneligibility =
  | "unknown_user"
  | "trial_used"
  | "has_paid"
  | "has_live_subscription";

type EligibilityRow = { trial_used: boolean; has_paid: boolean; has_live: boolean };

const ELIGIBILITY_SELECT = `SELECT
    u.trial_used_at IS NOT NULL
      OR EXISTS (SELECT 1 FROM subscription_grants g
                  WHERE g.user_id = u.telegram_id AND g.kind = 'trial') AS trial_used,
    EXISTS (SELECT 1 FROM purchases p
             WHERE p.user_id = u.telegram_id AND p.status = 'paid') AS has_paid,
    EXISTS (SELECT 1 FROM subscriptions s
             WHERE s.user_id = u.telegram_id AND s.status IN ('pending', 'active')
               AND s.expires_at > now()) AS has_live
  FROM users u WHERE u.telegram_id = $1`;

function judgeEligibility(row: EligibilityRow | undefined): TrialIneligibility | null {
  if (!row) return "unknown_user";
  if (row.trial_used) return "trial_used";
  if (row.has_paid) return "has_paid";
  if (row.has_live) return "has_live_subscription";
  return null;
}

export type TrialEligibility = { eligible: true } | { eligible: false; reason: TrialIneligibility };

/** For the main menu: is the trial button shown? (Re-checked on activation.) */
export async function trialEligibility(db: DbAccess, userId: number): Promise<TrialEligibility> {
  const { rows } = await db.query<EligibilityRow>("trial_eligibility", ELIGIBILITY_SELECT, [
    userId,
  ]);
  return eligibilityOf(rows[0]);
}

/** {@link trialEligibility} read on the caller's connection (inside its transaction). */
export async function trialEligibilityIn(
  client: DbClient,
  userId: number,
): Promise<TrialEligibility> {
  const { rows } = await client.query<EligibilityRow>(ELIGIBILITY_SELECT, [userId]);
  return eligibilityOf(rows[0]);
}

function eligibilityOf(row: EligibilityRow | undefined): TrialEligibility {
  const reason = judgeEligibility(row);
  return reason === null ? { eligible: true } : { eligible: false, reason };
}

export type TrialResult =
  | { outcome: "activated"; subscriptionId: number; expiresAt: Date }
  | { outcome: "not_eligible"; reason: TrialIneligibility };

/**
 * Activates the 3-day trial. Eligibility (never paid, no trial yet, no live subscription) is
 * re-checked under the customer lock in the activating transaction, so a stale button pressed
 * after paying changes nothing. Provision `subscriptionId` after this returns.
 */
export async function activateTrial(
  db: DbAccess,
  userId: number,
  trialSeconds: number = TRIAL_SECONDS,
): Promise<TrialResult> {
  return db.tx("trial_activate", async (client) => {
    // The lock first: a concurrent payment's grant (same lock) is then either fully visible
    // to the checks below or serialised after this trial.
    if (!(await lockCustomer(client, userId))) {
      return { outcome: "not_eligible", reason: "unknown_user" } as const;
    }
    const { rows } = await client.query<EligibilityRow>(ELIGIBILITY_SELECT, [userId]);
    const reason = judgeEligibility(rows[0]);
    if (reason !== null) return { outcome: "not_eligible", reason } as const;
    const grant = await grantSubscriptionTime(client, {
      userId,
      kind: "trial",
      seconds: trialSeconds,
    });
    await markTrialUsed(client, userId);
    return {
      outcome: "activated",
      subscriptionId: grant.subscriptionId,
      expiresAt: grant.expiresAt,
    } as const;
  });
}

// ----------------------------------------------------------------------------------------------
// Admin grant and revoke
// ----------------------------------------------------------------------------------------------

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

// ----------------------------------------------------------------------------------------------
// Key reissue, auto-renew toggle
// ----------------------------------------------------------------------------------------------

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

export type AutoRenewResult =
  | { outcome: "set"; autoRenew: boolean; version: number }
  | { outcome: "no_subscription" | "no_paid_plan" | "stale" };

/**
 * Turns auto-renewal on or off. On needs a last paid plan (what the renewal will buy). With
 * `expectedVersion`, the change applies only to the state the customer saw (compare-and-set).
 */
export async function setAutoRenew(
  db: DbAccess,
  userId: number,
  enabled: boolean,
  expectedVersion?: number,
): Promise<AutoRenewResult> {
  const { rows } = await db.query<{
    version: string | null;
    has_plan: boolean | null;
    applied: boolean;
  }>(
    "subscription_auto_renew",
    `WITH cur AS (
       SELECT id, version, last_plan IS NOT NULL AS has_plan FROM subscriptions WHERE user_id = $1
     ), upd AS (
       UPDATE subscriptions s SET auto_renew = $2
         FROM cur
        WHERE s.id = cur.id AND ($2 = false OR cur.has_plan)
          AND ($3::bigint IS NULL OR cur.version = $3::bigint)
        RETURNING s.version
     )
     SELECT coalesce((SELECT version FROM upd), (SELECT version FROM cur))::text AS version,
            (SELECT has_plan FROM cur) AS has_plan,
            EXISTS (SELECT 1 FROM upd) AS applied`,
    [userId, enabled, expectedVersion ?? null],
  );
  const r = rows[0];
  if (!r || r.has_plan === null) return { outcome: "no_subscription" };
  if (r.applied) return { outcome: "set", autoRenew: enabled, version: toSafeInt(r.version) };
  if (enabled && !r.has_plan) return { outcome: "no_paid_plan" };
  return { outcome: "stale" };
}

// ----------------------------------------------------------------------------------------------
// History and worker queues
// ----------------------------------------------------------------------------------------------

export interface GrantHistoryRow {
  id: number;
  kind: GrantKind | "revoke";
  seconds: number | null;
  grantedAt: Date;
  expiresBefore: Date | null;
  expiresAfter: Date;
  purchaseId: number | null;
  adminId: number | null;
  note: string | null;
}

/** Every grant of the customer's subscription, oldest first. */
export async function listGrants(db: DbAccess, userId: number): Promise<GrantHistoryRow[]> {
  const { rows } = await db.query<{
    id: string;
    kind: GrantHistoryRow["kind"];
    seconds: string | null;
    granted_at: Date;
    expires_before: Date | null;
    expires_after: Date;
    purchase_id: string | null;
    admin_id: string | null;
    note: string | null;
  }>(
    "subscription_grants_list",
    `SELECT id, kind, seconds, granted_at, expires_before, expires_after, purchase_id, admin_id,
            note
       FROM subscription_grants WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id),
    kind: r.kind,
    seconds: toSafeIntOrNull(r.seconds),
    grantedAt: r.granted_at,
    expiresBefore: r.expires_before,
    expiresAfter: r.expires_after,
    purchaseId: toSafeIntOrNull(r.purchase_id),
    adminId: toSafeIntOrNull(r.admin_id),
    note: r.note,
  }));
}

/** Live subscriptions past their expiry, oldest first: the fast-expiry worker's queue. */
export async function listOverdueSubscriptionIds(db: DbAccess, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    "subscriptions_overdue",
    `SELECT id FROM subscriptions
      WHERE status IN ('pending', 'active') AND expires_at <= now()
      ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => toSafeInt(r.id));
}

export interface AutoRenewalDue {
  subscriptionId: number;
  userId: number;
  plan: string;
  periodDays: number;
  expiresAt: Date;
}

/**
 * Auto-renewing subscriptions that expire within `withinSeconds` (the auto-renewal queue),
 * soonest first — except those already told "not enough money" this cycle whose balance has
 * not changed since: they go last, so a batch full of them never crowds out a customer who can
 * pay. They are still retried (a balance can change without a ledger row only by a bug).
 */
export async function listAutoRenewalsDue(
  db: DbAccess,
  withinSeconds: number,
  limit: number,
): Promise<AutoRenewalDue[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    last_plan: string;
    last_period_days: number;
    expires_at: Date;
  }>(
    "subscriptions_auto_renew_due",
    `SELECT s.id, s.user_id, s.last_plan, s.last_period_days, s.expires_at
       FROM subscriptions s
      WHERE s.auto_renew AND s.status IN ('pending', 'active')
        AND s.expires_at <= now() + make_interval(secs => $1)
      ORDER BY EXISTS (
                 SELECT 1 FROM notifications n
                  WHERE n.subscription_id = s.id AND n.kind = 'auto_renew_insufficient'
                    AND n.cycle = date_trunc('milliseconds', s.expires_at)
                    AND NOT EXISTS (SELECT 1 FROM balance_ledger l
                                     WHERE l.user_id = s.user_id AND l.created_at > n.created_at)),
               s.expires_at
      LIMIT $2`,
    [withinSeconds, limit],
  );
  return rows.map((r) => ({
    subscriptionId: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    plan: r.last_plan,
    periodDays: r.last_period_days,
    expiresAt: r.expires_at,
  }));
}
