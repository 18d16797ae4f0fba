import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";

/**
 * Puts a subscription's key on the VPN server with its current expiry (implemented by the VPN
 * side: three-phase claim / call / apply, src/domain/subscriptions/provisioning.ts). The domain calls it only
 * after its transaction committed and outside any connection (R2). It may fail or be slow: the
 * subscription stays 'pending' / out of sync and the activation worker retries.
 */
export interface Provisioner {
  provision(subscriptionId: number): Promise<void>;
}

/**
 * Attempts provisioning right after a commit. A failure is logged, never thrown: the money part
 * is done and durable, and the activation worker finishes the job.
 */
export async function provisionAfterCommit(
  provisioner: Provisioner,
  logger: Logger,
  subscriptionId: number,
): Promise<void> {
  try {
    await provisioner.provision(subscriptionId);
  } catch (err) {
    logger.warn(
      { subscription_id: subscriptionId, err: toError(err).message },
      "provisioning after commit failed; the activation worker will retry",
    );
  }
}
