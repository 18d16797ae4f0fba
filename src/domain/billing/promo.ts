import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { lockCustomer } from "../customers/lock.js";
import { isPgError, SqlState } from "../pg-errors.js";
import { toKopecks } from "./money.js";

/**
 * Promo codes. A use is *reserved* when a purchase is created (purchases.ts inserts the
 * reservation in the purchase's transaction); the row-locked counter and the CHECK
 * promo_codes_within_limit make max_uses hold under any concurrency. The reservation's status
 * follows its purchase by trigger; the app never updates it.
 */

/** ASCII only, so case-insensitive uniqueness is exact in every collation. */
export const PROMO_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export interface PromoCode {
  id: number;
  code: string;
  /** Percent off, or null when the code takes a fixed amount off. */
  percent: number | null;
  /** Fixed amount off the ruble price, or null when the code is a percent. */
  amountOffKopecks: number | null;
  /** The only plan the code applies to; null = every plan. */
  plan: string | null;
  maxUses: number | null;
  reservedCount: number;
  usedCount: number;
  expiresAt: Date | null;
  active: boolean;
}

type PromoRow = {
  id: string;
  code: string;
  percent: number | null;
  amount_off_kopecks: string | null;
  plan: string | null;
  max_uses: number | null;
  reserved_count: number;
  used_count: number;
  expires_at: Date | null;
  active: boolean;
};

const PROMO_COLUMNS =
  "id, code, percent, amount_off_kopecks, plan, max_uses, reserved_count, used_count, expires_at, active";

function toPromo(r: PromoRow): PromoCode {
  return {
    id: Number(r.id),
    code: r.code,
    percent: r.percent,
    amountOffKopecks: r.amount_off_kopecks === null ? null : toKopecks(r.amount_off_kopecks),
    plan: r.plan,
    maxUses: r.max_uses,
    reservedCount: r.reserved_count,
    usedCount: r.used_count,
    expiresAt: r.expires_at,
    active: r.active,
  };
}

export interface CreatePromoInput {
  adminId: number;
  code: string;
  /** What the code takes off: a percent (1–100) or a fixed ruble amount in kopecks (one of them). */
  percent?: number;
  amountOffKopecks?: number;
  /** The only plan the code applies to; absent or null = every plan. */
  plan?: string | null;
  /** null = unlimited. */
  maxUses: number | null;
  /** null = never expires. */
  expiresAt: Date | null;
}

export type CreatePromoResult =
  | { outcome: "created"; promo: PromoCode }
  | {
      outcome:
        | "invalid_code"
        | "invalid_percent"
        | "invalid_amount"
        | "invalid_plan"
        | "invalid_max_uses"
        | "duplicate";
    };

const PLAN_ID = /^[a-z][a-z0-9_]{0,31}$/;

export async function createPromoCode(
  db: DbAccess,
  input: CreatePromoInput,
): Promise<CreatePromoResult> {
  if (!PROMO_CODE.test(input.code)) return { outcome: "invalid_code" };
  const percent = input.percent ?? null;
  const amountOff = input.amountOffKopecks ?? null;
  if ((percent === null) === (amountOff === null)) return { outcome: "invalid_percent" };
  if (percent !== null && (!Number.isInteger(percent) || percent < 1 || percent > 100)) {
    return { outcome: "invalid_percent" };
  }
  if (amountOff !== null && (!Number.isSafeInteger(amountOff) || amountOff < 1)) {
    return { outcome: "invalid_amount" };
  }
  const plan = input.plan ?? null;
  if (plan !== null && !PLAN_ID.test(plan)) return { outcome: "invalid_plan" };
  if (input.maxUses !== null && (!Number.isInteger(input.maxUses) || input.maxUses < 1)) {
    return { outcome: "invalid_max_uses" };
  }
  try {
    return await db.tx("promo_create", async (client) => {
      const { rows } = await client.query<PromoRow>(
        `INSERT INTO promo_codes
           (code, percent, amount_off_kopecks, plan, max_uses, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${PROMO_COLUMNS}`,
        [input.code, percent, amountOff, plan, input.maxUses, input.expiresAt, input.adminId],
      );
      const promo = toPromo(rows[0] as PromoRow);
      await writeAudit(client, {
        actorId: input.adminId,
        action: "promo.create",
        details: {
          promo_id: promo.id,
          code: promo.code,
          percent: promo.percent,
          amount_off_kopecks: promo.amountOffKopecks,
          plan: promo.plan,
          max_uses: promo.maxUses,
          expires_at: promo.expiresAt?.toISOString() ?? null,
        },
      });
      return { outcome: "created", promo } as const;
    });
  } catch (err) {
    if (isPgError(err, SqlState.uniqueViolation, "promo_codes_code_ci_key")) {
      return { outcome: "duplicate" };
    }
    throw err;
  }
}

/** Stops new reservations; purchases already holding one can still be paid. */
export async function deactivatePromoCode(
  db: DbAccess,
  adminId: number,
  code: string,
): Promise<{ outcome: "deactivated" | "already_inactive" | "not_found" }> {
  return db.tx("promo_deactivate", async (client) => {
    const { rows } = await client.query<{ id: string; was_active: boolean }>(
      `WITH target AS (SELECT id, active FROM promo_codes WHERE lower(code) = lower($1)),
            changed AS (UPDATE promo_codes c SET active = false FROM target t
                         WHERE c.id = t.id AND t.active RETURNING c.id)
       SELECT t.id, EXISTS (SELECT 1 FROM changed) AS was_active FROM target t`,
      [code],
    );
    const row = rows[0];
    if (!row) return { outcome: "not_found" } as const;
    if (!row.was_active) return { outcome: "already_inactive" } as const;
    await writeAudit(client, {
      actorId: adminId,
      action: "promo.deactivate",
      details: { promo_id: Number(row.id), code },
    });
    return { outcome: "deactivated" } as const;
  });
}

export interface PromoUsage extends PromoCode {
  /** Reservations currently held by unpaid purchases. */
  openReservations: number;
  /** Paid uses that arrived after their reservation was released. */
  overLimitUses: number;
}

/** Usage stats for the admin's promo list, newest first. */
export async function listPromoUsage(db: DbAccess, limit = 50): Promise<PromoUsage[]> {
  const { rows } = await db.query<PromoRow & { open_reservations: string; over_limit: string }>(
    "promo_usage",
    `SELECT ${PROMO_COLUMNS},
            (SELECT count(*) FROM promo_reservations r
              WHERE r.promo_code_id = c.id AND r.status = 'reserved') AS open_reservations,
            (SELECT count(*) FROM promo_reservations r
              WHERE r.promo_code_id = c.id AND r.over_limit) AS over_limit
       FROM promo_codes c ORDER BY c.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    ...toPromo(r),
    openReservations: Number(r.open_reservations),
    overLimitUses: Number(r.over_limit),
  }));
}

export type PromoLookup =
  | { outcome: "ok"; promo: PromoCode }
  | { outcome: "not_found" | "inactive" | "expired" | "exhausted" | "already_used" };

/**
 * Is this code usable by this customer now? For the buy screen and again, with the caller's
 * client, when the purchase is created (the reservation insert is the final word). A customer
 * uses a code once: a paid purchase with it, or one paid late, counts. The customer's own open
 * reservation (an unpaid invoice they are replacing) does not count against them: a new
 * checkout cancels it first.
 */
export async function lookupPromoForCustomer(
  client: DbClient,
  code: string,
  userId: number,
): Promise<PromoLookup> {
  if (!PROMO_CODE.test(code)) return { outcome: "not_found" };
  const { rows } = await client.query<
    PromoRow & { expired: boolean; already_used: boolean; own_reserved: number }
  >(
    `SELECT ${PROMO_COLUMNS}, expires_at IS NOT NULL AND expires_at <= now() AS expired,
            EXISTS (SELECT 1 FROM purchases p
                     WHERE p.promo_code_id = c.id AND p.user_id = $2 AND p.status = 'paid')
              AS already_used,
            (SELECT count(*)::int FROM promo_reservations r
              WHERE r.promo_code_id = c.id AND r.user_id = $2 AND r.status = 'reserved')
              AS own_reserved
       FROM promo_codes c WHERE lower(code) = lower($1)`,
    [code, userId],
  );
  const r = rows[0];
  if (!r) return { outcome: "not_found" };
  if (!r.active) return { outcome: "inactive" };
  if (r.expired) return { outcome: "expired" };
  if (r.already_used) return { outcome: "already_used" };
  if (r.max_uses !== null && r.reserved_count - r.own_reserved >= r.max_uses) {
    return { outcome: "exhausted" };
  }
  return { outcome: "ok", promo: toPromo(r) };
}

/** `lookupPromoForCustomer` on its own checkout, for the buy screen. */
function checkPromoCode(db: DbAccess, code: string, userId: number): Promise<PromoLookup> {
  return db.withClient("promo_lookup", (client) => lookupPromoForCustomer(client, code, userId));
}

/** Reserves one use for a just-inserted purchase (same transaction). */
export async function reservePromoUse(
  client: DbClient,
  promoCodeId: number,
  userId: number,
  purchaseId: number,
): Promise<void> {
  await client.query(
    "INSERT INTO promo_reservations (promo_code_id, user_id, purchase_id) VALUES ($1, $2, $3)",
    [promoCodeId, userId, purchaseId],
  );
}

export interface PromoAttemptLimit {
  /** Refused codes allowed within the window; 0 turns the limit off. */
  maxRefusals: number;
  windowSeconds: number;
}

export type PromoAttempt =
  | PromoLookup
  /** Too many refused codes lately: the next attempt is allowed in `retryAfterSeconds`. */
  | { outcome: "rate_limited"; retryAfterSeconds: number };

/**
 * A code typed by the customer, rate-limited: once `maxRefusals` codes were refused within the
 * window, nothing is looked up until the oldest of them leaves it. Counted and recorded under the
 * customer's row lock, so parallel attempts (several replicas) cannot slip past the limit.
 */
export async function attemptPromoCode(
  db: DbAccess,
  code: string,
  userId: number,
  limit: PromoAttemptLimit,
): Promise<PromoAttempt> {
  if (limit.maxRefusals <= 0) return checkPromoCode(db, code, userId);
  return db.tx("promo_attempt", async (client): Promise<PromoAttempt> => {
    // The lock first, in its own statement: the count below then sees every attempt committed
    // by a transaction that held the lock before us (a statement sees its start's snapshot).
    if (!(await lockCustomer(client, userId))) return { outcome: "not_found" };
    await client.query(
      `DELETE FROM promo_attempts
        WHERE user_id = $1 AND attempted_at <= now() - make_interval(secs => $2)`,
      [userId, limit.windowSeconds],
    );
    const { rows } = await client.query<{ refused: number; retry_after: number | null }>(
      `SELECT count(*)::int AS refused,
              ceil(extract(epoch FROM min(attempted_at) + make_interval(secs => $2) - now()))::int
                AS retry_after
         FROM promo_attempts WHERE user_id = $1`,
      [userId, limit.windowSeconds],
    );
    const r = rows[0] ?? { refused: 0, retry_after: null };
    if (r.refused >= limit.maxRefusals) {
      return { outcome: "rate_limited", retryAfterSeconds: Math.max(1, r.retry_after ?? 1) };
    }
    const found = await lookupPromoForCustomer(client, code, userId);
    if (found.outcome !== "ok") {
      await client.query("INSERT INTO promo_attempts (user_id) VALUES ($1)", [userId]);
    }
    return found;
  });
}
