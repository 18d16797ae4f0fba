import type { MessageRef } from "../../../bot/services.js";
import { adjustBalanceByAdmin } from "../../../domain/billing/admin-balance.js";
import type { PendingAction, PendingArgs } from "../../../domain/console/pending-actions.js";
import { setPersonalDiscount, setVip } from "../../../domain/customers/users.js";
import type { Notice } from "../../../domain/notifications/notices.js";
import { provisionAfterCommit } from "../../../domain/subscriptions/after-commit.js";
import { grantByAdmin, revokeSubscription } from "../../../domain/subscriptions/grants.js";
import {
  expireSubscription,
  provisionSubscription,
} from "../../../domain/subscriptions/provisioning.js";
import { reissueKey, reissueProgress } from "../../../domain/subscriptions/reissue.js";
import { getSubscription } from "../../../domain/subscriptions/view.js";
import { toError } from "../../../util/errors.js";
import type { AdminDeps } from "../deps.js";
import type { UserAction } from "./screens.js";

/** A stored action's arguments back as the action (undefined for a row this code never wrote). */
export function actionFromRow(action: string, args: PendingArgs): UserAction | undefined {
  switch (action) {
    case "grant":
      return typeof args.seconds === "number" ? { action, seconds: args.seconds } : undefined;
    case "revoke":
    case "reissue":
      return { action };
    case "vip":
      return typeof args.on === "boolean" ? { action, on: args.on } : undefined;
    case "discount":
      return typeof args.percent === "number"
        ? {
            action,
            percent: args.percent,
            until: typeof args.until === "string" ? args.until : null,
          }
        : undefined;
    case "balance":
      return typeof args.deltaKopecks === "number"
        ? { action, deltaKopecks: args.deltaKopecks }
        : undefined;
    case "message":
      return typeof args.text === "string" ? { action, text: args.text } : undefined;
    default:
      return undefined;
  }
}

/** The action's arguments as stored with the pending row. */
export function argsOf(a: UserAction): PendingArgs {
  const { action: _action, ...args } = a;
  return args;
}

/**
 * What an action did: the admin's result line, the short outcome recorded with the pending row,
 * and the notice the customer gets if the admin chose to notify (null: nothing to tell).
 */
export interface ActionResult {
  outcome: string;
  result: MessageRef;
  notice: Notice | null;
  /** An audit row to write with the outcome (the domain wrote none in the action's transaction). */
  audit?: { action: string; details: Record<string, unknown> };
}

/** Tells the customer: "sent", "unreachable" (blocked the bot) or "failed". */
export type SendNotice = (
  userId: number,
  notice: Notice,
) => Promise<"sent" | "unreachable" | "failed">;

/** An action that did nothing: its outcome and the admin's line, no notice. */
function refused(outcome: string, result: MessageRef): ActionResult {
  return { outcome, result, notice: null };
}

/** The customer the action was for is not (or no longer) known. */
function unknownUser(outcome: string, userId: number): ActionResult {
  return refused(outcome, { key: "admin.users.unknown_user", vars: { id: String(userId) } });
}

/** Provisioning's claim / call / apply for a subscription the action just committed. */
async function provisionNow(deps: AdminDeps, subscriptionId: number): Promise<void> {
  const provisioner = {
    provision: async (id: number) => {
      await provisionSubscription(deps.provisioning, id);
    },
  };
  await provisionAfterCommit(provisioner, deps.logger, subscriptionId);
}

async function runGrant(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
  seconds: number,
): Promise<ActionResult> {
  const r = await grantByAdmin(deps.db, { adminId, userId, seconds });
  if (r.outcome === "unknown_user") return unknownUser(r.outcome, userId);
  if (r.outcome === "invalid_duration") {
    return refused(r.outcome, { key: "admin.users.invalid_duration" });
  }
  await provisionNow(deps, r.subscriptionId);
  const sub = await getSubscription(deps.db, userId);
  const live = sub?.status === "active" && sub.vlessLink !== null;
  return {
    outcome: "granted",
    result: {
      key: "admin.users.done_grant",
      vars: { expiresAt: r.expiresAt, key: live ? "live" : "pending" },
    },
    notice: { kind: "account_time_granted", expiresAt: r.expiresAt },
  };
}

async function runRevoke(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
): Promise<ActionResult> {
  const r = await revokeSubscription(deps.db, { adminId, userId });
  if (r.outcome === "nothing_to_revoke") {
    return refused(r.outcome, {
      key: "admin.users.nothing_to_revoke",
      vars: { id: String(userId) },
    });
  }
  // The key comes off now, not at the expiry worker's next pass.
  let removed = false;
  try {
    removed = (await expireSubscription(deps.provisioning, r.subscriptionId)).outcome === "expired";
  } catch (err) {
    deps.logger.warn(
      { user_id: userId, subscription_id: r.subscriptionId, err: toError(err).message },
      "key removal after a revoke failed; the expiry worker retries",
    );
  }
  return {
    outcome: "revoked",
    result: { key: "admin.users.done_revoke", vars: { removed: removed ? "yes" : "no" } },
    notice: { kind: "account_revoked" },
  };
}

async function runReissue(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
): Promise<ActionResult> {
  const r = await reissueKey(deps.db, userId, 0, { adminId });
  if (r.outcome !== "reissued") {
    return refused(r.outcome, {
      key: "admin.users.no_live_subscription",
      vars: { id: String(userId) },
    });
  }
  // The customers' path: the old key comes off first, the new one goes on only then.
  await provisionNow(deps, r.subscriptionId);
  const progress = await reissueProgress(deps.db, r.subscriptionId);
  const link = progress.newKeyLive
    ? ((await getSubscription(deps.db, userId))?.vlessLink ?? null)
    : null;
  const state = link ? "live" : progress.oldKeysRemoved ? "pending" : "old";
  return {
    outcome: "reissued",
    result: { key: "admin.users.done_reissue", vars: { state } },
    notice: link ? { kind: "key_reissued", link } : null,
  };
}

async function runVip(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
  on: boolean,
): Promise<ActionResult> {
  const r = await setVip(deps.db, adminId, userId, on);
  if (r.outcome !== "set") return unknownUser(r.outcome, userId);
  return {
    outcome: on ? "vip_on" : "vip_off",
    result: { key: "admin.users.done_vip", vars: { on: on ? "yes" : "no" } },
    notice: { kind: "account_vip", on },
  };
}

async function runDiscount(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
  a: Extract<UserAction, { action: "discount" }>,
): Promise<ActionResult> {
  const until = a.until === null ? null : new Date(a.until);
  const r = await setPersonalDiscount(deps.db, adminId, userId, a.percent, until);
  if (r.outcome !== "set") return unknownUser(r.outcome, userId);
  return {
    outcome: "discount_set",
    result: { key: "admin.users.done_discount" },
    notice: {
      kind: "account_discount",
      percent: a.percent,
      until: a.percent === 0 ? null : until,
    },
  };
}

async function runBalance(
  deps: AdminDeps,
  { adminId, userId }: PendingAction,
  deltaKopecks: number,
): Promise<ActionResult | undefined> {
  const r = await adjustBalanceByAdmin(deps.db, {
    adminId,
    userId,
    deltaKopecks,
    comment: "console",
  });
  switch (r.outcome) {
    case "adjusted":
      return {
        outcome: deltaKopecks > 0 ? "credited" : "debited",
        result: { key: "admin.users.done_balance", vars: { balance: { kopecks: r.balanceAfter } } },
        notice: {
          kind: deltaKopecks > 0 ? "account_credited" : "account_debited",
          amountKopecks: Math.abs(deltaKopecks),
          balanceKopecks: r.balanceAfter,
        },
      };
    case "insufficient_balance":
      return refused(r.outcome, {
        key: "admin.users.insufficient_balance",
        vars: { balance: { kopecks: r.balanceKopecks } },
      });
    case "invalid_amount":
      return refused(r.outcome, { key: "admin.users.invalid_amount" });
    case "unknown_user":
      return unknownUser(r.outcome, userId);
  }
  return undefined;
}

/** The message is the notice: sent now, audited with how it went. */
async function runMessage(
  send: SendNotice,
  { userId }: PendingAction,
  text: string,
): Promise<ActionResult> {
  const sent = await send(userId, { kind: "operator_message", text });
  return {
    outcome: sent,
    result: { key: "admin.users.done_message", vars: { outcome: sent } },
    notice: null,
    audit: { action: "user.message", details: { text } },
  };
}

/**
 * Runs a confirmed action through the domain. Database work commits first; the VPN calls follow
 * with no connection held (provisioning's own claim / call / apply). Audit rows are written by
 * the domain in the action's transaction; a message's is returned in `audit`, once it is sent.
 */
export async function runAction(
  deps: AdminDeps,
  send: SendNotice,
  pending: PendingAction,
  a: UserAction,
): Promise<ActionResult> {
  let done: ActionResult | undefined;
  switch (a.action) {
    case "grant":
      return runGrant(deps, pending, a.seconds);
    case "revoke":
      return runRevoke(deps, pending);
    case "reissue":
      return runReissue(deps, pending);
    case "vip":
      return runVip(deps, pending, a.on);
    case "discount":
      return runDiscount(deps, pending, a);
    case "balance":
      done = await runBalance(deps, pending, a.deltaKopecks);
      if (done) return done;
      break;
    case "message":
      return runMessage(send, pending, a.text);
  }
  throw new Error(`unhandled console action ${(a as UserAction).action}`);
}
