import type { DbAccess } from "../../db/pool.js";
import { type CsvPage, type CsvValue, csvPage } from "../../util/csv.js";

export const CUSTOMER_EXPORT_COLUMNS = [
  "telegram_id",
  "username",
  "first_name",
  "language_code",
  "balance_kopecks",
  "referrer_id",
  "is_vip",
  "personal_discount_percent",
  "personal_discount_until",
  "reachable",
  "trial_used_at",
  "created_at",
  "last_seen_at",
] as const;

/** Customers after `afterId` in id order, at most `limit` (keyset over the primary key). */
export async function exportCustomersPage(
  db: DbAccess,
  afterId: number | undefined,
  limit: number,
): Promise<CsvPage> {
  const { rows } = await db.query<Record<string, CsvValue>>(
    "export_customers_page",
    `SELECT ${CUSTOMER_EXPORT_COLUMNS.join(", ")} FROM users
      WHERE telegram_id > $1 ORDER BY telegram_id LIMIT $2`,
    [afterId ?? 0, limit],
  );
  return csvPage(rows, CUSTOMER_EXPORT_COLUMNS, "telegram_id", limit);
}
