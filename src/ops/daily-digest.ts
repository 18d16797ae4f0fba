import cron from "node-cron";
import type { DbAccess } from "../db/pool.js";
import type { Logger } from "../logger.js";
import { toError } from "../util/errors.js";

/** Yesterday in the operator's time zone, in numbers (SPEC "Background work": daily digest). */
export interface DigestNumbers {
  day: string;
  newCustomers: number;
  trials: number;
  paidPurchases: number;
  /** Real money (card, crypto, Stars at their ruble price), not balance spending. */
  revenueKopecks: number;
  /** Of the customers whose trial started in the 30 days up to that day, how many have paid. */
  trialCohort: number;
  trialConverted: number;
  /** Money that could not buy what it was for (credited to a balance or held for review). */
  paymentsNeedingReview: number;
  /** Subscriptions still waiting for their key after failed activation attempts. */
  pendingActivations: number;
}

/** The digest's figures for the local day before `now`. */
export async function yesterdayInNumbers(
  db: DbAccess,
  timezone: string,
  now: Date = new Date(),
): Promise<DigestNumbers> {
  const { rows } = await db.query<{
    day: string;
    new_customers: number;
    trials: number;
    paid_purchases: number;
    revenue: string;
    cohort: number;
    converted: number;
    review: number;
    pending: number;
  }>(
    "digest_yesterday",
    `WITH bounds AS (
       SELECT (date_trunc('day', $2::timestamptz AT TIME ZONE $1) - interval '1 day') AT TIME ZONE $1 AS day_start,
              date_trunc('day', $2::timestamptz AT TIME ZONE $1) AT TIME ZONE $1 AS day_end),
     cohort AS (
       SELECT DISTINCT g.user_id FROM subscription_grants g, bounds b
        WHERE g.kind = 'trial' AND g.granted_at >= b.day_end - interval '30 days' AND g.granted_at < b.day_end)
     SELECT to_char(b.day_start AT TIME ZONE $1, 'YYYY-MM-DD') AS day,
            (SELECT count(*)::int FROM users u WHERE u.created_at >= b.day_start AND u.created_at < b.day_end) AS new_customers,
            (SELECT count(*)::int FROM subscription_grants g
              WHERE g.kind = 'trial' AND g.granted_at >= b.day_start AND g.granted_at < b.day_end) AS trials,
            (SELECT count(*)::int FROM purchases p
              WHERE p.status = 'paid' AND p.paid_at >= b.day_start AND p.paid_at < b.day_end) AS paid_purchases,
            (SELECT coalesce(sum(amount_kopecks), 0)::text FROM payments y
              WHERE y.provider <> 'balance' AND y.created_at >= b.day_start AND y.created_at < b.day_end) AS revenue,
            (SELECT count(*)::int FROM cohort) AS cohort,
            (SELECT count(*)::int FROM cohort c WHERE EXISTS (
               SELECT 1 FROM purchases p WHERE p.user_id = c.user_id AND p.kind = 'subscription'
                  AND p.status = 'paid' AND p.paid_at < b.day_end)) AS converted,
            (SELECT count(*)::int FROM payments y
              WHERE y.purchase_id IS NULL AND y.created_at >= b.day_start AND y.created_at < b.day_end) AS review,
            (SELECT count(*)::int FROM subscriptions s
              WHERE s.status = 'pending' AND s.activation_attempts > 0 AND s.expires_at > $2::timestamptz) AS pending
       FROM bounds b`,
    [timezone, now],
  );
  const r = rows[0];
  if (!r) throw new Error("digest query returned no row");
  return {
    day: r.day,
    newCustomers: r.new_customers,
    trials: r.trials,
    paidPurchases: r.paid_purchases,
    revenueKopecks: Number(r.revenue),
    trialCohort: r.cohort,
    trialConverted: r.converted,
    paymentsNeedingReview: r.review,
    pendingActivations: r.pending,
  };
}

/** The operator's digest message (operators read it; customers never see it). */
export function formatDigest(n: DigestNumbers): string {
  const rubles = (k: number) => `${Math.floor(k / 100)}.${String(k % 100).padStart(2, "0")} ₽`;
  const conversion =
    n.trialCohort === 0
      ? "—"
      : `${Math.round((n.trialConverted / n.trialCohort) * 100)} % (${n.trialConverted}/${n.trialCohort})`;
  return [
    `Daily digest for ${n.day}`,
    `New customers: ${n.newCustomers}`,
    `Trials started: ${n.trials}`,
    `Paid purchases: ${n.paidPurchases}`,
    `Revenue: ${rubles(n.revenueKopecks)}`,
    `Trial → paid (30-day cohort): ${conversion}`,
    `Payments needing review: ${n.paymentsNeedingReview}`,
    `Activations still failing: ${n.pendingActivations}`,
  ].join("\n");
}

/** "HH:MM" → a node-cron expression for that minute every day. */
export function dailyCronExpression(time: string): string {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new Error(`"${time}" is not a time of day (HH:MM)`);
  return `${Number(m[2])} ${Number(m[1])} * * *`;
}

/**
 * Calendar-aligned job (R4 keeps node-cron for these only): at `time` in `timezone` every day,
 * `run` is called; node-cron's own messages go through pino.
 */
export function scheduleDaily(opts: {
  time: string;
  timezone: string;
  logger: Logger;
  run: () => Promise<void>;
}): { stop(): void } {
  const log = opts.logger.child({ component: "cron" });
  const task = cron.schedule(
    dailyCronExpression(opts.time),
    async () => {
      try {
        await opts.run();
      } catch (err) {
        log.warn({ err: toError(err).message }, "daily job failed");
      }
    },
    {
      timezone: opts.timezone,
      name: "daily-digest",
      noOverlap: true,
      logger: {
        info: (m) => log.debug(m),
        warn: (m) => log.warn(m),
        error: (m) => log.warn(String(m)),
        debug: (m) => log.debug(String(m)),
      },
    },
  );
  return { stop: () => void task.stop() };
}
