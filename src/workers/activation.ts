import { type SendOnceDeps, sendNoticeOnce } from "../domain/notifications/send-once.js";
import {
  type Claim,
  claimProvisioningBatch,
  completeProvisioning,
  type ProvisioningDeps,
} from "../domain/subscriptions/provisioning.js";
import { toError } from "../util/errors.js";
import { forEachBounded } from "./batch.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface ActivationWorkerDeps {
  provisioning: ProvisioningDeps;
  notices: SendOnceDeps;
  batchSize: number;
  concurrency: number;
  /** After this many failed attempts for one subscription, the operator is alerted. */
  alertAfterAttempts: number;
  alertOperator(text: string): Promise<void>;
}

/**
 * Activation: puts keys on the VPN server for paid or granted subscriptions still pending (or
 * whose server-side expiry is out of date), retrying with backoff; tells the customer when a
 * pending activation is done. Claims in one short transaction, calls with no connection held.
 */
export function activationIteration(deps: ActivationWorkerDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const claims = await claimProvisioningBatch(deps.provisioning, deps.batchSize);
    const counts = {
      claimed: claims.length,
      activated: 0,
      synced: 0,
      failed: 0,
      refused: 0,
      superseded: 0,
      notified: 0,
    };
    await forEachBounded(
      claims,
      { concurrency: deps.concurrency, signal: ctx.signal, deadline: ctx.deadline },
      async (claim: Claim) => {
        const result = await completeProvisioning(deps.provisioning, claim, ctx.signal);
        if (result.outcome === "provisioned") {
          if (!result.activated) {
            counts.synced++;
            return;
          }
          counts.activated++;
          const sent = await sendNoticeOnce(
            deps.notices,
            { userId: result.userId, subscriptionId: result.subscriptionId, cycle: result.cycle },
            { kind: "activation_done", link: result.link },
            ctx.signal,
          );
          if (sent === "sent") counts.notified++;
        } else if (result.outcome === "failed") {
          counts.failed++;
          if (result.attempts === deps.alertAfterAttempts) {
            await deps
              .alertOperator(
                `Activation of subscription ${claim.subscriptionId} (user ${result.userId}) failed ${result.attempts} times: ${result.error.message}`,
              )
              .catch((err) =>
                ctx.logger.warn({ err: toError(err).message }, "operator alert failed"),
              );
          }
        } else if (result.outcome === "refused") {
          counts.refused++;
        } else if (result.outcome === "superseded") {
          counts.superseded++;
        }
      },
      // Not reached within the budget: released by an aborted completion, retried next time.
      async (claim) => {
        await completeProvisioning(deps.provisioning, claim, AbortSignal.abort());
      },
    );
    return { outcome: counts.failed + counts.refused > 0 ? "degraded" : "ok", counts };
  };
}
