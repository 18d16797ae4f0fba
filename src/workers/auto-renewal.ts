import type { WorkerDb } from "../db/pool.js";
import { purchaseWithBalance } from "../domain/billing/balance-purchase.js";
import { type SendOnceDeps, sendNoticeOnce } from "../domain/notifications/send-once.js";
import { listAutoRenewalsDue } from "../domain/subscriptions/auto-renew.js";
import {
  type ProvisioningDeps,
  provisionSubscription,
} from "../domain/subscriptions/provisioning.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface AutoRenewalWorkerDeps {
  db: WorkerDb;
  metrics: Metrics;
  logger: Logger;
  provisioning: ProvisioningDeps;
  notices: SendOnceDeps;
  /** Renew subscriptions expiring within this window (SPEC: 6 h). */
  windowSeconds: number;
  batchSize: number;
}

/**
 * Auto-renewal: renews from the balance, at the last paid plan's current price, subscriptions
 * with auto-renew on that expire within the window. Retried every iteration until expiry, so a
 * top-up an hour later still renews; the success and the insufficient-balance messages go out
 * once per cycle (the cycle is the expiry being renewed). The domain re-checks under the
 * customer lock that the renewal is still due, so a cycle is never charged twice.
 */
export function autoRenewalIteration(deps: AutoRenewalWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const due = await listAutoRenewalsDue(deps.db, deps.windowSeconds, deps.batchSize);
    const counts = { due: due.length, renewed: 0, insufficient: 0, notified: 0 };
    const provisioner = {
      provision: (id: number) =>
        provisionSubscription(deps.provisioning, id, ctx.signal).then(() => {}),
    };
    for (const item of due) {
      if (ctx.signal.aborted || Date.now() >= ctx.deadline) break;
      const result = await purchaseWithBalance(
        { db: deps.db, provisioner, metrics: deps.metrics, logger: deps.logger },
        { source: "auto_renew", userId: item.userId, dueWithinSeconds: deps.windowSeconds },
      );
      const target = {
        userId: item.userId,
        subscriptionId: item.subscriptionId,
        cycle: item.expiresAt,
      };
      if (result.outcome === "paid") {
        counts.renewed++;
        const sent = await sendNoticeOnce(
          deps.notices,
          target,
          {
            kind: "auto_renew_success",
            days: result.payment.periodDays,
            expiresAt: result.payment.expiresAt,
            amountKopecks: result.payment.amountKopecks,
          },
          ctx.signal,
        );
        if (sent === "sent") counts.notified++;
      } else if (result.outcome === "insufficient_balance") {
        counts.insufficient++;
        const sent = await sendNoticeOnce(
          deps.notices,
          target,
          {
            kind: "auto_renew_insufficient",
            missingKopecks: result.missingKopecks,
            priceKopecks: result.amountKopecks,
          },
          ctx.signal,
        );
        if (sent === "sent") counts.notified++;
      }
    }
    return { counts };
  };
}
