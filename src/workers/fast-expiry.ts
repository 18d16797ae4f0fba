import type { WorkerDb } from "../db/pool.js";
import { expireStalePurchases } from "../domain/billing/purchases.js";
import { queueNotices } from "../domain/notifications/send-once.js";
import {
  type Claim,
  claimExpiryBatch,
  type ProvisioningDeps,
  recordExpiries,
  releaseClaims,
  removeExpiredKey,
  settleSupersededExpiry,
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
 * Fast expiry: ends subscriptions past `expires_at` by removing their key from the VPN server
 * (Xray does not enforce expiry itself), then marks them expired — never one renewed meanwhile.
 * The lanes make only the VPN calls; the keys they removed are recorded in batches, one
 * transaction each while the lanes go on, which also queues each paid subscription's "expired"
 * notice (an outbox: the `NOTICES` worker delivers it once, also after a crash right after the
 * commit). Trials get theirs ("trial over") from the trial worker. Also expires unpaid purchases
 * past their payment window, releasing their promo reservations (a payment that still arrives
 * is credited all the same).
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
    const recorder = expiryRecorder(deps.provisioning, ctx.signal, counts);
    const notStarted: Claim[] = [];
    try {
      await forEachBounded(
        claims,
        { concurrency: deps.concurrency, signal: ctx.signal, deadline: ctx.deadline },
        async (claim) => {
          const removal = await removeExpiredKey(deps.provisioning, claim, ctx.signal);
          if (removal.removed) recorder.add(claim);
          else counts.failed++;
        },
        async (claim) => {
          notStarted.push(claim);
        },
      );
    } finally {
      // Out of time: the rest go back in one statement, due for the next iteration.
      await releaseClaims(deps.provisioning, notStarted);
      counts.released = notStarted.length;
      await recorder.drain();
    }
    if (!ctx.signal.aborted) {
      counts.expired_purchases = (await expireStalePurchases(deps.db, deps.batchSize)).length;
    }
    return { outcome: counts.failed > 0 ? "degraded" : "ok", counts };
  };
}

/**
 * Records removed keys as they come: one batch in flight at a time, holding every key removed
 * while it ran. A batch that fails leaves its claims to lapse (their keys are off the server;
 * the next claim after the claim TTL removes them again, which changes nothing, and records
 * them); the first such error is thrown by `drain`.
 */
function expiryRecorder(
  deps: ProvisioningDeps,
  signal: AbortSignal,
  counts: { expired: number; superseded: number; notices_queued: number },
) {
  let pending: Claim[] = [];
  let running: Promise<void> | undefined;
  let error: unknown;
  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        const { expired, superseded } = await recordExpiries(deps, batch, async (client, done) => {
          counts.notices_queued += await queueNotices(
            client,
            done
              .filter((c) => !c.isTrial)
              .map((c) => ({
                target: { userId: c.userId, subscriptionId: c.subscriptionId, cycle: c.expiresAt },
                notice: { kind: "subscription_expired" } as const,
              })),
          );
        });
        counts.expired += expired.length;
        for (const claim of superseded) {
          await settleSupersededExpiry(deps, claim, signal);
          counts.superseded++;
        }
      } catch (err) {
        error ??= err;
      }
    }
  };
  return {
    add(claim: Claim): void {
      pending.push(claim);
      running ??= flush().finally(() => {
        running = undefined;
      });
    },
    /** Waits until every key added so far is recorded (or its batch failed). */
    async drain(): Promise<void> {
      while (running || pending.length > 0) {
        running ??= flush().finally(() => {
          running = undefined;
        });
        await running;
      }
      if (error !== undefined) throw error;
    },
  };
}
