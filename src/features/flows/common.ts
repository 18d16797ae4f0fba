import type { MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import type { Config } from "../../config.js";
import type { DbAccess } from "../../db/pool.js";
import type { FinalizerDeps } from "../../domain/billing/finalizer.js";
import type { PromoAttemptLimit } from "../../domain/billing/promo.js";
import { type Provisioner, provisionAfterCommit } from "../../domain/subscriptions/after-commit.js";
import {
  type ProvisioningDeps,
  provisionSubscription,
} from "../../domain/subscriptions/provisioning.js";
import type { SubscriptionView } from "../../domain/subscriptions/view.js";
import type { I18n, MessageKey, MessageVar, MessageVars } from "../../locales/index.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";
import type { CryptoPayApi } from "../../payments/cryptopay.js";
import type { VpnApi } from "../../vpn/api.js";
import type { ContentSource } from "./content.js";

/** Tunables of the customer flows, from the configuration (`flowLimitsFrom`). */
export interface FlowLimits {
  /** Length of the free trial. */
  trialSeconds: number;
  /** A Stars or card invoice stays payable this long (pre-checkout refuses it afterwards). */
  invoiceTtlSeconds: number;
  /** A Crypto Pay invoice's `expires_in` (its purchase is payable as long). */
  cryptoInvoiceTtlSeconds: number;
  /** A customer may reissue their own key once per this many seconds. */
  reissueCooldownSeconds: number;
  /** The same plan bought from the balance again within this window is a double tap. */
  repeatPurchaseWindowSeconds: number;
  /** Refused promo codes a customer may type within a window (durable, across replicas). */
  promoAttempts: PromoAttemptLimit;
  /** Withdrawals start at this amount (SPEC: 500 ₽). */
  minWithdrawalKopecks: number;
  /** Operator content (settings) is re-read at most this often. */
  contentCacheMs: number;
  /** Pauses between attempts at recording a Telegram payment (Telegram sends it only once). */
  paymentRecordRetryPausesMs: readonly number[];
}

/** What every flow needs: the domain's database, the network clients, and the tunables. */
export interface FlowDeps {
  config: Config;
  db: DbAccess;
  logger: Logger;
  metrics: Metrics;
  vpn: VpnApi;
  /** Undefined when Crypto Pay is not configured: crypto is then not offered. */
  cryptopay: CryptoPayApi | undefined;
  provisioning: ProvisioningDeps;
  limits: FlowLimits;
  /** Renders texts that leave the chat (a Crypto Pay invoice's description). */
  i18n: I18n;
  /** Operator content and the incident banner (cached). */
  content: ContentSource;
}

export function msg(key: MessageKey, vars?: MessageVars): MessageRef {
  return vars ? { key, vars } : { key };
}

/** Another message rendered inside this one (a plan's name in a price line). */
function nested(key: MessageKey, vars?: MessageVars): MessageVar {
  return vars ? { msg: key, vars } : { msg: key };
}

export const planName = (plan: string): MessageVar => nested("plan.name", { id: plan });
export const planDescription = (plan: string): MessageVar =>
  nested("plan.description", { id: plan });
export const money = (kopecks: number): MessageVar => ({ kopecks });
/** The ends of an amount range; equal ends read as one amount ("exactly ₽500"). */
export const amountRange = (minKopecks: number, maxKopecks: number): MessageVars => ({
  min: money(minKopecks),
  max: money(maxKopecks),
  span: minKopecks === maxKopecks ? "one" : "many",
});

/** A button with callback data made by the target feature's codec (`BuyData.open()`). */
export const dataButton = (
  key: MessageKey,
  callbackData: string,
  vars?: MessageVars,
): ScreenButton => ({ label: msg(key, vars), callbackData });
export const urlButton = (key: MessageKey, url: string, vars?: MessageVars): ScreenButton => ({
  label: msg(key, vars),
  url,
});

/** Card payments need TG_PROVIDER_TOKEN; crypto needs Crypto Pay; Stars always work. */
export function offeredMethods(deps: FlowDeps): { card: boolean; crypto: boolean } {
  return { card: Boolean(deps.config.bot.providerToken), crypto: deps.cryptopay !== undefined };
}

/** The VPN side of provisioning, three-phase with no connection held (R2). */
function provisioner(deps: FlowDeps): Provisioner {
  return {
    provision: async (subscriptionId) => {
      await provisionSubscription(deps.provisioning, subscriptionId);
    },
  };
}

/** How long an invoice of this method stays payable (crypto has its own window). */
export function payableForSeconds(deps: FlowDeps, method: "stars" | "card" | "crypto"): number {
  return method === "crypto" ? deps.limits.cryptoInvoiceTtlSeconds : deps.limits.invoiceTtlSeconds;
}

/**
 * Puts the key on the VPN server now. A failure leaves the subscription pending for the
 * activation worker, which tells the customer when it is done.
 */
export function provisionNow(deps: FlowDeps, subscriptionId: number): Promise<void> {
  return provisionAfterCommit(provisioner(deps), deps.logger, subscriptionId);
}

export function finalizerDeps(deps: FlowDeps): FinalizerDeps {
  return {
    db: deps.db,
    metrics: deps.metrics,
    logger: deps.logger,
    provisioner: provisioner(deps),
  };
}

/** The subscription's state in one line (profile, buy screen). */
export function subscriptionLine(sub: SubscriptionView | undefined): MessageRef {
  if (!sub) return msg("subscription.none");
  if (!sub.live) return msg("subscription.expired", { expiresAt: sub.expiresAt });
  if (sub.status === "pending") return msg("subscription.pending", { expiresAt: sub.expiresAt });
  return msg(sub.isTrial ? "subscription.trial" : "subscription.active", {
    expiresAt: sub.expiresAt,
  });
}

/** The customer has no user row yet (wrote before /start). */
export function startFirst(): Screen {
  return { text: msg("error.start_first") };
}
