import type { DbAccess } from "../../../db/pool.js";
import {
  type PendingWithdrawalsTotal,
  pendingWithdrawalsTotal,
  type RevenueByMethod,
  revenueByMethod,
  type TrialConversion,
  trialConversion,
} from "../../../domain/billing/dashboard.js";
import { type CustomerCounts, countCustomers } from "../../../domain/customers/dashboard.js";
import {
  countSubscriptionsByState,
  type SubscriptionCounts,
} from "../../../domain/subscriptions/dashboard.js";

/** The trial→paid conversion is measured over the trials of this many days. */
const CONVERSION_DAYS = 30;

/** Everything the dashboard shows from the database. */
export interface DashboardData {
  customers: CustomerCounts;
  subscriptions: SubscriptionCounts;
  revenue: RevenueByMethod;
  conversion: TrialConversion;
  withdrawals: PendingWithdrawalsTotal;
}

/**
 * The dashboard's numbers: each from one indexed query in the module that owns its table, one
 * after the other on short checkouts, so an open dashboard takes one connection at a time.
 */
export async function loadDashboard(db: DbAccess, timeZone: string): Promise<DashboardData> {
  const customers = await countCustomers(db, timeZone);
  const subscriptions = await countSubscriptionsByState(db);
  const revenue = await revenueByMethod(db, timeZone);
  const conversion = await trialConversion(db, CONVERSION_DAYS);
  const withdrawals = await pendingWithdrawalsTotal(db);
  return { customers, subscriptions, revenue, conversion, withdrawals };
}
