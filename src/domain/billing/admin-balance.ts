import type { DbAccess } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { lockCustomer } from "../customers/lock.js";
import { isInsufficientBalance } from "../pg-errors.js";
import { adminAdjustment, getBalance } from "./ledger.js";

/** An admin's balance credit or debit, ledgered and audited in one transaction. */
export interface AdminAdjustInput {
  adminId: number;
  userId: number;
  /** Positive = credit, negative = debit; whole kopecks, never 0. */
  deltaKopecks: number;
  comment?: string | null;
}

export type AdminAdjustResult =
  | { outcome: "adjusted"; ledgerId: number; balanceAfter: number }
  | { outcome: "insufficient_balance"; balanceKopecks: number }
  | { outcome: "invalid_amount" }
  | { outcome: "unknown_user" };

export async function adjustBalanceByAdmin(
  db: DbAccess,
  input: AdminAdjustInput,
): Promise<AdminAdjustResult> {
  if (!Number.isSafeInteger(input.deltaKopecks) || input.deltaKopecks === 0) {
    return { outcome: "invalid_amount" };
  }
  try {
    return await db.tx("admin_balance_adjust", async (client) => {
      // Locked read: a debit is judged against the balance it will actually change.
      const locked = await lockCustomer(client, input.userId);
      if (!locked) return { outcome: "unknown_user" } as const;
      const balance = locked.balanceKopecks;
      if (balance + input.deltaKopecks < 0) {
        return { outcome: "insufficient_balance", balanceKopecks: balance } as const;
      }
      const entry = await adminAdjustment(
        client,
        input.userId,
        input.adminId,
        input.deltaKopecks,
        input.comment ?? null,
      );
      await writeAudit(client, {
        actorId: input.adminId,
        action: input.deltaKopecks > 0 ? "balance.credit" : "balance.debit",
        targetUserId: input.userId,
        details: {
          delta_kopecks: input.deltaKopecks,
          balance_after: entry.balanceAfter,
          ledger_id: entry.id,
          comment: input.comment ?? null,
        },
      });
      return { outcome: "adjusted", ledgerId: entry.id, balanceAfter: entry.balanceAfter } as const;
    });
  } catch (err) {
    // The locked read makes this unreachable in practice; kept so an overdraft is never a crash.
    if (isInsufficientBalance(err)) {
      return {
        outcome: "insufficient_balance",
        balanceKopecks: (await getBalance(db, input.userId)) ?? 0,
      };
    }
    throw err;
  }
}
