import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";

/**
 * Messages the service sends on its own initiative (SPEC "Lifecycle notifications", payment
 * results, referral and withdrawal events, operator alerts). Each is a kind with its data; the
 * bot renders it from the recipient's locale (`notice.<kind>` keys, see src/bot/notifier.ts).
 */
export type Notice =
  | { kind: "activation_done"; link: string }
  | { kind: "key_reissued"; link: string }
  | { kind: "subscription_expired" }
  | { kind: "reminder_3d" | "reminder_24h" | "reminder_3h"; expiresAt: Date }
  | { kind: "trial_nudge" }
  | { kind: "trial_ends_soon" | "trial_last_hours"; expiresAt: Date }
  | { kind: "trial_over" }
  | { kind: "auto_renew_success"; days: number; expiresAt: Date; amountKopecks: number }
  | { kind: "auto_renew_insufficient"; missingKopecks: number; priceKopecks: number }
  /** A payment arrived outside the chat (Crypto Pay) and did this; `link` null = key pending. */
  | PaymentAppliedNotice
  /** The referrer earned cashback on a payment of someone they invited. */
  | { kind: "referral_cashback"; amountKopecks: number; percent: number }
  /** For admins: money arrived that could not buy what it was for, or matches nothing of ours. */
  | {
      kind: "admin_payment_alert";
      alert: string;
      method: string;
      userId: number | null;
      purchaseId: number | null;
      paymentId: number | null;
      amountKopecks: number | null;
      /** The provider's id of the money (a Telegram charge id), when known. */
      reference: string | null;
    }
  /** For admins: a customer asked to withdraw referral earnings (Approve / Reject buttons). */
  | {
      kind: "withdrawal_requested";
      withdrawalId: number;
      userId: number;
      username: string | null;
      amountKopecks: number;
      requisites: string;
    }
  | { kind: "withdrawal_approved"; amountKopecks: number }
  | { kind: "withdrawal_rejected"; amountKopecks: number; balanceKopecks: number }
  /** What an admin changed on the customer's account, when the admin chose to tell them. */
  | AccountNotice
  /** An admin's own words to the customer, from the console (shown as plain text). */
  | { kind: "operator_message"; text: string };

/** The console's account changes, as the customer is told about them. */
export type AccountNotice =
  | { kind: "account_time_granted"; expiresAt: Date }
  | { kind: "account_revoked" }
  | { kind: "account_credited" | "account_debited"; amountKopecks: number; balanceKopecks: number }
  | { kind: "account_discount"; percent: number; until: Date | null }
  | { kind: "account_vip"; on: boolean };

export type PaymentAppliedNotice =
  | { kind: "payment_applied"; outcome: "granted"; expiresAt: Date; link: string | null }
  | {
      kind: "payment_applied";
      outcome: "topped_up" | "credited_to_balance";
      amountKopecks: number;
      balanceKopecks: number;
    }
  | { kind: "payment_applied"; outcome: "manual_review" };

export type NoticeKind = Notice["kind"];

/** A notice and who gets it. */
export interface NoticeDelivery {
  userId: number;
  notice: Notice;
}

/** What became of one send. `unreachable`: the customer blocked the bot (marked so). */
export type SendOutcome = "sent" | "unreachable";

/**
 * Sends a notice to a customer through Telegram. Implemented by the bot; workers and the domain
 * only see this port. Throws on transient failures (network, 429 after its retries).
 */
export interface CustomerNotifier {
  send(userId: number, notice: Notice, signal?: AbortSignal): Promise<SendOutcome>;
}

/**
 * Sends each delivery in turn, one log line per notice; a failed one is logged and the rest
 * still go out (these notices are informative, not sent-once: see send-once.ts for those).
 */
export async function deliverNotices(
  notifier: CustomerNotifier,
  deliveries: readonly NoticeDelivery[],
  logger: Logger,
): Promise<void> {
  for (const { userId, notice } of deliveries) {
    try {
      const outcome = await notifier.send(userId, notice);
      logger.info({ to: userId, kind: notice.kind, outcome }, "notice delivered");
    } catch (err) {
      logger.warn(
        { to: userId, kind: notice.kind, err: toError(err).message },
        "could not deliver a notice",
      );
    }
  }
}
