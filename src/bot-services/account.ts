import type { Customer, MessageRef, Screen, ScreenButton } from "../bot/services.js";
import { quoteForCustomer } from "../domain/billing/customer-pricing.js";
import { referralStats } from "../domain/billing/referrals.js";
import { readProfile } from "../domain/customers/screens.js";
import {
  activateTrial,
  getSubscription,
  liveKey,
  reissueKey,
  reissueProgress,
  setAutoRenew,
  trialEligibility,
} from "../domain/subscriptions/subscriptions.js";
import { clientAppRows } from "../features/info/screens.js";
import type { MessageVar } from "../locales/index.js";
import { linkKindOf } from "../vpn/api.js";
import {
  actionButton,
  dataButton,
  type FlowDeps,
  flowButton,
  money,
  msg,
  planName,
  provisionNow,
  startFirst,
  subscriptionLine,
  urlButton,
} from "./common.js";

/** Profile, auto-renewal, key and reissue, trial, referral program (SPEC flows 4, 7, 8, 11). */

/** Profile: balance, subscription state, auto-renewal, and where to go next. */
export async function profileScreen(
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
      ? [flowButton("profile.button_key", "key"), flowButton("profile.button_renew", "buy")]
      : [flowButton("profile.button_buy", "buy")],
  );
  buttons.push([
    flowButton("profile.button_topup", "topup"),
    flowButton("profile.button_withdraw", "withdraw"),
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
          ? actionButton("profile.button_auto_off", { type: "auto_renew", on: false })
          : actionButton("profile.button_auto_on", { type: "auto_renew", on: true }),
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
export async function autoRenewAction(
  deps: FlowDeps,
  customer: Customer,
  on: boolean,
): Promise<Screen> {
  const result = await setAutoRenew(deps.db, customer.telegramId, on);
  const note =
    result.outcome === "set"
      ? msg(result.autoRenew ? "profile.auto_renew_set_on" : "profile.auto_renew_set_off")
      : result.outcome === "no_paid_plan"
        ? msg("profile.auto_renew_needs_plan")
        : msg("screen.refreshed");
  return profileScreen(deps, customer, [note]);
}

/**
 * The key: the vless:// link as copyable text and as a QR code, app links, reissue; or
 * "activation pending"; or how to get one. `lead` comes first (a payment, a reissue); the
 * expiry is repeated unless the lead already says it.
 */
export async function keyScreen(
  deps: FlowDeps,
  customer: Customer,
  lead: MessageRef[] = [],
  withExpiry = lead.length === 0,
  reissueWaitSeconds?: number,
): Promise<Screen> {
  const sub = await getSubscription(deps.db, customer.telegramId);
  const link = liveKey(sub);
  if (sub && link) {
    const { content: operator } = await deps.content();
    // A panel's subscription URL: one tap in the apps; its page lists the apps per platform.
    const subscription = linkKindOf(link) === "subscription";
    // During the reissue cool-down the button is replaced by when it is available again.
    const wait = reissueWaitSeconds ?? cooldownLeftSeconds(sub.keyReissuedAt, deps);
    const reissue: ScreenButton[][] =
      wait > 0
        ? []
        : [[actionButton("key.button_reissue", { type: "key_reissue", confirmed: false })]];
    return {
      text: [
        ...lead,
        msg("key.title"),
        ...(withExpiry ? [msg("key.active_until", { expiresAt: sub.expiresAt })] : []),
        msg("key.link", { link }),
        msg(subscription ? "key.hint_subscription" : "key.hint"),
        ...(wait > 0
          ? [msg("key.reissue_cooldown", { minutes: Math.max(1, Math.ceil(wait / 60)) })]
          : []),
      ],
      qrCode: link,
      buttons: [
        ...(subscription ? [[urlButton("key.button_open_subscription", link)]] : []),
        ...(deps.vpn.devices ? [[dataButton("devices.button", "dv")]] : []), // src/features/devices
        ...clientAppRows(operator.apps ?? {}).map((row) =>
          row.map(({ label, url }) => urlButton(label, url)),
        ),
        [dataButton("key.button_instructions", "instructions")],
        ...reissue,
      ],
    };
  }
  if (sub?.live) {
    return {
      text: [...lead, msg("key.title"), msg("key.pending", { expiresAt: sub.expiresAt })],
      buttons: [
        [flowButton("key.button_refresh", "key")],
        [dataButton("key.button_instructions", "instructions")],
      ],
    };
  }
  const buttons: ScreenButton[][] = [[flowButton("key.button_buy", "buy")]];
  if (!sub) {
    const trial = await trialEligibility(deps.db, customer.telegramId);
    if (trial.eligible) {
      buttons.unshift([
        flowButton("menu.trial", "trial", { days: deps.limits.trialSeconds / 86_400 }),
      ]);
    }
  }
  return {
    text: [...lead, sub ? msg("key.expired", { expiresAt: sub.expiresAt }) : msg("key.none")],
    buttons,
  };
}

/** Seconds until the customer may reissue their key again (0: now). */
function cooldownLeftSeconds(reissuedAt: Date | null, deps: FlowDeps): number {
  if (!reissuedAt) return 0;
  const until = reissuedAt.getTime() + deps.limits.reissueCooldownSeconds * 1000;
  return Math.max(0, Math.ceil((until - Date.now()) / 1000));
}

/**
 * Reissue: ask first; then the domain swaps the UUID (cool-down, compare-and-set); with no
 * connection held the old UUID is removed from the VPN server and the new key provisioned.
 */
export async function reissueAction(
  deps: FlowDeps,
  customer: Customer,
  confirmed: boolean,
): Promise<Screen> {
  const minutes = Math.ceil(deps.limits.reissueCooldownSeconds / 60);
  if (!confirmed) {
    return {
      text: msg("key.reissue_confirm", { minutes }),
      buttons: [
        [actionButton("key.button_reissue_confirm", { type: "key_reissue", confirmed: true })],
        [flowButton("nav.back", "key")],
      ],
    };
  }
  const result = await reissueKey(deps.db, customer.telegramId, deps.limits.reissueCooldownSeconds);
  if (result.outcome === "cooldown") {
    // A stale button: the key screen, saying (as the database counted it) when it is possible.
    return keyScreen(deps, customer, [], true, result.retryAfterSeconds);
  }
  if (result.outcome === "no_live_subscription") return keyScreen(deps, customer);
  deps.logger.info(
    { user_id: customer.telegramId, subscription_id: result.subscriptionId },
    "customer reissued their key",
  );
  // Provisioning takes the old key off first and issues the new one only once that is
  // confirmed; the customer is told which of the two has happened.
  await provisionNow(deps, result.subscriptionId);
  const progress = await reissueProgress(deps.db, result.subscriptionId);
  if (progress.newKeyLive) return keyScreen(deps, customer, [msg("key.reissued")], true);
  return keyScreen(
    deps,
    customer,
    [msg(progress.oldKeysRemoved ? "key.reissue_new_pending" : "key.reissue_old_still_live")],
    true,
  );
}

/**
 * The trial: the domain re-checks eligibility under the customer lock (a stale button pressed
 * after paying changes nothing), then the key is provisioned at once.
 */
export async function trialAction(deps: FlowDeps, customer: Customer): Promise<Screen> {
  const result = await activateTrial(deps.db, customer.telegramId, deps.limits.trialSeconds);
  if (result.outcome === "activated") {
    deps.logger.info({ user_id: customer.telegramId }, "trial activated");
    await provisionNow(deps, result.subscriptionId);
    return keyScreen(deps, customer, [msg("trial.activated", { expiresAt: result.expiresAt })]);
  }
  if (result.reason === "unknown_user") return startFirst();
  const sub = await getSubscription(deps.db, customer.telegramId);
  const buttons: ScreenButton[][] = [];
  if (sub?.live) buttons.push([flowButton("profile.button_key", "key")]);
  buttons.push([flowButton(sub?.live ? "profile.button_renew" : "profile.button_buy", "buy")]);
  return {
    text: [msg("trial.unavailable", { reason: result.reason }), subscriptionLine(sub)],
    buttons,
  };
}

/** The referral program: personal link, counts, tier, earnings (SPEC flow 11). */
export async function referralScreen(deps: FlowDeps, customer: Customer): Promise<Screen> {
  const stats = await referralStats(deps.db, customer.telegramId);
  const link = referralLink(customer);
  return {
    text: [
      msg("referral.title"),
      msg("referral.about", {
        percent: stats.percent,
        min: money(deps.limits.minWithdrawalKopecks),
      }),
      msg("referral.link", { link }),
      msg("referral.stats", {
        invited: stats.invited,
        paying: stats.paying,
        tier: stats.tier,
        percent: stats.percent,
        earned: money(stats.totalEarnedKopecks),
      }),
      stats.nextTierAt === null
        ? msg("referral.top_tier")
        : msg("referral.next_tier", { next: stats.nextTierAt }),
    ],
    buttons: [
      [
        urlButton(
          "referral.button_share",
          `https://t.me/share/url?url=${encodeURIComponent(link)}`,
        ),
      ],
      [flowButton("referral.button_withdraw", "withdraw")],
    ],
  };
}

export function referralLink(customer: Customer): string {
  return `https://t.me/${customer.botUsername}?start=ref_${customer.telegramId}`;
}
