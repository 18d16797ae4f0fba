import type { WorkerDb } from "../db/pool.js";
import { expireStalePurchases } from "../domain/billing/purchases.js";
import { type SendOnceDeps, sendNoticeOnce } from "../domain/notifications/send-once.js";
import {
  claimExpiryBatch,
  completeExpiry,
  type ProvisioningDeps,
} from "../domain/subscriptions/provisioning.js";
import { forEachBounded } from "./batch.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface FastExpiryWorkerDeps {
  /** For the unpaid purchases past their payment window. */
  db: WorkerDb;
  provisioning: ProvisioningDeps;
  notices: SendOnceDeps;
  batchSize: number;
  concurrency: number;
}

/**
 * Fast expiry: ends subscriptions past `expires_at` by removing their key from the VPN server
 * (Xray does not enforce expiry itself), then marks them expired — never one renewed meanwhile.
 * Paid subscriptions get the "expired" notice; trials get theirs from the trial worker. Also
 * expires unpaid purchases past their payment window, releasing their promo reservations (a
 * payment that still arrives is credited all the same).
 */
export function fastExpiryIteration(deps: FastExpiryWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const claims = await claimExpiryBatch(deps.provisioning, deps.batchSize);
    const counts = {
      claimed: claims.length,
      expired: 0,
      failed: 0,
      superseded: 0,
      notified: 0,
      expired_purchases: 0,
    };
    await forEachBounded(
      claims,
      { concurrency: deps.concurrency, signal: ctx.signal, deadline: ctx.deadline },
      async (claim) => {
        const result = await completeExpiry(deps.provisioning, claim, ctx.signal);
        if (result.outcome === "expired") {
          counts.expired++;
          if (result.isTrial) return;
          const sent = await sendNoticeOnce(
            deps.notices,
            { userId: result.userId, subscriptionId: result.subscriptionId, cycle: result.cycle },
            { kind: "subscription_expired" },
            ctx.signal,
          );
          if (sent === "sent") counts.notified++;
        } else if (result.outcome === "failed") {
          counts.failed++;
        } else if (result.outcome === "superseded") {
          counts.superseded++;
        }
      },
      async (claim) => {
        await completeExpiry(deps.provisioning, claim, AbortSignal.abort());
      },
    );
    if (!ctx.signal.aborted) {
      counts.expired_purchases = (await expireStalePurchases(deps.db, deps.batchSize)).length;
    }
    return { outcome: counts.failed > 0 ? "degraded" : "ok", counts };
  };
}
