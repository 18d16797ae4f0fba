import type { DbAccess, DbClient } from "../../db/pool.js";
import { creditCashback } from "./ledger.js";
import { percentOf, toKopecks, toSafeInt } from "./money.js";

/**
 * Referral cashback (SPEC flow 11): on each real-money payment of a referred customer (card,
 * crypto, Stars on the ruble snapshot; a top-up too), the referrer earns the tier's share,
 * rounded down, once per payment. A balance payment earns nothing: that money already earned
 * when it was topped up. The database enforces "once", "only the real referrer", "only real
 * money" and "never above the percentage"; this module picks the tier and writes the rows.
 */

export interface CashbackTier {
  /** Paying referrals needed for this tier. */
  fromPaying: number;
  percent: number;
}

/** Ascending by `fromPaying`. */
const CASHBACK_TIERS: readonly CashbackTier[] = [
  { fromPaying: 0, percent: 10 },
  { fromPaying: 25, percent: 25 },
  { fromPaying: 50, percent: 45 },
];

function tierFor(payingReferrals: number, tiers: readonly CashbackTier[] = CASHBACK_TIERS) {
  let chosen = tiers[0] ?? { fromPaying: 0, percent: 0 };
  for (const t of tiers) if (payingReferrals >= t.fromPaying) chosen = t;
  const index = tiers.indexOf(chosen);
  const next = tiers[index + 1];
  return { tier: index + 1, percent: chosen.percent, nextTierAt: next?.fromPaying ?? null };
}

/** "Paying" = made at least one real-money payment (not from the balance). */
const PAYING_REFERRALS = `SELECT count(*) FROM users r
  WHERE r.referrer_id = $1
    AND EXISTS (SELECT 1 FROM payments p
                 WHERE p.user_id = r.telegram_id AND p.provider <> 'balance'
                   AND p.amount_kopecks > 0)`;

export interface CashbackAward {
  rewardId: number;
  referrerId: number;
  percent: number;
  baseKopecks: number;
  amountKopecks: number;
}

/**
 * Credits the payer's referrer for payment `paymentId`, in the caller's (finalizer's)
 * transaction, after the payment row is inserted — so the payer's first payment already counts
 * them as paying. Returns null when nobody earns (no referrer, balance money, rounds to 0).
 */
export async function awardReferralCashback(
  client: DbClient,
  payment: { id: number; userId: number; provider: string; amountKopecks: number },
): Promise<CashbackAward | null> {
  if (payment.provider === "balance" || payment.amountKopecks <= 0) return null;
  const { rows } = await client.query<{ referrer_id: string | null; paying: string | null }>(
    `SELECT u.referrer_id,
            (SELECT count(*) FROM users r
              WHERE r.referrer_id = u.referrer_id
                AND EXISTS (SELECT 1 FROM payments p
                             WHERE p.user_id = r.telegram_id AND p.provider <> 'balance'
                               AND p.amount_kopecks > 0)) AS paying
       FROM users u WHERE u.telegram_id = $1`,
    [payment.userId],
  );
  const row = rows[0];
  if (!row || row.referrer_id === null) return null;
  const referrerId = toSafeInt(row.referrer_id);
  const { percent } = tierFor(toSafeInt(row.paying ?? 0));
  const amount = percentOf(payment.amountKopecks, percent);
  if (amount <= 0) return null;
  const { rows: inserted } = await client.query<{ id: string }>(
    `INSERT INTO referral_rewards
       (referrer_id, referred_id, payment_id, percent, base_kopecks, amount_kopecks)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [referrerId, payment.userId, payment.id, percent, payment.amountKopecks, amount],
  );
  const rewardId = toSafeInt(inserted[0]?.id);
  await creditCashback(client, referrerId, rewardId, amount);
  return {
    rewardId,
    referrerId,
    percent,
    baseKopecks: payment.amountKopecks,
    amountKopecks: amount,
  };
}

/** The cashback already written for a payment (a replayed finalizer reports it again). */
export async function cashbackForPayment(
  client: DbClient,
  paymentId: number,
): Promise<CashbackAward | null> {
  const { rows } = await client.query<{
    id: string;
    referrer_id: string;
    percent: number;
    base_kopecks: string;
    amount_kopecks: string;
  }>(
    `SELECT id, referrer_id, percent, base_kopecks, amount_kopecks
       FROM referral_rewards WHERE payment_id = $1`,
    [paymentId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    rewardId: toSafeInt(r.id),
    referrerId: toSafeInt(r.referrer_id),
    percent: r.percent,
    baseKopecks: toKopecks(r.base_kopecks),
    amountKopecks: toKopecks(r.amount_kopecks),
  };
}

export interface ReferralStats {
  invited: number;
  paying: number;
  tier: number;
  percent: number;
  /** Paying referrals at which the next tier starts; null at the top tier. */
  nextTierAt: number | null;
  totalEarnedKopecks: number;
}

/** The referral screen: invited, paying, tier and percent, total earned. */
export async function referralStats(db: DbAccess, referrerId: number): Promise<ReferralStats> {
  const { rows } = await db.query<{ invited: string; paying: string; earned: string }>(
    "referral_stats",
    `SELECT (SELECT count(*) FROM users WHERE referrer_id = $1) AS invited,
            (${PAYING_REFERRALS}) AS paying,
            (SELECT coalesce(sum(amount_kopecks), 0) FROM referral_rewards
              WHERE referrer_id = $1) AS earned`,
    [referrerId],
  );
  const r = rows[0];
  const paying = toSafeInt(r?.paying ?? 0);
  const t = tierFor(paying);
  return {
    invited: toSafeInt(r?.invited ?? 0),
    paying,
    tier: t.tier,
    percent: t.percent,
    nextTierAt: t.nextTierAt,
    totalEarnedKopecks: toKopecks(r?.earned ?? 0),
  };
}
