import type { DbAccess } from "../../src/db/pool.js";
import { writeAudit } from "../../src/domain/audit.js";
import {
  applyCatalogOverride,
  type Catalog,
  catalogOverrideSchema,
} from "../../src/domain/billing/pricing.js";
import {
  PURCHASE_COLUMNS,
  type Purchase,
  type PurchaseRow,
  toPurchase,
} from "../../src/domain/billing/purchases.js";
import {
  draftRejection,
  rejectWithDraft,
  type WithdrawalDecisionResult,
} from "../../src/domain/billing/withdrawals.js";
import { writeSetting } from "../../src/domain/content/settings.js";

/** Test reads and set-ups of billing state that the service itself has no screen for. */

export async function getPurchase(db: DbAccess, purchaseId: number): Promise<Purchase | undefined> {
  const { rows } = await db.query<PurchaseRow>(
    "test_purchase_get",
    `SELECT ${PURCHASE_COLUMNS} FROM purchases WHERE id = $1`,
    [purchaseId],
  );
  return rows[0] ? toPurchase(rows[0]) : undefined;
}

/**
 * Rejects a withdrawal the way the console does (a drafted reason, then its confirmation);
 * the result without the echoed reason.
 */
export async function rejectWithdrawal(
  db: DbAccess,
  adminId: number,
  withdrawalId: number,
  reason = "rejected",
): Promise<WithdrawalDecisionResult> {
  const draftId = await draftRejection(db, adminId, withdrawalId, reason);
  if (draftId === undefined) return { outcome: "not_found" };
  const decided = await rejectWithDraft(db, adminId, draftId);
  if (decided.outcome === "draft_used") throw new Error("a fresh draft was already used");
  const { reason: _reason, ...result } = decided as WithdrawalDecisionResult & { reason?: string };
  return result;
}

export type SavePricingResult =
  | { outcome: "saved"; catalog: Catalog }
  | { outcome: "invalid"; message: string };

/** Stores a whole price override (the console edits one period at a time), validated. */
export async function savePricingOverride(
  db: DbAccess,
  adminId: number,
  override: unknown,
): Promise<SavePricingResult> {
  const parsed = catalogOverrideSchema.safeParse(override);
  if (!parsed.success) return { outcome: "invalid", message: parsed.error.message };
  let catalog: Catalog;
  try {
    catalog = applyCatalogOverride(parsed.data);
  } catch (err) {
    return { outcome: "invalid", message: err instanceof Error ? err.message : String(err) };
  }
  await db.tx("test_pricing_save", async (client) => {
    await writeSetting(client, "pricing", parsed.data, adminId);
    await writeAudit(client, {
      actorId: adminId,
      action: "settings.pricing",
      details: { override: parsed.data },
    });
  });
  return { outcome: "saved", catalog };
}
