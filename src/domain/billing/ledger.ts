import type { DbAccess, DbClient } from "../../db/pool.js";
import { toKopecks } from "./money.js";

/**
 * The wallet. Every balance change is one `balance_ledger` row; the database moves the cached
 * `users.balance_kopecks` itself, checks the amount against the row's reference, and refuses an
 * overdraft (23514 users_balance_nonnegative). These helpers never write the balance and always
 * take the caller's client: a ledger row belongs to the transaction that explains it.
 */

export type LedgerReason =
  | "topup"
  | "subscription_payment"
  | "cashback"
  | "withdrawal_reserve"
  | "withdrawal_refund"
  | "refund"
  | "admin_adjustment"
  | "late_payment_credit";

export interface LedgerEntry {
  userId: number;
  /** Signed kopecks, never 0. */
  deltaKopecks: number;
  reason: LedgerReason;
  purchaseId?: number | null;
  paymentId?: number | null;
  withdrawalId?: number | null;
  referralRewardId?: number | null;
  adminId?: number | null;
  comment?: string | null;
}

export interface LedgerRow {
  id: number;
  /** The user's balance right after this row (set by the database). */
  balanceAfter: number;
}

async function insertLedgerEntry(client: DbClient, e: LedgerEntry): Promise<LedgerRow> {
  const { rows } = await client.query<{ id: string; balance_after: string }>(
    `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, purchase_id, payment_id,
       withdrawal_id, referral_reward_id, admin_id, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, balance_after`,
    [
      e.userId,
      e.deltaKopecks,
      e.reason,
      e.purchaseId ?? null,
      e.paymentId ?? null,
      e.withdrawalId ?? null,
      e.referralRewardId ?? null,
      e.adminId ?? null,
      e.comment ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error("ledger insert returned no row");
  return { id: Number(row.id), balanceAfter: toKopecks(row.balance_after) };
}

/** A top-up paid by card or crypto: credits exactly the payment's amount. */
export function creditTopup(client: DbClient, userId: number, paymentId: number, amount: number) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: amount,
    reason: "topup",
    paymentId,
  });
}

/**
 * Money that could not buy what it was meant for (a mismatched or doubled payment) goes to the
 * balance; `purchaseId` records which purchase it arrived for, `comment` why.
 */
export function creditLatePayment(
  client: DbClient,
  userId: number,
  paymentId: number,
  amount: number,
  purchaseId: number | null,
  comment: string,
) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: amount,
    reason: "late_payment_credit",
    paymentId,
    purchaseId,
    comment,
  });
}

/** A subscription paid from the balance: debits exactly the purchase's price. */
export function debitSubscriptionPayment(
  client: DbClient,
  userId: number,
  purchaseId: number,
  amount: number,
) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: -amount,
    reason: "subscription_payment",
    purchaseId,
  });
}

export function creditCashback(
  client: DbClient,
  referrerId: number,
  rewardId: number,
  amount: number,
) {
  return insertLedgerEntry(client, {
    userId: referrerId,
    deltaKopecks: amount,
    reason: "cashback",
    referralRewardId: rewardId,
  });
}

export function reserveWithdrawal(
  client: DbClient,
  userId: number,
  withdrawalId: number,
  amount: number,
) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: -amount,
    reason: "withdrawal_reserve",
    withdrawalId,
  });
}

export function refundWithdrawal(
  client: DbClient,
  userId: number,
  withdrawalId: number,
  amount: number,
) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: amount,
    reason: "withdrawal_refund",
    withdrawalId,
  });
}

export function adminAdjustment(
  client: DbClient,
  userId: number,
  adminId: number,
  delta: number,
  comment: string | null,
) {
  return insertLedgerEntry(client, {
    userId,
    deltaKopecks: delta,
    reason: "admin_adjustment",
    adminId,
    comment,
  });
}

/** The cached balance (equal to the ledger sum by construction); undefined for an unknown user. */
export async function getBalance(db: DbAccess, userId: number): Promise<number | undefined> {
  const { rows } = await db.query<{ balance_kopecks: string }>(
    "balance_get",
    "SELECT balance_kopecks FROM users WHERE telegram_id = $1",
    [userId],
  );
  return rows[0] ? toKopecks(rows[0].balance_kopecks) : undefined;
}
