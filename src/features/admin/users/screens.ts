import type { MessageRef, Screen } from "../../../bot/services.js";
import type { UserCard } from "../../../domain/customers/card.js";
import type { MessageKey, MessageVars } from "../../../locales/index.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton as button, adminRef as ref } from "../ui.js";
import { type Duration, durationOf, MAX_MESSAGE_LENGTH } from "./parse.js";

/** The user card's callback prefix: `au:<verb>:…`. */
export const USERS_PREFIX = "au";
/** The feature name its typed questions are filed under. */
export const USERS_FEATURE = "admin.users";

/** The grant buttons, in days. */
const GRANT_DAYS = [1, 7, 30, 365] as const;

/** An action that asks for a typed value first. */
export type AskStep = "grant_custom" | "discount" | "credit" | "debit" | "message";
export const ASK_STEPS: readonly AskStep[] = [
  "grant_custom",
  "discount",
  "credit",
  "debit",
  "message",
];

/** The actions a confirmation carries (stored with their arguments until confirmed). */
export type UserAction =
  | { action: "grant"; seconds: number }
  | { action: "revoke" }
  | { action: "reissue" }
  | { action: "vip"; on: boolean }
  | { action: "discount"; percent: number; until: string | null }
  | { action: "balance"; deltaKopecks: number }
  | { action: "message"; text: string };

export const Cb = {
  find: callbackData(USERS_PREFIX, "find"),
  card: (userId: number) => callbackData(USERS_PREFIX, "c", userId),
  grantMenu: (userId: number) => callbackData(USERS_PREFIX, "g", userId),
  grant: (userId: number, seconds: number) =>
    callbackData(USERS_PREFIX, "a", userId, "grant", seconds),
  revoke: (userId: number) => callbackData(USERS_PREFIX, "a", userId, "revoke"),
  reissue: (userId: number) => callbackData(USERS_PREFIX, "a", userId, "reissue"),
  vip: (userId: number, on: boolean) => callbackData(USERS_PREFIX, "a", userId, "vip", on ? 1 : 0),
  ask: (userId: number, step: AskStep) => callbackData(USERS_PREFIX, "ask", userId, step),
  /** `notify`: the admin's choice, on the button itself. */
  confirm: (token: string, notify: boolean) =>
    callbackData(USERS_PREFIX, "ok", token, notify ? "n" : "s"),
};

const cardButton = (userId: number) => [button("admin.users.button_card", Cb.card(userId))];
const navRow = () => [
  button("admin.users.button_find", Cb.find),
  button("admin.users.button_home", HOME_DATA),
];

/** `/users`: asks who (id, @username or a forwarded message). */
export function lookupScreen(lead?: MessageRef): Screen {
  return {
    text: lead ? [lead, ref("admin.users.ask")] : ref("admin.users.ask"),
    buttons: [[button("admin.users.button_home", HOME_DATA)]],
    awaitInput: { kind: "feature", feature: USERS_FEATURE, step: "lookup" },
    noMenuButton: true,
  };
}

/** A duration as a nested message ("90 minutes", "12 hours", "45 days"). */
function durationVar(d: Duration): MessageVars[string] {
  return { msg: "admin.users.duration", vars: { unit: d.unit, n: d.amount } };
}

function subscriptionLine(card: UserCard): MessageRef {
  const sub = card.subscription;
  if (!sub) return ref("admin.users.card_no_sub");
  const expired = !sub.live && (sub.status === "active" || sub.status === "pending");
  const state = expired ? "expired" : sub.status;
  const key =
    sub.live && sub.status === "active" && sub.vlessLink
      ? "live"
      : sub.live && sub.needsProvisioning
        ? "pending"
        : "none";
  return ref("admin.users.card_sub", {
    kind: sub.isTrial ? "trial" : "paid",
    state,
    expiresAt: sub.expiresAt,
    key,
    autoRenew: sub.autoRenew ? "yes" : "no",
  });
}

/** The user card: who, subscription and key, money, discounts, referrals, reachability. */
export function cardScreen(card: UserCard, vipPercent: number, lead?: MessageRef): Screen {
  const id = card.telegramId;
  const text: MessageRef[] = [];
  if (lead) text.push(lead);
  text.push(
    ref("admin.users.card_title", {
      id: String(id),
      username: card.username ? `@${card.username}` : "—",
      name: card.firstName ?? "—",
      language: card.languageCode ?? "—",
      createdAt: card.createdAt,
      lastSeen: card.lastSeenAt,
      reachable: card.reachable ? "yes" : "no",
    }),
    subscriptionLine(card),
    ref("admin.users.card_money", {
      balance: { kopecks: card.balanceKopecks },
      vip: card.isVip ? "yes" : "no",
      vipPercent,
    }),
    card.discountPercent === 0
      ? ref("admin.users.card_discount_none")
      : card.discountUntil
        ? ref("admin.users.card_discount_until", {
            percent: card.discountPercent,
            until: card.discountUntil,
          })
        : ref("admin.users.card_discount", { percent: card.discountPercent }),
    ref("admin.users.card_referrals", {
      invited: card.referrals.invited,
      paying: card.referrals.paying,
      earned: { kopecks: card.referrals.totalEarnedKopecks },
      referrer: card.referrerId === null ? "—" : String(card.referrerId),
    }),
  );
  if (card.payments.length === 0) text.push(ref("admin.users.card_payments_none"));
  else {
    text.push(ref("admin.users.card_payments_title"));
    for (const p of card.payments) {
      text.push(
        ref("admin.users.card_payment", {
          id: String(p.id),
          date: p.createdAt,
          amount: { kopecks: p.amountKopecks },
          provider: p.provider,
        }),
      );
    }
  }
  return {
    text,
    buttons: [
      [
        button("admin.users.button_grant", Cb.grantMenu(id)),
        button("admin.users.button_revoke", Cb.revoke(id)),
      ],
      [
        button("admin.users.button_reissue", Cb.reissue(id)),
        card.isVip
          ? button("admin.users.button_vip_off", Cb.vip(id, false))
          : button("admin.users.button_vip_on", Cb.vip(id, true)),
      ],
      [
        button("admin.users.button_discount", Cb.ask(id, "discount")),
        button("admin.users.button_message", Cb.ask(id, "message")),
      ],
      [
        button("admin.users.button_credit", Cb.ask(id, "credit")),
        button("admin.users.button_debit", Cb.ask(id, "debit")),
      ],
      [button("admin.users.button_refresh", Cb.card(id))],
      navRow(),
    ],
    noMenuButton: true,
  };
}

/** Grant: 1 / 7 / 30 / 365 days or a typed length. */
export function grantMenuScreen(userId: number): Screen {
  return {
    text: ref("admin.users.grant_title", { id: String(userId) }),
    buttons: [
      GRANT_DAYS.slice(0, 2).map((days) =>
        button("admin.users.grant_days", Cb.grant(userId, days * 86_400), { days }),
      ),
      GRANT_DAYS.slice(2).map((days) =>
        button("admin.users.grant_days", Cb.grant(userId, days * 86_400), { days }),
      ),
      [button("admin.users.button_grant_custom", Cb.ask(userId, "grant_custom"))],
      cardButton(userId),
    ],
    noMenuButton: true,
  };
}

/** A question whose typed answer the users group reads (`step`, for customer `userId`). */
export function askScreen(
  userId: number,
  step: AskStep,
  balanceKopecks: number,
  problem?: MessageKey,
): Screen {
  const question: Record<AskStep, MessageRef> = {
    grant_custom: ref("admin.users.ask_grant_custom"),
    discount: ref("admin.users.ask_discount", { id: String(userId) }),
    credit: ref("admin.users.ask_credit", { id: String(userId) }),
    debit: ref("admin.users.ask_debit", {
      id: String(userId),
      balance: { kopecks: balanceKopecks },
    }),
    message: ref("admin.users.ask_message", { id: String(userId), max: MAX_MESSAGE_LENGTH }),
  };
  return {
    text: problem ? [ref(problem, { max: MAX_MESSAGE_LENGTH }), question[step]] : question[step],
    buttons: [cardButton(userId)],
    awaitInput: { kind: "feature", feature: USERS_FEATURE, step, data: { user: userId } },
    noMenuButton: true,
  };
}

/** What the confirmation asks, for each action. */
function confirmQuestion(
  userId: number,
  a: UserAction,
  context: { balanceKopecks: number; vipPercent: number },
): MessageRef {
  const id = String(userId);
  switch (a.action) {
    case "grant":
      return ref("admin.users.confirm_grant", { id, duration: durationVar(durationOf(a.seconds)) });
    case "revoke":
      return ref("admin.users.confirm_revoke", { id });
    case "reissue":
      return ref("admin.users.confirm_reissue", { id });
    case "vip":
      return ref("admin.users.confirm_vip", {
        id,
        on: a.on ? "yes" : "no",
        percent: context.vipPercent,
      });
    case "discount":
      if (a.percent === 0) return ref("admin.users.confirm_discount_remove", { id });
      return a.until
        ? ref("admin.users.confirm_discount_until", {
            id,
            percent: a.percent,
            until: new Date(a.until),
          })
        : ref("admin.users.confirm_discount", { id, percent: a.percent });
    case "balance":
      return ref(a.deltaKopecks > 0 ? "admin.users.confirm_credit" : "admin.users.confirm_debit", {
        id,
        amount: { kopecks: Math.abs(a.deltaKopecks) },
        balance: { kopecks: context.balanceKopecks },
      });
    case "message":
      return ref("admin.users.confirm_message", { id, text: a.text });
  }
}

/**
 * The confirmation: the question, then "yes, and notify" / "yes, silently" (a message has one
 * "send"), each carrying the single-use token.
 */
export function confirmScreen(
  userId: number,
  a: UserAction,
  token: string,
  context: { balanceKopecks: number; vipPercent: number },
): Screen {
  const question = confirmQuestion(userId, a, context);
  const yes =
    a.action === "message"
      ? [button("admin.users.button_send", Cb.confirm(token, true))]
      : [
          button("admin.users.button_confirm_notify", Cb.confirm(token, true)),
          button("admin.users.button_confirm_silent", Cb.confirm(token, false)),
        ];
  return {
    text: a.action === "message" ? question : [question, ref("admin.users.confirm_notify")],
    buttons: [yes, [button("admin.users.button_cancel", Cb.card(userId))]],
    noMenuButton: true,
  };
}

/** How telling the customer went: "sent", "unreachable", "failed", or "silent". */
export type NoticeOutcome = "sent" | "unreachable" | "failed" | "silent";

/** After an action: what happened, whether the customer was told, and the way back. */
export function resultScreen(
  userId: number,
  result: MessageRef,
  notice: NoticeOutcome | null,
): Screen {
  const text = [result];
  if (notice !== null) text.push(ref("admin.users.notified", { outcome: notice }));
  return { text, buttons: [cardButton(userId), navRow()], noMenuButton: true };
}

/** A confirmation pressed again, too late, or never issued to this admin. */
export function spentConfirmationScreen(outcome: "used" | "expired" | "unknown"): Screen {
  return {
    text: ref(outcome === "used" ? "admin.users.confirm_used" : "admin.users.confirm_expired"),
    buttons: [navRow()],
    noMenuButton: true,
  };
}

/** A lookup that found nobody, or a forward that names nobody. */
export function lookupProblemScreen(key: MessageKey, vars?: MessageVars): Screen {
  return lookupScreen(ref(key, vars));
}
