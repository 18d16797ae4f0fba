import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { lockCustomer } from "../customers/lock.js";
import { isInsufficientBalance, isPgError, SqlState } from "../pg-errors.js";
import { refundWithdrawal, reserveWithdrawal } from "./ledger.js";
import { toKopecks, toSafeInt } from "./money.js";

/**
 * Cashing out referral earnings (SPEC flow 10). Only earnings are withdrawable, never topped-up
 * money: withdrawable = min(balance, cashback earned − already withdrawn or reserved). A request
 * reserves the amount at once (a 'withdrawal_reserve' ledger row in the same transaction); the
 * admin approves (paid out by hand) or rejects (refunded with a 'withdrawal_refund' row).
 */

export const DEFAULT_MIN_WITHDRAWAL_KOPECKS = 50_000;

export interface WithdrawableInfo {
  balanceKopecks: number;
  earnedKopecks: number;
  /** Pending and approved withdrawals. */
  committedKopecks: number;
  withdrawableKopecks: number;
}

type WithdrawableRow = { balance: string; earned: string; committed: string };

const WITHDRAWABLE_SELECT = `SELECT u.balance_kopecks AS balance,
    (SELECT coalesce(sum(amount_kopecks), 0) FROM referral_rewards
      WHERE referrer_id = u.telegram_id) AS earned,
    (SELECT coalesce(sum(amount_kopecks), 0) FROM withdrawals
      WHERE user_id = u.telegram_id AND status IN ('pending', 'approved')) AS committed
  FROM users u WHERE u.telegram_id = $1`;

function toWithdrawable(r: WithdrawableRow): WithdrawableInfo {
  const balance = toKopecks(r.balance);
  const earned = toKopecks(r.earned);
  const committed = toKopecks(r.committed);
  return {
    balanceKopecks: balance,
    earnedKopecks: earned,
    committedKopecks: committed,
    withdrawableKopecks: Math.max(0, Math.min(balance, earned - committed)),
  };
}

export async function getWithdrawable(
  db: DbAccess,
  userId: number,
): Promise<WithdrawableInfo | undefined> {
  const { rows } = await db.query<WithdrawableRow>("withdrawable", WITHDRAWABLE_SELECT, [userId]);
  return rows[0] ? toWithdrawable(rows[0]) : undefined;
}

export interface WithdrawalRequest {
  userId: number;
  amountKopecks: number;
  /** Free text: where to send the money. */
  requisites: string;
  /** From config (500 ₽ by default). */
  minKopecks: number;
}

export type WithdrawalRequestResult =
  | { outcome: "requested"; withdrawalId: number; balanceAfter: number }
  | { outcome: "below_minimum"; minKopecks: number }
  | { outcome: "exceeds_withdrawable"; withdrawableKopecks: number }
  | { outcome: "invalid_requisites" | "invalid_amount" | "unknown_user" };

const MAX_REQUISITES = 2000;

async function requestInTx(
  client: DbClient,
  req: WithdrawalRequest,
  requisites: string,
): Promise<WithdrawalRequestResult> {
  // The customer lock (the database's earnings check takes the same): concurrent requests
  // serialise here.
  if (!(await lockCustomer(client, req.userId))) return { outcome: "unknown_user" };
  const { rows } = await client.query<WithdrawableRow>(WITHDRAWABLE_SELECT, [req.userId]);
  const row = rows[0];
  if (!row) return { outcome: "unknown_user" };
  const info = toWithdrawable(row);
  if (req.amountKopecks > info.withdrawableKopecks) {
    return { outcome: "exceeds_withdrawable", withdrawableKopecks: info.withdrawableKopecks };
  }
  const { rows: inserted } = await client.query<{ id: string }>(
    "INSERT INTO withdrawals (user_id, amount_kopecks, requisites) VALUES ($1, $2, $3) RETURNING id",
    [req.userId, req.amountKopecks, requisites],
  );
  const withdrawalId = toSafeInt(inserted[0]?.id);
  const entry = await reserveWithdrawal(client, req.userId, withdrawalId, req.amountKopecks);
  return { outcome: "requested", withdrawalId, balanceAfter: entry.balanceAfter };
}

/** A customer's request: checked, then reserved at once. */
export async function requestWithdrawal(
  db: DbAccess,
  req: WithdrawalRequest,
): Promise<WithdrawalRequestResult> {
  if (!Number.isSafeInteger(req.amountKopecks) || req.amountKopecks <= 0) {
    return { outcome: "invalid_amount" };
  }
  if (req.amountKopecks < req.minKopecks) {
    return { outcome: "below_minimum", minKopecks: req.minKopecks };
  }
  const requisites = req.requisites.trim();
  if (requisites.length === 0 || requisites.length > MAX_REQUISITES) {
    return { outcome: "invalid_requisites" };
  }
  try {
    return await db.tx("withdrawal_request", (client) => requestInTx(client, req, requisites));
  } catch (err) {
    // The database's own guards, should a request race past the locked check.
    if (
      isInsufficientBalance(err) ||
      isPgError(err, SqlState.checkViolation, "withdrawals_within_earnings")
    ) {
      const info = await getWithdrawable(db, req.userId);
      return {
        outcome: "exceeds_withdrawable",
        withdrawableKopecks: info?.withdrawableKopecks ?? 0,
      };
    }
    throw err;
  }
}

export type WithdrawalDecisionResult =
  | { outcome: "approved"; withdrawalId: number; userId: number; amountKopecks: number }
  | {
      outcome: "rejected";
      withdrawalId: number;
      userId: number;
      amountKopecks: number;
      balanceAfter: number;
    }
  | { outcome: "not_found" }
  | { outcome: "already_decided"; status: "approved" | "rejected" };

type DecisionRow = { id: string; user_id: string; amount_kopecks: string; status: string };

/** Flips pending → `status` (the WHERE is the compare-and-set); why not, when it did not. */
async function decide(
  client: DbClient,
  withdrawalId: number,
  adminId: number,
  status: "approved" | "rejected",
): Promise<DecisionRow | WithdrawalDecisionResult> {
  const { rows } = await client.query<DecisionRow>(
    `UPDATE withdrawals SET status = $3, decided_by = $2, decided_at = now()
      WHERE id = $1 AND status = 'pending'
      RETURNING id, user_id, amount_kopecks, status`,
    [withdrawalId, adminId, status],
  );
  if (rows[0]) return rows[0];
  const { rows: current } = await client.query<{ status: "approved" | "rejected" }>(
    "SELECT status FROM withdrawals WHERE id = $1",
    [withdrawalId],
  );
  const now = current[0];
  return now ? { outcome: "already_decided", status: now.status } : { outcome: "not_found" };
}

/** The admin paid it out by hand: the reserved money stays withdrawn. */
export async function approveWithdrawal(
  db: DbAccess,
  adminId: number,
  withdrawalId: number,
): Promise<WithdrawalDecisionResult> {
  return db.tx("withdrawal_approve", async (client) => {
    const d = await decide(client, withdrawalId, adminId, "approved");
    if ("outcome" in d) return d;
    const userId = toSafeInt(d.user_id);
    const amount = toKopecks(d.amount_kopecks);
    await writeAudit(client, {
      actorId: adminId,
      action: "withdrawal.approve",
      targetUserId: userId,
      details: { withdrawal_id: withdrawalId, amount_kopecks: amount },
    });
    return { outcome: "approved", withdrawalId, userId, amountKopecks: amount } as const;
  });
}

/** Rejected: the reserved amount goes back to the balance in the same transaction. */
export async function rejectWithdrawal(
  db: DbAccess,
  adminId: number,
  withdrawalId: number,
): Promise<WithdrawalDecisionResult> {
  return db.tx("withdrawal_reject", async (client) => {
    const d = await decide(client, withdrawalId, adminId, "rejected");
    if ("outcome" in d) return d;
    const userId = toSafeInt(d.user_id);
    const amount = toKopecks(d.amount_kopecks);
    const entry = await refundWithdrawal(client, userId, withdrawalId, amount);
    await writeAudit(client, {
      actorId: adminId,
      action: "withdrawal.reject",
      targetUserId: userId,
      details: { withdrawal_id: withdrawalId, amount_kopecks: amount },
    });
    return {
      outcome: "rejected",
      withdrawalId,
      userId,
      amountKopecks: amount,
      balanceAfter: entry.balanceAfter,
    } as const;
  });
}

export interface PendingWithdrawal {
  id: number;
  userId: number;
  amountKopecks: number;
  requisites: string;
  createdAt: Date;
}

/** The admin's queue, oldest first. */
export async function listPendingWithdrawals(
  db: DbAccess,
  limit = 50,
): Promise<PendingWithdrawal[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    amount_kopecks: string;
    requisites: string;
    created_at: Date;
  }>(
    "withdrawals_pending",
    `SELECT id, user_id, amount_kopecks, requisites, created_at FROM withdrawals
      WHERE status = 'pending' ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    amountKopecks: toKopecks(r.amount_kopecks),
    requisites: r.requisites,
    createdAt: r.created_at,
  }));
}
