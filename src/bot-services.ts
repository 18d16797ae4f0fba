import type { BotServices } from "./bot/services.js";
import type { Config } from "./config.js";
import type { Db } from "./db/pool.js";
import { textFor } from "./domain/content/operator-content.js";
import { registerOnStartWithTrial } from "./domain/customers/screens.js";
import * as users from "./domain/customers/users.js";
import { claimTtlFor, type ProvisioningDeps } from "./domain/subscriptions/provisioning.js";
import { trialEligibility } from "./domain/subscriptions/trial.js";
import { buyPort } from "./features/buy/flow.js";
import { paymentsPort } from "./features/buy/payments.js";
import type { FlowDeps, FlowLimits } from "./features/flows/common.js";
import { cachedContent } from "./features/flows/content.js";
import { keyPort } from "./features/key/flow.js";
import { profilePort } from "./features/profile/flow.js";
import { referralPort } from "./features/referral/flow.js";
import { trialPort } from "./features/trial/flow.js";
import { walletPort } from "./features/wallet/flow.js";
import { I18n, LOCALES } from "./locales/index.js";
import { type Logger, silentLogger } from "./logger.js";
import { createMetrics, type Metrics } from "./ops/metrics.js";
import type { CryptoPayApi } from "./payments/cryptopay.js";
import { replicaName } from "./util/replica.js";
import { UnconfiguredVpnApi, type VpnApi } from "./vpn/api.js";

export type { FlowLimits } from "./features/flows/common.js";

/** The flows' tunables as configured (TRIAL_DAYS, KEY_REISSUE_COOLDOWN_SECONDS, …). */
export function flowLimitsFrom(config: Config): FlowLimits {
  const b = config.business;
  return {
    trialSeconds: b.trialDays * 86_400,
    invoiceTtlSeconds: b.invoiceTtlSeconds,
    cryptoInvoiceTtlSeconds: b.cryptoInvoiceTtlSeconds,
    reissueCooldownSeconds: b.keyReissueCooldownSeconds,
    repeatPurchaseWindowSeconds: b.repeatPurchaseWindowSeconds,
    promoAttempts: { maxRefusals: b.promoAttemptsMax, windowSeconds: b.promoAttemptsWindowSeconds },
    minWithdrawalKopecks: b.withdrawalMinKopecks,
    contentCacheMs: b.settingsCacheMs,
    paymentRecordRetryPausesMs: [500, 1_500, 4_000],
  };
}

/**
 * What the flows need. The composition root passes everything; the optional parts have safe
 * fallbacks only so that a bare `{ config, db }` still builds (then keys wait for the
 * activation worker, crypto is not offered, and the flows' logs and payment metrics are lost).
 */
export interface BotServicesDeps {
  config: Config;
  db: Db;
  logger?: Logger;
  /** For `payments_total` (the finalizer and balance purchases). */
  metrics?: Metrics;
  /** `network.vpn`: keys are provisioned right after a payment, trial or reissue. */
  vpn?: VpnApi;
  /** `network.cryptopay`; undefined when CRYPTOPAY_TOKEN is not set (crypto not offered). */
  cryptopay?: CryptoPayApi | undefined;
  /** Defaults to provisioning on `db` (handler checkouts) as this replica's "bot". */
  provisioning?: ProvisioningDeps;
  /** Overrides of the configured limits (tests). */
  limits?: Partial<FlowLimits>;
}

/**
 * The bot's ports implemented with the domain (the bot never imports the domain itself). Each
 * customer flow's port is built by its feature folder (src/features/<feature>/flow.ts); this
 * wires them together with the users, menu and info ports.
 */
export function createBotServices(deps: BotServicesDeps): BotServices {
  const { db, config } = deps;
  const logger = (deps.logger ?? silentLogger()).child({ component: "flows" });
  const vpn = deps.vpn ?? new UnconfiguredVpnApi();
  const limits = { ...flowLimitsFrom(config), ...deps.limits };
  const flow: FlowDeps = {
    config,
    db,
    logger,
    metrics: deps.metrics ?? createMetrics(),
    vpn,
    cryptopay: deps.cryptopay,
    provisioning: deps.provisioning ?? {
      db,
      vpn,
      logger: logger.child({ component: "provisioning" }),
      claimant: `${replicaName()}:bot`,
      claimTtlMs: claimTtlFor(config.vpn.timeoutMs),
    },
    limits,
    i18n: new I18n(LOCALES),
    content: cachedContent(db, limits.contentCacheMs, logger),
  };
  const { content } = flow;

  return {
    users: {
      async registerOnStart(input) {
        const started = await registerOnStartWithTrial(db, {
          telegramId: input.telegramId,
          username: input.username,
          firstName: input.firstName,
          referrerId: input.referrerTelegramId ?? null,
        });
        const trial = started.trial;
        const attached = started.referrer === "attached" ? started.user.referrerId : null;
        return {
          isNew: started.created,
          referrerAttached: attached !== null,
          ...(attached !== null ? { referrerTelegramId: attached } : {}),
          language: started.user.languageCode,
          trialEligible: trial.eligible,
        };
      },
      async setLanguage(id, language) {
        await users.setLanguage(db, id, language);
      },
      languageOf: (id) => users.languageOf(db, id),
      markUnreachable: (id) => users.markUnreachable(db, id),
      markReachable: (id) => users.markReachable(db, id),
      rowsInDatabase: true,
    },
    menu: {
      async state(customer, known) {
        // One connection at a time per update: handlers leave the pool to everyone else.
        const trialEligible =
          known?.trialEligible ?? (await trialEligibility(db, customer.telegramId)).eligible;
        const settings = await content();
        return {
          trialEligible,
          trialDays: limits.trialSeconds / 86_400,
          incidentBanner: settings.incidentBanner,
        };
      },
    },
    info: {
      async info(customer) {
        const { content: c } = await content();
        const text = (t: Parameters<typeof textFor>[0]) => textFor(t, customer.language);
        return {
          supportContact: c.supportContact ?? null,
          apps: c.apps ?? {},
          privacyPolicyUrl: c.privacyPolicyUrl ?? null,
          texts: {
            instructions: text(c.texts?.instructions),
            support: text(c.texts?.support),
            about: text(c.texts?.about),
            privacy: text(c.texts?.privacy),
          },
        };
      },
    },
    buy: buyPort(flow),
    key: keyPort(flow),
    profile: profilePort(flow),
    referral: referralPort(flow),
    wallet: walletPort(flow),
    trial: trialPort(flow),
    payments: paymentsPort(flow),
  };
}
