import type { Customer, MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import { quoteForCustomer } from "../../domain/billing/customer-pricing.js";
import { readProfile } from "../../domain/customers/screens.js";
import { setAutoRenew } from "../../domain/subscriptions/auto-renew.js";
import type { MessageVar } from "../../locales/index.js";
import { BuyData } from "../buy/codec.js";
import {
  dataButton,
  type FlowDeps,
  money,
  msg,
  planName,
  startFirst,
  subscriptionLine,
} from "../flows/common.js";
import { KeyData } from "../key/codec.js";
import { WalletData } from "../wallet/codec.js";
import { ProfileData } from "./codec.js";
import type { ProfilePort } from "./port.js";

/** Profile and auto-renewal (SPEC flows 4, 8). */

/** The profile port on the domain. */
export function profilePort(deps: FlowDeps): ProfilePort {
  return {
    open: (customer) => profileScreen(deps, customer),
    autoRenew: (customer, on) => autoRenewAction(deps, customer, on),
  };
}

/** Profile: balance, subscription state, auto-renewal, and where to go next. */
async function profileScreen(
  deps: FlowDeps,
  customer: Customer,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const read = await readProfile(deps.db, customer.telegramId);
  if (read === undefined) return startFirst();
  const { balanceKopecks: balance, subscription: sub } = read;
  const text: MessageRef[] = [
    ...notes,
    msg("profile.title", { id: String(customer.telegramId) }),
    msg("profile.balance", { balance: money(balance) }),
    subscriptionLine(sub),
  ];
  const buttons: ScreenButton[][] = [];
  const live = sub?.live ?? false;
  buttons.push(
    live
      ? [
          dataButton("profile.button_key", KeyData.open()),
          dataButton("profile.button_renew", BuyData.open()),
        ]
      : [dataButton("profile.button_buy", BuyData.open())],
  );
  buttons.push([
    dataButton("profile.button_topup", WalletData.topUp()),
    dataButton("profile.button_withdraw", WalletData.withdraw()),
  ]);
  if (sub && live) {
    if (sub.lastPlan !== null && sub.lastPeriodDays !== null) {
      if (!sub.isTrial) text.push(msg("profile.plan", { plan: planName(sub.lastPlan) }));
      text.push(
        sub.autoRenew
          ? msg("profile.auto_renew_on", { plan: planName(sub.lastPlan), days: sub.lastPeriodDays })
          : msg("profile.auto_renew_off"),
      );
      if (sub.autoRenew) {
        const shortfall = await renewalShortfall(
          deps,
          customer,
          sub.lastPlan,
          sub.lastPeriodDays,
          balance,
        );
        if (shortfall)
          text.push(msg("profile.auto_renew_short", { ...shortfall, expiresAt: sub.expiresAt }));
      }
      buttons.push([
        sub.autoRenew
          ? dataButton("profile.button_auto_off", ProfileData.autoRenew(false))
          : dataButton("profile.button_auto_on", ProfileData.autoRenew(true)),
      ]);
    } else {
      text.push(msg("profile.auto_renew_needs_plan"));
    }
  }
  return { text, buttons };
}

/**
 * What the next auto-renewal would cost (the plan's current price for this customer, no promo
 * code, as the renewal charges it) and how much of it the balance lacks; undefined when it is
 * covered or the plan is no longer sold.
 */
async function renewalShortfall(
  deps: FlowDeps,
  customer: Customer,
  plan: string,
  periodDays: number,
  balance: number,
): Promise<{ price: MessageVar; missing: MessageVar } | undefined> {
  const priced = await quoteForCustomer(deps.db, { userId: customer.telegramId, plan, periodDays });
  if (priced.outcome !== "ok" || balance >= priced.quote.amountKopecks) return undefined;
  return {
    price: money(priced.quote.amountKopecks),
    missing: money(priced.quote.amountKopecks - balance),
  };
}

/** The auto-renewal switch: explicit on/off, then the current profile. */
async function autoRenewAction(deps: FlowDeps, customer: Customer, on: boolean): Promise<Screen> {
  const result = await setAutoRenew(deps.db, customer.telegramId, on);
  const note =
    result.outcome === "set"
      ? msg(result.autoRenew ? "profile.auto_renew_set_on" : "profile.auto_renew_set_off")
      : result.outcome === "no_paid_plan"
        ? msg("profile.auto_renew_needs_plan")
        : msg("screen.refreshed");
  return profileScreen(deps, customer, [note]);
}
