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
  const { adminId, userId } = pending;
  const id = String(userId);
  const provisioner = {
    provision: async (subscriptionId: number) => {
      await provisionSubscription(deps.provisioning, subscriptionId);
    },
  };
  switch (a.action) {
    case "grant": {
      const r = await grantByAdmin(deps.db, { adminId, userId, seconds: a.seconds });
      if (r.outcome === "unknown_user") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.unknown_user", vars: { id } },
          notice: null,
        };
      }
      if (r.outcome === "invalid_duration") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.invalid_duration" },
          notice: null,
        };
      }
      await provisionAfterCommit(provisioner, deps.logger, r.subscriptionId);
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
    case "revoke": {
      const r = await revokeSubscription(deps.db, { adminId, userId });
      if (r.outcome === "nothing_to_revoke") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.nothing_to_revoke", vars: { id } },
          notice: null,
        };
      }
      // The key comes off now, not at the expiry worker's next pass.
      let removed = false;
      try {
        removed =
          (await expireSubscription(deps.provisioning, r.subscriptionId)).outcome === "expired";
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
    case "reissue": {
      const r = await reissueKey(deps.db, userId, 0, { adminId });
      if (r.outcome !== "reissued") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.no_live_subscription", vars: { id } },
          notice: null,
        };
      }
      // The customers' path: the old key comes off first, the new one goes on only then.
      await provisionAfterCommit(provisioner, deps.logger, r.subscriptionId);
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
    case "vip": {
      const r = await setVip(deps.db, adminId, userId, a.on);
      if (r.outcome !== "set") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.unknown_user", vars: { id } },
          notice: null,
        };
      }
      return {
        outcome: a.on ? "vip_on" : "vip_off",
        result: { key: "admin.users.done_vip", vars: { on: a.on ? "yes" : "no" } },
        notice: { kind: "account_vip", on: a.on },
      };
    }
    case "discount": {
      const until = a.until === null ? null : new Date(a.until);
      const r = await setPersonalDiscount(deps.db, adminId, userId, a.percent, until);
      if (r.outcome !== "set") {
        return {
          outcome: r.outcome,
          result: { key: "admin.users.unknown_user", vars: { id } },
          notice: null,
        };
      }
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
    case "balance": {
      const r = await adjustBalanceByAdmin(deps.db, {
        adminId,
        userId,
        deltaKopecks: a.deltaKopecks,
        comment: "console",
      });
      switch (r.outcome) {
        case "adjusted":
          return {
            outcome: a.deltaKopecks > 0 ? "credited" : "debited",
            result: {
              key: "admin.users.done_balance",
              vars: { balance: { kopecks: r.balanceAfter } },
            },
            notice: {
              kind: a.deltaKopecks > 0 ? "account_credited" : "account_debited",
              amountKopecks: Math.abs(a.deltaKopecks),
              balanceKopecks: r.balanceAfter,
            },
          };
        case "insufficient_balance":
          return {
            outcome: r.outcome,
            result: {
              key: "admin.users.insufficient_balance",
              vars: { balance: { kopecks: r.balanceKopecks } },
            },
            notice: null,
          };
        case "invalid_amount":
          return {
            outcome: r.outcome,
            result: { key: "admin.users.invalid_amount" },
            notice: null,
          };
        case "unknown_user":
          return {
            outcome: r.outcome,
            result: { key: "admin.users.unknown_user", vars: { id } },
            notice: null,
          };
      }
      break;
    }
    case "message": {
      // The message is the notice: sent now, audited with how it went.
      const sent = await send(userId, { kind: "operator_message", text: a.text });
      return {
        outcome: sent,
        result: { key: "admin.users.done_message", vars: { outcome: sent } },
        notice: null,
        audit: { action: "user.message", details: { text: a.text } },
      };
    }
  }
  throw new Error(`unhandled console action ${(a as UserAction).action}`);
}
