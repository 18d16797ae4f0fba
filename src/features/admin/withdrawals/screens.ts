import type { FeaturePrompt, MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import type {
  PendingWithdrawal,
  WithdrawalDecisionResult,
  WithdrawalView,
} from "../../../domain/billing/withdrawals.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton as button } from "../ui.js";

/** Decisions under a request: `wd:<id>:<step>[:<draft>]` (the request notice's buttons too). */
export const DECISION_PREFIX = "wd";
/** The open requests, a page at a time: `wdl:<offset>`. */
export const LIST_PREFIX = "wdl";
export const FEATURE_NAME = "admin.withdrawals";
export const PAGE_SIZE = 10;

export const Step = {
  /** Ask to confirm the approval (the notice's "Approve" button). */
  approve: "a",
  /** Approved, confirmed. */
  approveConfirmed: "ay",
  /** Ask for the rejection reason (the notice's "Reject" button). */
  reject: "r",
  /** Rejected with a typed reason, confirmed: `wd:<id>:rt:<draft>`. */
  rejectConfirmed: "rt",
  /** The request as it stands now. */
  view: "v",
} as const;

/** The request's details: who, how much, where to, when asked. */
function requestDetails(w: WithdrawalView): MessageRef {
  return {
    key: "admin.withdrawals.request",
    vars: {
      id: String(w.id),
      user: String(w.userId),
      username: w.username ? `@${w.username}` : "—",
      amount: { kopecks: w.amountKopecks },
      requisites: w.requisites,
      created: w.createdAt,
    },
  };
}

/** What was decided, by whom, when (and why, for a rejection). */
function outcomeLine(w: WithdrawalView): MessageRef {
  return {
    key: "admin.withdrawals.outcome",
    vars: {
      status: w.status,
      admin: String(w.decidedBy ?? "—"),
      at: w.decidedAt ?? w.createdAt,
      reason: w.rejectReason ?? "—",
    },
  };
}

/** A request as an admin sees it: pending with the decision buttons, or with its outcome. */
export function requestScreen(w: WithdrawalView, notes: MessageRef[] = []): Screen {
  if (w.status !== "pending") {
    return { text: [...notes, requestDetails(w), outcomeLine(w)], buttons: [], noMenuButton: true };
  }
  return {
    text: [...notes, requestDetails(w)],
    buttons: [
      [
        button(
          "admin.withdrawals.button_approve",
          callbackData(DECISION_PREFIX, w.id, Step.approve),
        ),
        button("admin.withdrawals.button_reject", callbackData(DECISION_PREFIX, w.id, Step.reject)),
      ],
      [button("admin.withdrawals.button_list", callbackData(LIST_PREFIX, 0))],
    ],
    noMenuButton: true,
  };
}

export function approveConfirmScreen(w: WithdrawalView): Screen {
  return {
    text: [
      requestDetails(w),
      { key: "admin.withdrawals.confirm_approve", vars: { id: String(w.id) } },
    ],
    buttons: [
      [
        button(
          "admin.withdrawals.button_confirm_approve",
          callbackData(DECISION_PREFIX, w.id, Step.approveConfirmed),
        ),
        button("admin.withdrawals.button_back", callbackData(DECISION_PREFIX, w.id, Step.view)),
      ],
    ],
    noMenuButton: true,
  };
}

function reasonPrompt(w: WithdrawalView): FeaturePrompt {
  return { kind: "feature", feature: FEATURE_NAME, step: "reason", data: { id: w.id } };
}

/** Asks for the reason the customer will read. */
export function reasonPromptScreen(w: WithdrawalView, invalid = false): Screen {
  return {
    text: [
      requestDetails(w),
      ...(invalid ? [{ key: "admin.withdrawals.reason_invalid" } as const] : []),
      { key: "admin.withdrawals.reason_prompt", vars: { id: String(w.id) } },
    ],
    buttons: [
      [button("admin.withdrawals.button_back", callbackData(DECISION_PREFIX, w.id, Step.view))],
    ],
    noMenuButton: true,
    awaitInput: reasonPrompt(w),
  };
}

export function rejectConfirmScreen(w: WithdrawalView, reason: string, draftId: number): Screen {
  return {
    text: [
      requestDetails(w),
      { key: "admin.withdrawals.confirm_reject", vars: { id: String(w.id), reason } },
    ],
    buttons: [
      [
        button(
          "admin.withdrawals.button_confirm_reject",
          callbackData(DECISION_PREFIX, w.id, Step.rejectConfirmed, draftId),
        ),
        button("admin.withdrawals.button_back", callbackData(DECISION_PREFIX, w.id, Step.view)),
      ],
    ],
    noMenuButton: true,
  };
}

/** A note on top of the request after a decision that did not happen. */
export function refusalNote(
  result: WithdrawalDecisionResult | { outcome: "draft_used" },
): MessageRef | undefined {
  switch (result.outcome) {
    case "already_decided":
      return { key: "admin.withdrawals.already_decided" };
    case "draft_used":
      return { key: "admin.withdrawals.confirm_used" };
    default:
      return undefined;
  }
}

export function notFoundScreen(id: number): Screen {
  return {
    text: { key: "admin.withdrawals.not_found", vars: { id: String(id) } },
    buttons: [[button("admin.withdrawals.button_list", callbackData(LIST_PREFIX, 0))]],
    noMenuButton: true,
  };
}

/** The open requests, oldest first, a page at a time; each opens its request. */
export function listScreen(items: PendingWithdrawal[], total: number, offset: number): Screen {
  const rows: ScreenButton[][] = items.map((w) => [
    {
      label: {
        key: "admin.withdrawals.list_item",
        vars: { id: String(w.id), amount: { kopecks: w.amountKopecks }, user: String(w.userId) },
      },
      callbackData: callbackData(DECISION_PREFIX, w.id, Step.view),
    },
  ]);
  const paging: ScreenButton[] = [];
  if (offset > 0) {
    paging.push(
      button(
        "admin.withdrawals.button_prev",
        callbackData(LIST_PREFIX, Math.max(0, offset - PAGE_SIZE)),
      ),
    );
  }
  if (offset + items.length < total) {
    paging.push(
      button("admin.withdrawals.button_next", callbackData(LIST_PREFIX, offset + PAGE_SIZE)),
    );
  }
  if (paging.length > 0) rows.push(paging);
  rows.push([button("admin.withdrawals.button_home", HOME_DATA)]);
  return {
    text: {
      key: total === 0 ? "admin.withdrawals.list_empty" : "admin.withdrawals.list_title",
      vars: {
        total,
        from: Math.min(total, offset + 1),
        to: Math.min(total, offset + items.length),
      },
    },
    buttons: rows,
    noMenuButton: true,
  };
}
