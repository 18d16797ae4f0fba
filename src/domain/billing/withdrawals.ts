import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { lockCustomer } from "../customers/lock.js";
import { isInsufficientBalance, isPgError, SqlState } from "../pg-errors.js";
import { refundWithdrawal, reserveWithdrawal } from "./ledger.js";
import { toKopecks, toSafeInt, toSafeIntOrNull } from "./money.js";

/**
 * Cashing out referral earnings (SPEC flow 10). Only earnings are withdrawable, never topped-up
 * money: withdrawable = min(balance, cashback earned − already withdrawn or reserved). A request
 * reserves the amount at once (a 'withdrawal_reserve' ledger row in the same transaction); the
 * admin approves (paid out by hand) or rejects (refunded with a 'withdrawal_refund' row).
 */

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

async function rejectInTx(
  client: DbClient,
  adminId: number,
  withdrawalId: number,
  reason: string | null,
): Promise<WithdrawalDecisionResult> {
  const d = await decide(client, withdrawalId, adminId, "rejected");
  if ("outcome" in d) return d;
  const userId = toSafeInt(d.user_id);
  const amount = toKopecks(d.amount_kopecks);
  if (reason !== null) {
    await client.query("UPDATE withdrawals SET reject_reason = $2 WHERE id = $1", [
      withdrawalId,
      reason,
    ]);
  }
  const entry = await refundWithdrawal(client, userId, withdrawalId, amount);
  await writeAudit(client, {
    actorId: adminId,
    action: "withdrawal.reject",
    targetUserId: userId,
    details: { withdrawal_id: withdrawalId, amount_kopecks: amount, reason },
  });
  return {
    outcome: "rejected",
    withdrawalId,
    userId,
    amountKopecks: amount,
    balanceAfter: entry.balanceAfter,
  } as const;
}

const MAX_REJECT_REASON = 1000;

/**
 * A typed rejection reason waiting for the admin's confirmation; returns the draft's id, the
 * token the confirm button carries. Undefined for a reason that is empty or too long.
 */
export async function draftRejection(
  db: DbAccess,
  adminId: number,
  withdrawalId: number,
  reason: string,
): Promise<number | undefined> {
  const text = reason.trim();
  if (text.length === 0 || text.length > MAX_REJECT_REASON) return undefined;
  const { rows } = await db.query<{ id: string }>(
    "withdrawal_reject_draft",
    `INSERT INTO withdrawal_reject_drafts (withdrawal_id, admin_id, reason)
     SELECT id, $2, $3 FROM withdrawals WHERE id = $1 RETURNING id`,
    [withdrawalId, adminId, text],
  );
  return rows[0] ? toSafeInt(rows[0].id) : undefined;
}

/**
 * The admin confirmed a drafted rejection: the draft is consumed (once — a second press finds
 * it used) and the request rejected with its reason, in one transaction.
 */
export async function rejectWithDraft(
  db: DbAccess,
  adminId: number,
  draftId: number,
): Promise<(WithdrawalDecisionResult & { reason?: string }) | { outcome: "draft_used" }> {
  return db.tx("withdrawal_reject_confirm", async (client) => {
    const { rows } = await client.query<{ withdrawal_id: string; reason: string }>(
      `UPDATE withdrawal_reject_drafts SET used_at = now()
        WHERE id = $1 AND admin_id = $2 AND used_at IS NULL
        RETURNING withdrawal_id, reason`,
      [draftId, adminId],
    );
    const draft = rows[0];
    if (!draft) return { outcome: "draft_used" } as const;
    const result = await rejectInTx(client, adminId, toSafeInt(draft.withdrawal_id), draft.reason);
    return { ...result, reason: draft.reason };
  });
}

/** One withdrawal as the console shows it. */
export interface WithdrawalView {
  id: number;
  userId: number;
  username: string | null;
  amountKopecks: number;
  requisites: string;
  status: "pending" | "approved" | "rejected";
  decidedBy: number | null;
  decidedAt: Date | null;
  rejectReason: string | null;
  createdAt: Date;
}

export async function getWithdrawal(
  db: DbAccess,
  withdrawalId: number,
): Promise<WithdrawalView | undefined> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    username: string | null;
    amount_kopecks: string;
    requisites: string;
    status: "pending" | "approved" | "rejected";
    decided_by: string | null;
    decided_at: Date | null;
    reject_reason: string | null;
    created_at: Date;
  }>(
    "withdrawal_view",
    `SELECT w.id, w.user_id, u.username, w.amount_kopecks, w.requisites, w.status, w.decided_by,
            w.decided_at, w.reject_reason, w.created_at
       FROM withdrawals w JOIN users u ON u.telegram_id = w.user_id WHERE w.id = $1`,
    [withdrawalId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    username: r.username,
    amountKopecks: toKopecks(r.amount_kopecks),
    requisites: r.requisites,
    status: r.status,
    decidedBy: toSafeIntOrNull(r.decided_by),
    decidedAt: r.decided_at,
    rejectReason: r.reject_reason,
    createdAt: r.created_at,
  };
}

/** A copy of a request sent to an admin (so a decision can show on every copy). */
export async function recordWithdrawalCopy(
  db: DbAccess,
  withdrawalId: number,
  adminId: number,
  messageId: number,
): Promise<void> {
  await db.query(
    "withdrawal_copy",
    `INSERT INTO withdrawal_copies (withdrawal_id, admin_id, message_id)
     SELECT id, $2, $3 FROM withdrawals WHERE id = $1 ON CONFLICT DO NOTHING`,
    [withdrawalId, adminId, messageId],
  );
}

export async function withdrawalCopies(
  db: DbAccess,
  withdrawalId: number,
): Promise<Array<{ adminId: number; messageId: number }>> {
  const { rows } = await db.query<{ admin_id: string; message_id: string }>(
    "withdrawal_copies",
    "SELECT admin_id, message_id FROM withdrawal_copies WHERE withdrawal_id = $1",
    [withdrawalId],
  );
  return rows.map((r) => ({ adminId: toSafeInt(r.admin_id), messageId: toSafeInt(r.message_id) }));
}

export interface PendingWithdrawal {
  id: number;
  userId: number;
  amountKopecks: number;
  requisites: string;
  createdAt: Date;
}

/** How many requests wait for a decision. */
export async function countPendingWithdrawals(db: DbAccess): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "withdrawals_pending_count",
    "SELECT count(*)::int AS n FROM withdrawals WHERE status = 'pending'",
  );
  return rows[0]?.n ?? 0;
}

/** The admin's queue, oldest first (`offset` for the next page). */
export async function listPendingWithdrawals(
  db: DbAccess,
  limit = 50,
  offset = 0,
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
      WHERE status = 'pending' ORDER BY created_at, id LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    amountKopecks: toKopecks(r.amount_kopecks),
    requisites: r.requisites,
    createdAt: r.created_at,
  }));
}
