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
import type { IterationContext, IterationReport } from "./loop.js";

export interface FastExpiryWorkerDeps {
  /** For the unpaid purchases past their payment window. */
  db: WorkerDb;
  provisioning: ProvisioningDeps;
  /** Rows claimed per iteration at most. */
  batchSize: number;
  concurrency: number;
}

/** Claims taken at a time: enough to keep every lane busy while the next ones are claimed. */
const CLAIMS_PER_LANE = 8;

/**
 * Fast expiry: ends subscriptions past `expires_at` by removing their key from the VPN server
 * (Xray does not enforce expiry itself), then marks them expired — never one renewed meanwhile.
 * The lanes make only the VPN calls; the keys they removed are recorded in batches, one
 * transaction each while the lanes go on, which also queues each paid subscription's "expired"
 * notice (an outbox: the `NOTICES` worker delivers it once, also after a crash right after the
 * commit). Trials get theirs ("trial over") from the trial worker. Rows are claimed in chunks as
 * the lanes need them, up to `batchSize` an iteration, so few are claimed only to be released
 * when the budget runs out. Also expires unpaid purchases past their payment window, releasing
 * their promo reservations (a payment that still arrives is credited all the same).
 */
export function fastExpiryIteration(deps: FastExpiryWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const counts = {
      claimed: 0,
      expired: 0,
      failed: 0,
      superseded: 0,
      notices_queued: 0,
      released: 0,
      expired_purchases: 0,
    };
    const recorder = expiryRecorder(deps.provisioning, ctx.signal, counts);
    const claims = claimFeed(deps, counts);
    const errors: unknown[] = [];
    const outOfTime = () => ctx.signal.aborted || Date.now() >= ctx.deadline;
    const lane = async () => {
      while (!outOfTime()) {
        let claim: Claim | undefined;
        try {
          claim = await claims.next();
        } catch (err) {
          errors.push(err);
          return;
        }
        if (!claim) return;
        try {
          const removal = await removeExpiredKey(deps.provisioning, claim, ctx.signal);
          if (removal.removed) recorder.add(claim);
          else counts.failed++;
        } catch (err) {
          errors.push(err);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: deps.concurrency }, lane));
    } finally {
      // Out of time: claims not worked on go back in one statement, due for the next iteration.
      const left = await claims.close();
      await releaseClaims(deps.provisioning, left);
      counts.released = left.length;
      await recorder.drain();
    }
    if (errors.length > 0) throw errors[0];
    if (!ctx.signal.aborted) {
      counts.expired_purchases = (await expireStalePurchases(deps.db, deps.batchSize)).length;
    }
    return { outcome: counts.failed > 0 ? "degraded" : "ok", counts };
  };
}

/**
 * Hands out claims one at a time, claiming the next chunk ahead while the lanes still have work
 * (one claim statement in flight at most), until `batchSize` are claimed or none are due.
 */
function claimFeed(deps: FastExpiryWorkerDeps, counts: { claimed: number }) {
  const chunk = Math.max(1, Math.min(deps.batchSize, deps.concurrency * CLAIMS_PER_LANE));
  const queue: Claim[] = [];
  let claiming: Promise<void> | undefined;
  let exhausted = false;
  let closed = false;
  const refill = (): Promise<void> => {
    claiming ??= (async () => {
      const want = Math.min(chunk, deps.batchSize - counts.claimed);
      if (want <= 0 || closed) {
        exhausted = true;
        return;
      }
      const got = await claimExpiryBatch(deps.provisioning, want);
      counts.claimed += got.length;
      queue.push(...got);
      if (got.length < want) exhausted = true;
    })().finally(() => {
      claiming = undefined;
    });
    return claiming;
  };
  return {
    async next(): Promise<Claim | undefined> {
      for (;;) {
        if (queue.length <= deps.concurrency && !exhausted) void refill().catch(() => {});
        const claim = queue.shift();
        if (claim) return claim;
        if (exhausted) return undefined;
        await refill();
      }
    },
    /** Stops claiming; returns the claims never handed out. */
    async close(): Promise<Claim[]> {
      closed = true;
      await claiming?.catch(() => {});
      return queue.splice(0);
    },
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
