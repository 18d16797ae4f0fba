import type { WorkerDb } from "../db/pool.js";
import { expireStalePurchases } from "../domain/billing/purchases.js";
import { queueNotice } from "../domain/notifications/send-once.js";
import {
  type Claim,
  claimExpiryBatch,
  completeExpiry,
  type OnExpired,
  type ProvisioningDeps,
  releaseClaims,
} from "../domain/subscriptions/provisioning.js";
import { forEachBounded } from "./batch.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface FastExpiryWorkerDeps {
  /** For the unpaid purchases past their payment window. */
  db: WorkerDb;
  provisioning: ProvisioningDeps;
  batchSize: number;
  concurrency: number;
}

/**
 * A paid subscription's "expired" notice is queued in the transaction that records the expiry
 * (an outbox): the `NOTICES` worker delivers it, once, also after a crash right after the commit.
 * Trials get theirs ("trial over") from the trial worker.
 */
const queueExpiredNotice: OnExpired = async (client, claim) => {
  if (claim.isTrial) return false;
  return queueNotice(
    client,
    { userId: claim.userId, subscriptionId: claim.subscriptionId, cycle: claim.expiresAt },
    { kind: "subscription_expired" },
  );
};

/**
 * Fast expiry: ends subscriptions past `expires_at` by removing their key from the VPN server
 * (Xray does not enforce expiry itself), then marks them expired — never one renewed meanwhile —
 * and queues the paid ones' "expired" notice with it. Each lane makes the VPN call and one
 * transaction per row; Telegram is the notice sender's business. Also expires unpaid purchases
 * past their payment window, releasing their promo reservations (a payment that still arrives is
 * credited all the same).
 */
export function fastExpiryIteration(deps: FastExpiryWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const claims = await claimExpiryBatch(deps.provisioning, deps.batchSize);
    const counts = {
      claimed: claims.length,
      expired: 0,
      failed: 0,
      superseded: 0,
      notices_queued: 0,
      released: 0,
      expired_purchases: 0,
    };
    const notStarted: Claim[] = [];
    try {
      await forEachBounded(
        claims,
        { concurrency: deps.concurrency, signal: ctx.signal, deadline: ctx.deadline },
        async (claim) => {
          let queued = false;
          const result = await completeExpiry(
            deps.provisioning,
            claim,
            ctx.signal,
            async (client, c) => {
              queued = (await queueExpiredNotice(client, c)) === true;
            },
          );
          if (result.outcome === "expired") {
            counts.expired++;
            if (queued) counts.notices_queued++;
          } else if (result.outcome === "failed") {
            counts.failed++;
          } else if (result.outcome === "superseded") {
            counts.superseded++;
          }
        },
        async (claim) => {
          notStarted.push(claim);
        },
      );
    } finally {
      // Out of time: the rest go back in one statement, due for the next iteration.
      await releaseClaims(deps.provisioning, notStarted);
      counts.released = notStarted.length;
    }
    if (!ctx.signal.aborted) {
      counts.expired_purchases = (await expireStalePurchases(deps.db, deps.batchSize)).length;
    }
    return { outcome: counts.failed > 0 ? "degraded" : "ok", counts };
  };
}
