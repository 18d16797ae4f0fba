import type { DbAccess, DbClient } from "../../db/pool.js";
import { lockCustomer } from "../customers/lock.js";
import { markTrialUsed } from "../customers/users.js";
import { grantSubscriptionTime } from "./grants.js";

/** The free trial: who may take it (shown on the menu) and its activation. */

const TRIAL_SECONDS = 3 * 86_400;

export type TrialIneligibility =
  | "unknown_user"
  | "trial_used"
  | "has_paid"
  | "has_live_subscription";

type EligibilityRow = { trial_used: boolean; has_paid: boolean; has_live: boolean };

const ELIGIBILITY_SELECT = `SELECT
    u.trial_used_at IS NOT NULL
      OR EXISTS (SELECT 1 FROM subscription_grants g
                  WHERE g.user_id = u.telegram_id AND g.kind = 'trial') AS trial_used,
    EXISTS (SELECT 1 FROM purchases p
             WHERE p.user_id = u.telegram_id AND p.status = 'paid') AS has_paid,
    EXISTS (SELECT 1 FROM subscriptions s
             WHERE s.user_id = u.telegram_id AND s.status IN ('pending', 'active')
               AND s.expires_at > now()) AS has_live
  FROM users u WHERE u.telegram_id = $1`;

function judgeEligibility(row: EligibilityRow | undefined): TrialIneligibility | null {
  if (!row) return "unknown_user";
  if (row.trial_used) return "trial_used";
  if (row.has_paid) return "has_paid";
  if (row.has_live) return "has_live_subscription";
  return null;
}

export type TrialEligibility = { eligible: true } | { eligible: false; reason: TrialIneligibility };

/** For the main menu: is the trial button shown? (Re-checked on activation.) */
export async function trialEligibility(db: DbAccess, userId: number): Promise<TrialEligibility> {
  const { rows } = await db.query<EligibilityRow>("trial_eligibility", ELIGIBILITY_SELECT, [
    userId,
  ]);
  return eligibilityOf(rows[0]);
}

/** {@link trialEligibility} read on the caller's connection (inside its transaction). */
export async function trialEligibilityIn(
  client: DbClient,
  userId: number,
): Promise<TrialEligibility> {
  const { rows } = await client.query<EligibilityRow>(ELIGIBILITY_SELECT, [userId]);
  return eligibilityOf(rows[0]);
}

function eligibilityOf(row: EligibilityRow | undefined): TrialEligibility {
  const reason = judgeEligibility(row);
  return reason === null ? { eligible: true } : { eligible: false, reason };
}

export type TrialResult =
  | { outcome: "activated"; subscriptionId: number; expiresAt: Date }
  | { outcome: "not_eligible"; reason: TrialIneligibility };

/**
 * Activates the 3-day trial. Eligibility (never paid, no trial yet, no live subscription) is
 * re-checked under the customer lock in the activating transaction, so a stale button pressed
 * after paying changes nothing. Provision `subscriptionId` after this returns.
 */
export async function activateTrial(
  db: DbAccess,
  userId: number,
  trialSeconds: number = TRIAL_SECONDS,
): Promise<TrialResult> {
  return db.tx("trial_activate", async (client) => {
    // The lock first: a concurrent payment's grant (same lock) is then either fully visible
    // to the checks below or serialised after this trial.
    if (!(await lockCustomer(client, userId))) {
      return { outcome: "not_eligible", reason: "unknown_user" } as const;
    }
    const { rows } = await client.query<EligibilityRow>(ELIGIBILITY_SELECT, [userId]);
    const reason = judgeEligibility(rows[0]);
    if (reason !== null) return { outcome: "not_eligible", reason } as const;
    const grant = await grantSubscriptionTime(client, {
      userId,
      kind: "trial",
      seconds: trialSeconds,
    });
    await markTrialUsed(client, userId);
    return {
      outcome: "activated",
      subscriptionId: grant.subscriptionId,
      expiresAt: grant.expiresAt,
    } as const;
  });
}
