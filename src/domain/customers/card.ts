import type { DbAccess } from "../../db/pool.js";
import { toSafeInt, toSafeIntOrNull } from "../billing/money.js";
import { type ReferralStats, referralStats } from "../billing/referrals.js";
import { getSubscription, type SubscriptionView } from "../subscriptions/view.js";

/**
 * The console's user card: everything an operator looks at before acting on a customer, each
 * part one indexed read by the customer's id.
 */

export interface CardPayment {
  id: number;
  provider: string;
  amountKopecks: number;
  starsAmount: number | null;
  createdAt: Date;
}

export interface UserCard {
  telegramId: number;
  username: string | null;
  firstName: string | null;
  languageCode: string | null;
  balanceKopecks: number;
  referrerId: number | null;
  isVip: boolean;
  /** The personal discount in force (0 when none or expired) and until when (null = no end). */
  discountPercent: number;
  discountUntil: Date | null;
  /** False once Telegram said the bot is blocked. */
  reachable: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  subscription: SubscriptionView | undefined;
  /** The newest payments, newest first. */
  payments: CardPayment[];
  referrals: ReferralStats;
}

/** How many payments the card lists. */
const CARD_PAYMENTS = 5;

type CardRow = {
  telegram_id: string;
  username: string | null;
  first_name: string | null;
  language_code: string | null;
  balance_kopecks: string;
  referrer_id: string | null;
  is_vip: boolean;
  discount_percent: number;
  personal_discount_until: Date | null;
  reachable: boolean;
  created_at: Date;
  last_seen_at: Date;
};

export async function loadUserCard(db: DbAccess, userId: number): Promise<UserCard | undefined> {
  const { rows } = await db.query<CardRow>(
    "user_card",
    `SELECT telegram_id, username, first_name, language_code, balance_kopecks, referrer_id,
            is_vip, reachable, created_at, last_seen_at, personal_discount_until,
            CASE WHEN personal_discount_until IS NULL OR personal_discount_until > now()
                 THEN personal_discount_percent ELSE 0 END AS discount_percent
       FROM users WHERE telegram_id = $1`,
    [userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { rows: payments } = await db.query<{
    id: string;
    provider: string;
    amount_kopecks: string;
    stars_amount: number | null;
    created_at: Date;
  }>(
    "user_card_payments",
    `SELECT id, provider, amount_kopecks, stars_amount, created_at FROM payments
      WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT ${CARD_PAYMENTS}`,
    [userId],
  );
  const discountPercent = row.discount_percent;
  return {
    telegramId: toSafeInt(row.telegram_id),
    username: row.username,
    firstName: row.first_name,
    languageCode: row.language_code,
    balanceKopecks: toSafeInt(row.balance_kopecks),
    referrerId: toSafeIntOrNull(row.referrer_id),
    isVip: row.is_vip,
    discountPercent,
    discountUntil: discountPercent > 0 ? row.personal_discount_until : null,
    reachable: row.reachable,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    subscription: await getSubscription(db, userId),
    payments: payments.map((p) => ({
      id: toSafeInt(p.id),
      provider: p.provider,
      amountKopecks: toSafeInt(p.amount_kopecks),
      starsAmount: p.stars_amount,
      createdAt: p.created_at,
    })),
    referrals: await referralStats(db, userId),
  };
}

/** The customer with this @username (case-insensitive), if exactly one has it. */
export async function findUserByUsername(
  db: DbAccess,
  username: string,
): Promise<number | undefined> {
  const { rows } = await db.query<{ telegram_id: string }>(
    "user_by_username",
    `SELECT telegram_id FROM users WHERE lower(username) = lower($1) AND username IS NOT NULL
      ORDER BY last_seen_at DESC LIMIT 2`,
    [username],
  );
  return rows.length === 1 && rows[0] ? toSafeInt(rows[0].telegram_id) : undefined;
}
