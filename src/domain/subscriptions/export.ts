import type { DbAccess } from "../../db/pool.js";
import { type CsvPage, type CsvValue, csvPage } from "../../util/csv.js";

/** The subscription columns an export carries (the key itself stays out of the file). */
export const SUBSCRIPTION_EXPORT_COLUMNS = [
  "id",
  "user_id",
  "status",
  "is_trial",
  "expires_at",
  "auto_renew",
  "last_plan",
  "last_period_days",
  "activation_attempts",
  "last_activation_error",
  "created_at",
] as const;

/** Subscriptions after `afterId` in id order, at most `limit` (keyset over the primary key). */
export async function exportSubscriptionsPage(
  db: DbAccess,
  afterId: number | undefined,
  limit: number,
): Promise<CsvPage> {
  const { rows } = await db.query<Record<string, CsvValue>>(
    "export_subscriptions_page",
    `SELECT ${SUBSCRIPTION_EXPORT_COLUMNS.join(", ")} FROM subscriptions
      WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId ?? 0, limit],
  );
  return csvPage(rows, SUBSCRIPTION_EXPORT_COLUMNS, "id", limit);
}
