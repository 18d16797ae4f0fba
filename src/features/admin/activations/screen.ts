import type { MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import type { PendingActivation } from "../../../domain/subscriptions/pending-activations.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";

export const ACTIVATIONS_PREFIX = "aac";
/** The list screen (the group's home button). */
export const ACTIVATIONS_DATA = callbackData(ACTIVATIONS_PREFIX);
/** Subscriptions listed at once (the oldest due first). */
export const ACTIVATIONS_SHOWN = 10;

const retryData = (subscriptionId: number) => callbackData(ACTIVATIONS_PREFIX, "r", subscriptionId);
const confirmRetryData = (subscriptionId: number, token: string) =>
  callbackData(ACTIVATIONS_PREFIX, "go", subscriptionId, token);

const back: ScreenButton[] = [
  { label: { key: "admin.activations.back" }, callbackData: ACTIVATIONS_DATA },
];

/** Pure: the waiting subscriptions with their attempts and last error, a retry button each. */
export function activationsScreen(total: number, shown: readonly PendingActivation[]): Screen {
  const lines: MessageRef[] =
    shown.length === 0
      ? [{ key: "admin.activations.empty" }]
      : shown.map((a) => ({
          key: "admin.activations.line",
          vars: {
            id: a.subscriptionId,
            user: String(a.userId),
            attempts: a.attempts,
            next:
              a.nextAttemptAt === null || a.nextAttemptAt.getTime() <= Date.now()
                ? { msg: "admin.activations.due_now" }
                : a.nextAttemptAt,
            error:
              a.lastError === null
                ? ""
                : { msg: "admin.activations.error", vars: { text: a.lastError } },
          },
        }));
  const retries: ScreenButton[][] = [];
  for (const a of shown) {
    const button: ScreenButton = {
      label: { key: "admin.activations.retry_button", vars: { id: a.subscriptionId } },
      callbackData: retryData(a.subscriptionId),
    };
    const last = retries.at(-1);
    if (last && last.length < 2) last.push(button);
    else retries.push([button]);
  }
  return {
    text: [{ key: "admin.activations.title", vars: { count: total } }, ...lines],
    buttons: [
      ...retries,
      [
        { label: { key: "admin.home.refresh" }, callbackData: ACTIVATIONS_DATA },
        { label: { key: "admin.home.back" }, callbackData: HOME_DATA },
      ],
    ],
    noMenuButton: true,
  };
}

/** Pure: "retry #id now?" with a single-use confirm button. */
export function confirmRetryScreen(
  pending: { subscriptionId: number; userId: number },
  token: string,
): Screen {
  return {
    text: {
      key: "admin.activations.confirm",
      vars: { id: pending.subscriptionId, user: String(pending.userId) },
    },
    buttons: [
      [
        {
          label: { key: "admin.activations.button_confirm" },
          callbackData: confirmRetryData(pending.subscriptionId, token),
        },
      ],
      back,
    ],
    noMenuButton: true,
  };
}

export type RetryOutcome = "done" | "gone" | "used";

/** Pure: what a confirmed retry did. */
export function retryResultScreen(subscriptionId: number, outcome: RetryOutcome): Screen {
  const key =
    outcome === "done"
      ? "admin.activations.done"
      : outcome === "gone"
        ? "admin.activations.gone"
        : "admin.activations.used";
  return { text: { key, vars: { id: subscriptionId } }, buttons: [back], noMenuButton: true };
}
