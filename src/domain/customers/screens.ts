/**
 * What the customer's own screens read, each in one round trip: the profile's balance and
 * subscription in one statement; /start's registration and trial check on one connection.
 */
import type { DbAccess } from "../../db/pool.js";
import { toKopecks } from "../billing/money.js";
import { type TrialEligibility, trialEligibilityIn } from "../subscriptions/trial.js";
import {
  type SubscriptionView,
  toView,
  VIEW_COLUMNS,
  type ViewRow,
} from "../subscriptions/view.js";
import { registerIn, type StartInput, type StartResult } from "./users.js";

export interface ProfileRead {
  /** The cached balance (equal to the ledger sum by construction). */
  balanceKopecks: number;
  subscription: SubscriptionView | undefined;
}

type ProfileRow = { balance_kopecks: string } & (ViewRow | { [K in keyof ViewRow]: null });

/** The profile screen's balance and subscription; undefined for an unknown customer. */
export async function readProfile(db: DbAccess, userId: number): Promise<ProfileRead | undefined> {
  const { rows } = await db.query<ProfileRow>(
    "profile_read",
    `SELECT u.balance_kopecks, ${VIEW_COLUMNS}
       FROM users u LEFT JOIN subscriptions s ON s.user_id = u.telegram_id
      WHERE u.telegram_id = $1`,
    [userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    balanceKopecks: toKopecks(row.balance_kopecks),
    subscription: row.id === null ? undefined : toView(row as ViewRow),
  };
}

/**
 * /start: registers the customer (see `registerOnStart`) and reads the trial eligibility the
 * menu shows after it, in the same transaction.
 */
export async function registerOnStartWithTrial(
  db: DbAccess,
  input: StartInput,
): Promise<StartResult & { trial: TrialEligibility }> {
  return db.tx("user_start", async (client) => {
    const started = await registerIn(client, input);
    return { ...started, trial: await trialEligibilityIn(client, input.telegramId) };
  });
}
