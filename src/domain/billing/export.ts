import type { DbAccess } from "../../db/pool.js";
import { type CsvPage, type CsvValue, csvPage } from "../../util/csv.js";

export const PAYMENT_EXPORT_COLUMNS = [
  "id",
  "user_id",
  "purchase_id",
  "provider",
  "provider_payment_id",
  "amount_kopecks",
  "stars_amount",
  "currency",
  "created_at",
] as const;

/** Payments after `afterId` in id order, at most `limit` (keyset over the primary key). */
export async function exportPaymentsPage(
  db: DbAccess,
  afterId: number | undefined,
  limit: number,
): Promise<CsvPage> {
  const { rows } = await db.query<Record<string, CsvValue>>(
    "export_payments_page",
    `SELECT ${PAYMENT_EXPORT_COLUMNS.join(", ")} FROM payments
      WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId ?? 0, limit],
  );
  return csvPage(rows, PAYMENT_EXPORT_COLUMNS, "id", limit);
}
