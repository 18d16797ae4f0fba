import type { BotServices, Screen } from "./bot/services.js";
import type { Config } from "./config.js";
import type { Db } from "./db/pool.js";
import { TRIAL_SECONDS, trialEligibility } from "./domain/subscriptions.js";
import * as users from "./domain/users.js";

const unavailable = async (): Promise<Screen> => ({ text: { key: "unavailable" } });

/** The bot's ports implemented with the domain (the bot never imports the domain itself). */
export function createBotServices(deps: { config: Config; db: Db }): BotServices {
  const { db } = deps;
  return {
    users: {
      async registerOnStart(input) {
        const started = await users.registerOnStart(db, {
          telegramId: input.telegramId,
          username: input.username,
          firstName: input.firstName,
          referrerId: input.referrerTelegramId ?? null,
        });
        const trial = await trialEligibility(db, input.telegramId);
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
    },
    menu: {
      async state(customer) {
        const trial = await trialEligibility(db, customer.telegramId);
        return {
          trialEligible: trial.eligible,
          trialDays: TRIAL_SECONDS / 86_400,
          incidentBanner: null,
        };
      },
    },
    info: {
      info: async () => ({
        supportContact: null,
        apps: {},
        privacyPolicyUrl: null,
        texts: { instructions: null, support: null, about: null, privacy: null },
      }),
    },
    flows: {
      profile: unavailable,
      buy: unavailable,
      key: unavailable,
      referral: unavailable,
      topUp: unavailable,
      withdraw: unavailable,
      trial: unavailable,
    },
    payments: {
      preCheckout: async () => ({ ok: false, reason: { key: "precheckout.invalid" } }),
      successfulPayment: unavailable,
    },
  };
}
