import type { DbAccess, DbClient } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";
import { isInsufficientBalance } from "../pg-errors.js";
import { type Provisioner, provisionAfterCommit } from "../subscriptions/after-commit.js";
import { grantSubscriptionTime } from "../subscriptions/grants.js";
import { loadCustomerPricing, priceForCustomer } from "./customer-pricing.js";
import { debitSubscriptionPayment, getBalance } from "./ledger.js";
import {
  insertPayment,
  markPurchasePaid,
  type PaymentResult,
  readPaymentResult,
  reportPayment,
} from "./payments.js";
import { type PromoLookup, reservePromoUse } from "./promo.js";
import {
  cancelOtherPendingWithPromo,
  insertPurchase,
  type PurchaseSnapshot,
  promoRefusalOf,
} from "./purchases.js";

/**
 * Buying (or auto-renewing) a subscription from the balance: instant, so purchase, payment,
 * debit and grant are written in ONE transaction under the customer lock. Not enough money is
 * a result, not a crash. No cashback: balance money earned it when it was topped up.
 */

export interface BalancePurchaseDeps {
  db: DbAccess;
  provisioner: Provisioner;
  metrics: Metrics;
  logger: Logger;
}

export type BalancePurchaseInput =
  | {
      source: "customer";
      userId: number;
      plan: string;
      periodDays: number;
      promoCode?: string | null;
      /** The price on the button pressed: another price is refused (`price_changed`). */
      expectedKopecks?: number;
      /**
       * The same plan and period bought from the balance within this many seconds is taken as
       * a double tap (`repeated`). Checked under the customer lock, so it holds across replicas.
       */
      repeatWindowSeconds?: number;
    }
  | {
      /**
       * The auto-renewal worker: renews the last paid plan at its current price (with the
       * customer's current VIP/personal discount), only while auto-renew is on and the
       * subscription expires within `dueWithinSeconds` — re-checked under the lock, so a
       * renewal already made this cycle (by another iteration or replica) is never repeated.
       */
      source: "auto_renew";
      userId: number;
      dueWithinSeconds: number;
    };

export type BalancePurchaseResult =
  | { outcome: "paid"; payment: Extract<PaymentResult, { outcome: "granted" }> }
  | {
      outcome: "insufficient_balance";
      balanceKopecks: number;
      amountKopecks: number;
      missingKopecks: number;
    }
  | { outcome: "unknown_user" | "unknown_plan" | "unknown_period" }
  /** auto_renew only: auto-renewal is off, nothing to renew, or not due (already renewed). */
  | { outcome: "not_due" }
  /** customer only: the price is no longer the one shown; nothing charged. */
  | { outcome: "price_changed"; amountKopecks: number }
  /** customer only: the same thing was just bought from the balance (a double tap). */
  | { outcome: "repeated" }
  | { outcome: "promo_rejected"; reason: Exclude<PromoLookup["outcome"], "ok"> };

async function autoRenewPlan(
  client: DbClient,
  userId: number,
  dueWithinSeconds: number,
): Promise<{ plan: string; periodDays: number } | undefined> {
  const { rows } = await client.query<{ last_plan: string; last_period_days: number }>(
    `SELECT last_plan, last_period_days FROM subscriptions
      WHERE user_id = $1 AND auto_renew AND status IN ('pending', 'active')
        AND expires_at <= now() + make_interval(secs => $2)
      FOR UPDATE`,
    [userId, dueWithinSeconds],
  );
  const r = rows[0];
  return r ? { plan: r.last_plan, periodDays: r.last_period_days } : undefined;
}

async function boughtRecently(
  client: DbClient,
  input: { userId: number; plan: string; periodDays: number; withinSeconds: number },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM purchases
      WHERE user_id = $1 AND method = 'balance' AND status = 'paid'
        AND plan = $2 AND period_days = $3
        AND created_at > now() - make_interval(secs => $4)
      LIMIT 1`,
    [input.userId, input.plan, input.periodDays, input.withinSeconds],
  );
  return rowCount === 1;
}

async function buyInTx(
  client: DbClient,
  input: BalancePurchaseInput,
): Promise<BalancePurchaseResult> {
  // Locks the customer: balance purchases, grants and the trial of one customer serialise.
  const ctx = await loadCustomerPricing(client, input.userId, true);
  if (!ctx) return { outcome: "unknown_user" };
  let wanted: { plan: string; periodDays: number; promoCode: string | null };
  if (input.source === "auto_renew") {
    const plan = await autoRenewPlan(client, input.userId, input.dueWithinSeconds);
    if (!plan) return { outcome: "not_due" };
    wanted = { ...plan, promoCode: null };
  } else {
    wanted = { plan: input.plan, periodDays: input.periodDays, promoCode: input.promoCode ?? null };
    const window = input.repeatWindowSeconds ?? 0;
    const recent = {
      userId: input.userId,
      plan: wanted.plan,
      periodDays: wanted.periodDays,
      withinSeconds: window,
    };
    if (window > 0 && (await boughtRecently(client, recent))) return { outcome: "repeated" };
  }
  const priced = await priceForCustomer(
    client,
    ctx,
    input.userId,
    wanted.plan,
    wanted.periodDays,
    wanted.promoCode,
  );
  if (priced.outcome !== "ok") return priced;
  const q = priced.quote;
  if (
    input.source === "customer" &&
    input.expectedKopecks !== undefined &&
    input.expectedKopecks !== q.amountKopecks
  ) {
    return { outcome: "price_changed", amountKopecks: q.amountKopecks };
  }
  if (ctx.balanceKopecks < q.amountKopecks) {
    return {
      outcome: "insufficient_balance",
      balanceKopecks: ctx.balanceKopecks,
      amountKopecks: q.amountKopecks,
      missingKopecks: q.amountKopecks - ctx.balanceKopecks,
    };
  }
  const snapshot: PurchaseSnapshot = {
    userId: input.userId,
    kind: "subscription",
    method: "balance",
    quote: q,
    payableForSeconds: null,
  };
  const purchase = await insertPurchase(client, snapshot);
  if (q.promoCodeId !== null) {
    // An open invoice with the same code gives its reservation to this purchase.
    await cancelOtherPendingWithPromo(client, input.userId, q.promoCodeId, purchase.id);
    await reservePromoUse(client, q.promoCodeId, input.userId, purchase.id);
  }
  // The order the schema asks for: paid first, then the grant that checks it.
  await markPurchasePaid(client, purchase.id);
  const paymentId = await insertPayment(client, {
    purchaseId: purchase.id,
    userId: input.userId,
    provider: "balance",
    providerPaymentId: `purchase:${purchase.id}`,
    amountKopecks: q.amountKopecks,
    starsAmount: null,
    currency: "RUB",
    raw: null,
    resolution: { purchase_id: purchase.id, late: false, alert: null },
  });
  if (q.amountKopecks > 0) {
    await debitSubscriptionPayment(client, input.userId, purchase.id, q.amountKopecks);
  }
  await grantSubscriptionTime(client, {
    userId: input.userId,
    kind: input.source === "auto_renew" ? "auto_renew" : "purchase",
    seconds: q.periodDays * 86_400,
    purchaseId: purchase.id,
    plan: { plan: q.plan, periodDays: q.periodDays },
  });
  const payment = await readPaymentResult(client, paymentId);
  if (payment.outcome !== "granted") {
    throw new Error(`balance purchase ${purchase.id} read back as ${payment.outcome}`);
  }
  return { outcome: "paid", payment };
}

/** Buys (or auto-renews) from the balance; provisions after commit. */
export async function purchaseWithBalance(
  deps: BalancePurchaseDeps,
  input: BalancePurchaseInput,
): Promise<BalancePurchaseResult> {
  let result: BalancePurchaseResult;
  try {
    result = await deps.db.tx("purchase_balance", (client) => buyInTx(client, input));
  } catch (err) {
    const promoRefusal = promoRefusalOf(err);
    if (promoRefusal) {
      result = { outcome: "promo_rejected", reason: promoRefusal };
    } else if (isInsufficientBalance(err)) {
      // Unreachable under the customer lock; kept so an overdraft is never a crash.
      const balance = (await getBalance(deps.db, input.userId)) ?? 0;
      result = {
        outcome: "insufficient_balance",
        balanceKopecks: balance,
        amountKopecks: 0,
        missingKopecks: 0,
      };
    } else {
      throw err;
    }
  }
  const paid = result.outcome === "paid" ? result.payment : undefined;
  if (result.outcome !== "not_due") {
    reportPayment(deps, {
      method: "balance",
      outcome: paid ? "granted" : result.outcome,
      purchaseId: paid?.purchaseId ?? null,
      userId: input.userId,
      paymentId: paid?.paymentId,
      amountKopecks: paid?.amountKopecks,
    });
  }
  if (paid) await provisionAfterCommit(deps.provisioner, deps.logger, paid.subscriptionId);
  return result;
}
