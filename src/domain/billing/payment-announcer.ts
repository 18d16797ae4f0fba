import type { DbAccess } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";
import {
  type CustomerNotifier,
  deliverNotices,
  type NoticeDelivery,
  type PaymentAppliedNotice,
} from "../notifications/notices.js";
import { getSubscription, liveKey } from "../subscriptions/view.js";
import type { FinalizeOutcome, FinalizeResult } from "./finalizer.js";

/**
 * Who hears about a finalized payment, and what (R8: the finalizer reports `replayed` for every
 * delivery after the first, so each payment is announced once):
 *   - the payer: what the money did (subscription until…, with the key when it is live; balance
 *     topped up; credited to the balance instead; checked by hand);
 *   - the payer's referrer: the cashback they earned;
 *   - every admin: money that could not buy what it was for, or matches nothing of ours.
 *
 * Telegram payments tell the payer in the chat (the bot's payment screen, with the QR code) and
 * hand the rest to the bot as deliveries (`referrerAndAdminNotices`); Crypto Pay payments arrive
 * outside the chat, so the webhook and the watcher announce everything (`announcePaymentResult`).
 */

export interface AnnounceDeps {
  /** Reads the payer's key after provisioning. */
  db: DbAccess;
  /** The bot's notifier; without a bot (no BOT_TOKEN) nobody can be told and this only logs. */
  notifier: CustomerNotifier | undefined;
  logger: Logger;
  /** `config.bot.adminIds`. */
  adminIds: readonly number[];
}

/**
 * What the caller knows about the payment beyond the result: for money that matched nothing of
 * ours the result has no customer, but the Telegram update does — and refunding Stars needs the
 * payer and the charge id.
 */
export interface PaymentContext {
  userId?: number;
  method?: string;
  /** The provider's id of the money: Telegram charge id, Crypto Pay invoice id. */
  reference?: string;
}

/** The referrer's cashback notice and the admins' alert, if the result calls for them. */
export function referrerAndAdminNotices(
  outcome: FinalizeOutcome,
  adminIds: readonly number[],
  context: PaymentContext = {},
): NoticeDelivery[] {
  if (outcome.replayed) return [];
  const { result } = outcome;
  const deliveries: NoticeDelivery[] = [];
  const cashback = "cashback" in result ? result.cashback : null;
  if (cashback) {
    deliveries.push({
      userId: cashback.referrerId,
      notice: {
        kind: "referral_cashback",
        amountKopecks: cashback.amountKopecks,
        percent: cashback.percent,
      },
    });
  }
  if (result.adminAlert !== null) {
    for (const adminId of adminIds) {
      deliveries.push({
        userId: adminId,
        notice: {
          kind: "admin_payment_alert",
          alert: result.adminAlert,
          method: "method" in result ? result.method : (context.method ?? "unknown"),
          userId: result.userId ?? context.userId ?? null,
          purchaseId: result.purchaseId,
          paymentId: "paymentId" in result ? result.paymentId : null,
          amountKopecks: "amountKopecks" in result ? result.amountKopecks : null,
          reference: context.reference ?? null,
        },
      });
    }
  }
  return deliveries;
}

/** What the payer is told about their money, read after provisioning (for the key link). */
async function payerNotice(
  db: DbAccess,
  result: FinalizeResult,
): Promise<NoticeDelivery | undefined> {
  if (result.userId === null) return undefined;
  let notice: PaymentAppliedNotice;
  switch (result.outcome) {
    case "granted": {
      const sub = await getSubscription(db, result.userId);
      notice = {
        kind: "payment_applied",
        outcome: "granted",
        expiresAt: sub?.expiresAt ?? result.expiresAt,
        link: liveKey(sub),
      };
      break;
    }
    case "topped_up":
    case "credited_to_balance":
      notice = {
        kind: "payment_applied",
        outcome: result.outcome,
        amountKopecks: result.amountKopecks,
        balanceKopecks: result.balanceAfter,
      };
      break;
    case "manual_review":
      notice = { kind: "payment_applied", outcome: "manual_review" };
      break;
    default:
      return undefined;
  }
  return { userId: result.userId, notice };
}

/**
 * Announces a finalized payment to the payer, the referrer and the admins; nothing for a replay.
 * Never throws: the money is committed whatever becomes of the messages.
 */
async function announcePaymentResult(deps: AnnounceDeps, outcome: FinalizeOutcome): Promise<void> {
  if (outcome.replayed) return;
  const deliveries: NoticeDelivery[] = [];
  try {
    const payer = await payerNotice(deps.db, outcome.result);
    if (payer) deliveries.push(payer);
  } catch (err) {
    deps.logger.warn(
      { user_id: outcome.result.userId, err: toError(err).message },
      "could not prepare the payer's payment notice",
    );
  }
  deliveries.push(...referrerAndAdminNotices(outcome, deps.adminIds));
  await sendDeliveries(deps, deliveries);
}

/** The `announce` hook of `CryptoPaymentProcessor` (the crypto webhook and watcher). */
export function createPaymentAnnouncer(
  deps: AnnounceDeps,
): (outcome: FinalizeOutcome) => Promise<void> {
  return (outcome) => announcePaymentResult(deps, outcome);
}

async function sendDeliveries(deps: AnnounceDeps, deliveries: NoticeDelivery[]): Promise<void> {
  if (!deps.notifier) {
    const kinds = deliveries.map((d) => d.notice.kind);
    if (kinds.length > 0) deps.logger.warn({ kinds }, "no bot configured: notices not sent");
    return;
  }
  await deliverNotices(deps.notifier, deliveries, deps.logger);
}
