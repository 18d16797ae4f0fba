import type { DbAccess } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";

/** Customers on the dashboard: all of them, and how many joined today and in the last 7 days. */
export interface CustomerCounts {
  total: number;
  newToday: number;
  new7d: number;
}

/**
 * Every customer and the newcomers since local midnight in `timeZone` and over the last 7 days
 * (a range over `users_created_at_idx`). The total is counted on the primary key's index
 * (index-only: a fraction of the table's pages, and no heap reads once vacuumed); the planner
 * would price a heap scan of a narrow table about the same, so the index is asked for.
 */
export async function countCustomers(db: DbAccess, timeZone: string): Promise<CustomerCounts> {
  const total = await db.tx("dashboard_customers_total", async (c) => {
    await c.query("SET LOCAL enable_seqscan = off");
    return c.query<{ n: string }>("SELECT count(*) AS n FROM users");
  });
  const recent = await db.query<{ today: string; week: string }>(
    "dashboard_customers_new",
    `SELECT count(*) FILTER (WHERE created_at >= date_trunc('day', now(), $1)) AS today,
            count(*) AS week
       FROM users
      WHERE created_at >= least(now() - interval '7 days', date_trunc('day', now(), $1))`,
    [timeZone],
  );
  return {
    total: toSafeInt(total.rows[0]?.n ?? 0),
    newToday: toSafeInt(recent.rows[0]?.today ?? 0),
    new7d: toSafeInt(recent.rows[0]?.week ?? 0),
  };
}
