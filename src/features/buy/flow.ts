import type {
  Customer,
  FlowSession,
  MessageRef,
  PayMethod,
  Screen,
  ScreenButton,
} from "../../bot/services.js";
import { purchaseWithBalance } from "../../domain/billing/balance-purchase.js";
import { priceListForCustomer, quoteForCustomer } from "../../domain/billing/customer-pricing.js";
import type { Quote } from "../../domain/billing/pricing.js";
import { attemptPromoCode, type PromoLookup } from "../../domain/billing/promo.js";
import { createPurchase } from "../../domain/billing/purchases.js";
import { readProfile } from "../../domain/customers/screens.js";
import { getSubscription } from "../../domain/subscriptions/view.js";
import type { MessageVar, MessageVars } from "../../locales/index.js";
import { checkoutScreen } from "../flows/checkout.js";
import {
  dataButton,
  type FlowDeps,
  finalizerDeps,
  money,
  msg,
  offeredMethods,
  payableForSeconds,
  planDescription,
  planName,
  startFirst,
} from "../flows/common.js";
import { keyScreen } from "../key/flow.js";
import { WalletData } from "../wallet/codec.js";
import { BuyData, BuyPrompts } from "./codec.js";
import type { BuyPort } from "./port.js";

/** The buy port on the domain. */
export function buyPort(deps: FlowDeps): BuyPort {
  return {
    open: (customer, session) => buyScreen(deps, customer, session),
    plan: (customer, session, plan) => planScreen(deps, customer, session, plan),
    period: (customer, session, plan, days) => periodScreen(deps, customer, session, plan, days),
    pay: (customer, session, choice) => payAction(deps, customer, session, choice),
    promoPrompt: async () => promoPrompt(),
    promoClear: (customer) => promoClear(deps, customer),
    promoAnswer: (customer, text) => promoInput(deps, customer, text),
  };
}

/**
 * Buy / renew (SPEC flows 5, 6): plan → period → payment method → result, every price with the
 * customer's discount (promo code, VIP or personal), and a promo code entry. Each pay button
 * carries the price it shows; a different price now (the session's promo code expired, the
 * catalog changed) is shown again instead of charged.
 */

type PromoRejection = Exclude<PromoLookup["outcome"], "ok">;

/** The plans, each from its lowest price, with the discount that applies. */
async function buyScreen(
  deps: FlowDeps,
  customer: Customer,
  session: FlowSession,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const userId = customer.telegramId;
  let promoCode = session.promoCode;
  let list = await priceListForCustomer(deps.db, userId, promoCode);
  const extra: Partial<Screen> = {};
  if (list.outcome === "promo_rejected") {
    // The code stopped being usable (used up, expired): say so and show the prices without it.
    notes = [...notes, promoRejected(list.reason)];
    promoCode = null;
    extra.remember = { promoCode: null };
    list = await priceListForCustomer(deps.db, userId, null);
  }
  if (list.outcome !== "ok") return startFirst();
  const sub = await getSubscription(deps.db, userId);

  const text: MessageRef[] = [...notes, msg("buy.title")];
  if (sub?.live) text.push(msg("buy.renewal", { expiresAt: sub.expiresAt }));
  const buttons: ScreenButton[][] = [];
  let discount: MessageRef | undefined;
  for (const { plan, quotes } of list.plans) {
    const cheapest = quotes.reduce<Quote | undefined>(
      (min, q) => (min === undefined || q.amountKopecks < min.amountKopecks ? q : min),
      undefined,
    );
    if (!cheapest) continue;
    discount ??= discountLine(cheapest, promoCode);
    text.push(
      msg("buy.plan_line", {
        plan: planName(plan),
        description: planDescription(plan),
        price: money(cheapest.amountKopecks),
      }),
    );
    buttons.push([
      dataButton("buy.plan_button", BuyData.plan(plan), {
        plan: planName(plan),
        price: money(cheapest.amountKopecks),
      }),
    ]);
  }
  if (discount) text.push(discount);
  text.push(msg("buy.choose_plan"));
  buttons.push([
    promoCode
      ? dataButton("buy.button_promo_clear", BuyData.promoClear(), { code: promoCode })
      : dataButton("buy.button_promo", BuyData.promoEnter()),
  ]);
  return { text, buttons, ...extra };
}

/** The periods of one plan, with their prices. */
async function planScreen(
  deps: FlowDeps,
  customer: Customer,
  session: FlowSession,
  plan: string,
): Promise<Screen> {
  const list = await priceListForCustomer(deps.db, customer.telegramId, session.promoCode);
  const quotes = list.outcome === "ok" ? list.plans.find((p) => p.plan === plan)?.quotes : [];
  if (list.outcome !== "ok" || !quotes || quotes.length === 0) {
    return buyScreen(deps, customer, session, [msg("screen.refreshed")]);
  }
  const first = quotes[0];
  const discount = first ? discountLine(first, session.promoCode) : undefined;
  return {
    text: [
      msg("buy.plan_title", { plan: planName(plan), description: planDescription(plan) }),
      ...limitLines(list.plans.find((p) => p.plan === plan)?.limits),
      ...(discount ? [discount] : []),
      msg("buy.choose_period"),
    ],
    buttons: [
      ...quotes.map((q) => [
        dataButton(
          q.discountSource !== "none" ? "buy.period_button_discounted" : "buy.period_button",
          BuyData.period(plan, q.periodDays),
          { days: q.periodDays, price: money(q.amountKopecks), off: discountOff(q) },
        ),
      ]),
      [dataButton("nav.back", BuyData.open())],
    ],
  };
}

/** One plan and period: the price, what it buys, and how to pay. */
async function periodScreen(
  deps: FlowDeps,
  customer: Customer,
  session: FlowSession,
  plan: string,
  days: number,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const userId = customer.telegramId;
  const priced = await quoteForCustomer(deps.db, {
    userId,
    plan,
    periodDays: days,
    promoCode: session.promoCode,
  });
  if (priced.outcome === "promo_rejected") return dropPromo(deps, customer, priced.reason);
  if (priced.outcome === "unknown_user") return startFirst();
  if (priced.outcome !== "ok") return buyScreen(deps, customer, session, [msg("screen.refreshed")]);
  const q = priced.quote;
  const read = await readProfile(deps.db, userId);
  const balance = read?.balanceKopecks;
  const sub = read?.subscription;
  // Renewal adds the days to max(expires_at, now): the same arithmetic as the grant, for display.
  const from = sub?.live ? sub.expiresAt.getTime() : Date.now();
  const until = new Date(from + days * 86_400_000);
  const vars: MessageVars = { plan: planName(plan), days };
  const text: MessageRef[] = [
    ...notes,
    msg("buy.summary", vars),
    q.discountSource !== "none"
      ? msg("buy.price_discounted", {
          base: money(q.baseKopecks),
          price: money(q.amountKopecks),
          off: discountOff(q),
        })
      : msg("buy.price", { price: money(q.amountKopecks) }),
    msg("buy.until", { expiresAt: until }),
    msg("buy.balance", { balance: money(balance ?? 0) }),
    msg("buy.choose_method"),
  ];
  const pay = (method: PayMethod, shown: number) => BuyData.pay(plan, days, method, shown);
  const buttons: ScreenButton[][] = [];
  if (q.amountKopecks === 0) {
    buttons.push([dataButton("buy.method_free", pay("balance", 0))]);
  } else {
    const methods = offeredMethods(deps);
    const price = money(q.amountKopecks);
    buttons.push([dataButton("buy.method_balance", pay("balance", q.amountKopecks), { price })]);
    if (q.starsAmount > 0) {
      buttons.push([
        dataButton("buy.method_stars", pay("stars", q.starsAmount), { stars: q.starsAmount }),
      ]);
    }
    if (methods.card) {
      buttons.push([dataButton("buy.method_card", pay("card", q.amountKopecks), { price })]);
    }
    if (methods.crypto) {
      buttons.push([dataButton("buy.method_crypto", pay("crypto", q.amountKopecks), { price })]);
    }
  }
  buttons.push([dataButton("nav.back", BuyData.plan(plan))]);
  return { text, buttons };
}

/** The customer chose how to pay. */
async function payAction(
  deps: FlowDeps,
  customer: Customer,
  session: FlowSession,
  action: { plan: string; days: number; method: PayMethod; shown: number },
): Promise<Screen> {
  const { plan, days, method, shown } = action;
  const userId = customer.telegramId;
  const again = (note: MessageRef) => periodScreen(deps, customer, session, plan, days, [note]);
  const methods = offeredMethods(deps);
  if ((method === "card" && !methods.card) || (method === "crypto" && !methods.crypto)) {
    return again(msg("payment.method_unavailable"));
  }

  if (method === "balance") {
    // Both checks run under the customer lock in the purchase's transaction.
    const result = await purchaseWithBalance(finalizerDeps(deps), {
      source: "customer",
      userId,
      plan,
      periodDays: days,
      promoCode: session.promoCode,
      expectedKopecks: shown,
      repeatWindowSeconds: deps.limits.repeatPurchaseWindowSeconds,
    });
    switch (result.outcome) {
      case "repeated":
        deps.logger.info({ user_id: userId, plan, days }, "repeated balance purchase ignored");
        return keyScreen(
          deps,
          customer,
          [msg("buy.already_paid", { seconds: deps.limits.repeatPurchaseWindowSeconds })],
          true,
        );
      case "price_changed":
        return again(msg("buy.price_changed"));
      case "paid": {
        const { expiresAt, amountKopecks, balanceAfter } = result.payment;
        const paid =
          amountKopecks === 0
            ? msg("buy.paid_free", { source: session.promoCode ? "promo" : "discount", expiresAt })
            : msg("buy.paid_balance", { expiresAt, balance: money(balanceAfter ?? 0) });
        const screen = await keyScreen(deps, customer, [paid]);
        return { ...screen, remember: { promoCode: null } };
      }
      case "insufficient_balance":
        return {
          text: msg("buy.insufficient", {
            price: money(result.amountKopecks),
            balance: money(result.balanceKopecks),
            missing: money(result.missingKopecks),
          }),
          buttons: [
            [dataButton("buy.button_topup", WalletData.topUp())],
            [dataButton("buy.button_other_method", BuyData.period(plan, days))],
          ],
        };
      case "promo_rejected":
        return dropPromo(deps, customer, result.reason);
      case "unknown_user":
        return startFirst();
      default:
        return buyScreen(deps, customer, session, [msg("screen.refreshed")]);
    }
  }

  const created = await createPurchase(
    deps.db,
    {
      kind: "subscription",
      userId,
      plan,
      periodDays: days,
      method,
      promoCode: session.promoCode,
      expectedAmount: shown,
      repeatWindowSeconds: deps.limits.repeatPurchaseWindowSeconds,
    },
    payableForSeconds(deps, method),
  );
  const notes: MessageRef[] = [];
  switch (created.outcome) {
    case "created":
      break;
    case "open":
      deps.logger.info(
        { user_id: userId, purchase_id: created.purchase.id, method, plan, days },
        "repeated checkout: the open invoice is shown again",
      );
      notes.push(msg("buy.invoice_still_open"));
      break;
    case "in_flight":
      return {
        text: msg("buy.invoice_in_flight"),
        buttons: [[dataButton("buy.button_other_method", BuyData.period(plan, days))]],
      };
    case "price_changed":
      return again(msg("buy.price_changed"));
    case "zero_amount":
      return periodScreen(deps, customer, session, plan, days);
    case "promo_rejected":
      return dropPromo(deps, customer, created.reason);
    case "unknown_user":
      return startFirst();
    default:
      return buyScreen(deps, customer, session, [msg("screen.refreshed")]);
  }
  const purchase = created.purchase;
  if (created.outcome === "created") {
    deps.logger.info(
      { user_id: userId, purchase_id: purchase.id, method, plan, days },
      "checkout started",
    );
  }
  const vars: MessageVars = { plan: planName(plan), days };
  return checkoutScreen(
    deps,
    customer,
    purchase,
    {
      title: msg("invoice.title", vars),
      description: msg("invoice.description", vars),
      priceLabel: msg("invoice.label", vars),
      notes,
      telegramLead:
        method === "stars"
          ? msg("buy.invoice_ready_stars", { stars: shown })
          : msg("buy.invoice_ready_card", { price: money(shown) }),
      cryptoLead: msg("buy.crypto_invoice", {
        price: money(purchase.amountKopecks),
        minutes: minutesLeft(purchase),
      }),
    },
    dataButton("buy.button_other_method", BuyData.period(plan, days)),
  );
}

/** Whole minutes until the purchase stops being payable (at least 1). */
function minutesLeft(purchase: { expiresAt: Date | null }): number {
  const ms = (purchase.expiresAt?.getTime() ?? Date.now()) - Date.now();
  return Math.max(1, Math.round(ms / 60_000));
}

/** "Send the promo code": the next text message is the code. */
function promoPrompt(notes: MessageRef[] = []): Screen {
  return {
    text: [...notes, msg("buy.promo_prompt")],
    buttons: [[dataButton("nav.cancel", BuyData.open())]],
    awaitInput: BuyPrompts.promoCode(),
  };
}

/**
 * A typed promo code: accepted (prices re-shown with it) or refused (asked again) — until too
 * many were refused lately (`limits.promoAttempts`): then the customer is told when to try again.
 */
async function promoInput(deps: FlowDeps, customer: Customer, text: string): Promise<Screen> {
  const code = text.trim();
  const found = await attemptPromoCode(
    deps.db,
    code,
    customer.telegramId,
    deps.limits.promoAttempts,
  );
  if (found.outcome === "rate_limited") {
    deps.logger.info(
      { user_id: customer.telegramId, retry_after_s: found.retryAfterSeconds },
      "promo code attempts rate-limited",
    );
    return {
      text: msg("buy.promo_rate_limited", {
        minutes: Math.ceil(found.retryAfterSeconds / 60),
      }),
      buttons: [[dataButton("nav.back", BuyData.open())]],
    };
  }
  if (found.outcome !== "ok") return promoPrompt([promoRejected(found.outcome)]);
  const promoCode = found.promo.code;
  const screen = await buyScreen(deps, customer, { promoCode }, [
    msg("buy.promo_applied", { code: promoCode, off: promoOff(found.promo) }),
    ...(found.promo.plan ? [msg("buy.promo_plan_only", { plan: planName(found.promo.plan) })] : []),
  ]);
  return { ...screen, remember: { promoCode } };
}

async function promoClear(deps: FlowDeps, customer: Customer): Promise<Screen> {
  const screen = await buyScreen(deps, customer, { promoCode: null }, [msg("buy.promo_removed")]);
  return { ...screen, remember: { promoCode: null } };
}

/** The session's promo code can no longer be used: forget it and show plain prices. */
async function dropPromo(
  deps: FlowDeps,
  customer: Customer,
  reason: PromoRejection,
): Promise<Screen> {
  const screen = await buyScreen(deps, customer, { promoCode: null }, [promoRejected(reason)]);
  return { ...screen, remember: { promoCode: null } };
}

function promoRejected(reason: PromoRejection): MessageRef {
  return msg("buy.promo_rejected", { reason });
}

/** The one discount in force, by source (SPEC: promo, then VIP, then personal). */
function discountLine(q: Quote, promoCode: string | null): MessageRef | undefined {
  if (q.discountSource === "none") return undefined;
  return msg("buy.discount", {
    source: q.discountSource,
    off: discountOff(q),
    code: promoCode ?? "",
  });
}

/** What a discount takes off, as shown after "−": a percent or a ruble amount. */
function discountOff(q: Quote): MessageVar {
  return q.discountKopecks > 0 ? money(q.discountKopecks) : `${q.discountPercent}%`;
}

function promoOff(promo: { percent: number | null; amountOffKopecks: number | null }): MessageVar {
  return promo.amountOffKopecks !== null ? money(promo.amountOffKopecks) : `${promo.percent}%`;
}

/** A plan's device and traffic limits (enforced by the VPN panel), one line each. */
function limitLines(
  limits: { devices?: number; trafficGb?: number; trafficReset: string } | undefined,
) {
  return [
    ...(limits?.devices ? [msg("plan.limit_devices", { devices: limits.devices })] : []),
    ...(limits?.trafficGb
      ? [msg("plan.limit_traffic", { gb: limits.trafficGb, reset: limits.trafficReset })]
      : []),
  ];
}
