import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { isPgError, SqlState } from "../pg-errors.js";

/**
 * Customers as Telegram users: registered on /start, seen on every update, told apart as
 * reachable or not. The referral graph's rules (set once, never self, never a loop) are enforced
 * by the database; here its refusals become results.
 */

export interface UserProfile {
  telegramId: number;
  username: string | null;
  firstName: string | null;
  languageCode: string | null;
  referrerId: number | null;
  isVip: boolean;
  reachable: boolean;
  createdAt: Date;
}

/**
 * "attached": attached now, tell the referrer. "already_customer": an existing customer who
 * already paid; a link found later does not re-attribute them. The rest: nothing attached.
 */
export type ReferrerOutcome =
  | "attached"
  | "none"
  | "self"
  | "unknown_referrer"
  | "already_set"
  | "already_customer"
  | "loop";

export interface StartInput {
  telegramId: number;
  username: string | null;
  firstName: string | null;
  /** From the deep link `ref_<telegram_id>`, if any. */
  referrerId?: number | null;
}

export interface StartResult {
  user: UserProfile;
  /** True on the customer's first /start: they are asked to pick a language. */
  created: boolean;
  referrer: ReferrerOutcome;
}

type UserRow = {
  telegram_id: string;
  username: string | null;
  first_name: string | null;
  language_code: string | null;
  referrer_id: string | null;
  is_vip: boolean;
  reachable: boolean;
  created_at: Date;
};

const USER_COLUMNS =
  "telegram_id, username, first_name, language_code, referrer_id, is_vip, reachable, created_at";

function toProfile(row: UserRow): UserProfile {
  return {
    telegramId: Number(row.telegram_id),
    username: row.username,
    firstName: row.first_name,
    languageCode: row.language_code,
    referrerId: row.referrer_id === null ? null : Number(row.referrer_id),
    isVip: row.is_vip,
    reachable: row.reachable,
    createdAt: row.created_at,
  };
}

/** Creates or refreshes the user (names, last seen, reachable again). */
async function upsertUser(
  client: DbClient,
  input: StartInput,
): Promise<{ row: UserRow; created: boolean }> {
  const { rows } = await client.query<UserRow & { created: boolean }>(
    `INSERT INTO users (telegram_id, username, first_name)
     VALUES ($1, $2, $3)
     ON CONFLICT (telegram_id) DO UPDATE
       SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
           last_seen_at = now(), reachable = true
     RETURNING ${USER_COLUMNS}, (xmax = 0) AS created`,
    [input.telegramId, input.username, input.firstName],
  );
  const row = rows[0];
  if (!row) throw new Error(`upsert of user ${input.telegramId} returned no row`);
  return { row, created: row.created };
}

/**
 * Sets the referrer if the user has none yet. Must run inside the caller's transaction: it uses
 * a savepoint so that the database's refusal (unknown referrer, loop) leaves that transaction
 * usable.
 */
async function attachReferrer(
  client: DbClient,
  userId: number,
  referrerId: number,
): Promise<ReferrerOutcome> {
  if (referrerId === userId) return "self";
  await client.query("SAVEPOINT attach_referrer");
  try {
    const { rowCount } = await client.query(
      "UPDATE users SET referrer_id = $2 WHERE telegram_id = $1 AND referrer_id IS NULL",
      [userId, referrerId],
    );
    await client.query("RELEASE SAVEPOINT attach_referrer");
    return rowCount === 1 ? "attached" : "already_set";
  } catch (err) {
    await client.query("ROLLBACK TO SAVEPOINT attach_referrer");
    if (isPgError(err, SqlState.foreignKeyViolation)) return "unknown_referrer";
    if (isPgError(err, SqlState.checkViolation, "users_no_referral_loop")) return "loop";
    if (isPgError(err, SqlState.checkViolation, "users_no_self_referral")) return "self";
    if (isPgError(err, SqlState.restrictViolation, "users_referrer_set_once")) return "already_set";
    // Two attachments that would close a loop deadlock each other: the loser closes no loop.
    if (isPgError(err, SqlState.deadlockDetected)) return "loop";
    throw err;
  }
}

/**
 * Any payment counts, also money that bought nothing (a mismatched crypto amount credited to
 * the balance): cashback is decided when money arrives, so a referrer attached afterwards would
 * leave earlier payments without theirs.
 */
async function hasPaid(client: DbClient, userId: number): Promise<boolean> {
  const { rowCount } = await client.query("SELECT 1 FROM payments WHERE user_id = $1 LIMIT 1", [
    userId,
  ]);
  return rowCount === 1;
}

/**
 * /start: registers or refreshes the customer and attaches the referrer from the deep link once.
 * A new customer gets it; so does one who opened the bot before but has not paid yet (a friend's
 * link often arrives after a first look). A paying customer is not re-attributed. The database
 * refuses self-referral, loops and any change. Runs inside the caller's transaction
 * (`registerOnStartWithTrial` in screens.ts).
 */
export async function registerIn(client: DbClient, input: StartInput): Promise<StartResult> {
  const { row, created } = await upsertUser(client, input);
  let referrer: ReferrerOutcome = "none";
  if (input.referrerId != null) {
    if (row.referrer_id !== null) referrer = "already_set";
    else if (!created && (await hasPaid(client, input.telegramId))) referrer = "already_customer";
    else referrer = await attachReferrer(client, input.telegramId, input.referrerId);
  }
  const user = toProfile(row);
  if (referrer === "attached") user.referrerId = input.referrerId ?? null;
  return { user, created, referrer };
}

export async function getUser(db: DbAccess, userId: number): Promise<UserProfile | undefined> {
  const { rows } = await db.query<UserRow>(
    "user_get",
    `SELECT ${USER_COLUMNS} FROM users WHERE telegram_id = $1`,
    [userId],
  );
  return rows[0] ? toProfile(rows[0]) : undefined;
}

const LANGUAGE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;

export type SetLanguageResult = { outcome: "set" } | { outcome: "invalid" | "unknown_user" };

export async function setLanguage(
  db: DbAccess,
  userId: number,
  languageCode: string,
): Promise<SetLanguageResult> {
  if (!LANGUAGE.test(languageCode)) return { outcome: "invalid" };
  const { rowCount } = await db.query(
    "user_set_language",
    "UPDATE users SET language_code = $2 WHERE telegram_id = $1",
    [userId, languageCode],
  );
  return rowCount === 1 ? { outcome: "set" } : { outcome: "unknown_user" };
}

/** Telegram said the bot is blocked (or the chat is gone): stop counting on delivery. */
export async function markUnreachable(db: DbAccess, userId: number): Promise<void> {
  await db.query(
    "user_unreachable",
    "UPDATE users SET reachable = false WHERE telegram_id = $1 AND reachable",
    [userId],
  );
}

/**
 * Any update from the customer: they are reachable again. Writes only when something changes
 * or last_seen is a minute old, so a chatty customer does not cost a write per update.
 */
export async function markReachable(db: DbAccess, userId: number): Promise<void> {
  await db.query(
    "user_reachable",
    `UPDATE users SET reachable = true, last_seen_at = now()
      WHERE telegram_id = $1 AND (NOT reachable OR last_seen_at < now() - interval '1 minute')`,
    [userId],
  );
}

/** The customer's chosen language, or null (unknown user, or not chosen yet). */
export async function languageOf(db: DbAccess, userId: number): Promise<string | null> {
  const { rows } = await db.query<{ language_code: string | null }>(
    "user_language",
    "SELECT language_code FROM users WHERE telegram_id = $1",
    [userId],
  );
  return rows[0]?.language_code ?? null;
}

export type DiscountChangeResult = { outcome: "set" } | { outcome: "unknown_user" | "invalid" };

/** Admin: VIP on/off (VIP gets the catalog's VIP discount), audited. */
export async function setVip(
  db: DbAccess,
  adminId: number,
  userId: number,
  isVip: boolean,
): Promise<DiscountChangeResult> {
  return db.tx("user_set_vip", async (client) => {
    const { rowCount } = await client.query("UPDATE users SET is_vip = $2 WHERE telegram_id = $1", [
      userId,
      isVip,
    ]);
    if (rowCount !== 1) return { outcome: "unknown_user" } as const;
    await writeAudit(client, {
      actorId: adminId,
      action: isVip ? "user.vip_on" : "user.vip_off",
      targetUserId: userId,
    });
    return { outcome: "set" } as const;
  });
}

/** Admin: a personal discount (0 = none), optionally until a moment, audited. */
export async function setPersonalDiscount(
  db: DbAccess,
  adminId: number,
  userId: number,
  percent: number,
  until: Date | null,
): Promise<DiscountChangeResult> {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) return { outcome: "invalid" };
  return db.tx("user_set_discount", async (client) => {
    const { rowCount } = await client.query(
      `UPDATE users SET personal_discount_percent = $2, personal_discount_until = $3
        WHERE telegram_id = $1`,
      [userId, percent, percent === 0 ? null : until],
    );
    if (rowCount !== 1) return { outcome: "unknown_user" } as const;
    await writeAudit(client, {
      actorId: adminId,
      action: "user.personal_discount",
      targetUserId: userId,
      details: { percent, until: until?.toISOString() ?? null },
    });
    return { outcome: "set" } as const;
  });
}

/** The customer has used their trial (inside the transaction that grants it). */
export async function markTrialUsed(client: DbClient, userId: number): Promise<void> {
  await client.query("UPDATE users SET trial_used_at = now() WHERE telegram_id = $1", [userId]);
}
