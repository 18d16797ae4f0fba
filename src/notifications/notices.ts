/**
 * Messages the service sends on its own initiative (SPEC "Lifecycle notifications"). Each is a
 * kind with its data; the bot renders it from the customer's locale (`notice.<kind>` keys).
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
  | { kind: "auto_renew_insufficient"; missingKopecks: number; priceKopecks: number };

export type NoticeKind = Notice["kind"];

/** What became of one send. `unreachable`: the customer blocked the bot (marked so). */
export type SendOutcome = "sent" | "unreachable";

/**
 * Sends a notice to a customer through Telegram. Implemented by the bot; workers and the domain
 * only see this port. Throws on transient failures (network, 429 after its retries).
 */
export interface CustomerNotifier {
  send(userId: number, notice: Notice, signal?: AbortSignal): Promise<SendOutcome>;
}
