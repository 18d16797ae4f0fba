import type { RateLimiter } from "../bot/rate-limit.js";
import { buyFeature } from "./buy/index.js";
import { assertDistinctPrefixes, type Feature } from "./feature.js";
import { infoFeature } from "./info/index.js";
import { keyFeature } from "./key/index.js";
import { languageFeature } from "./language/index.js";
import { menuFeature } from "./menu/index.js";
import { profileFeature } from "./profile/index.js";
import { referralFeature } from "./referral/index.js";
import { startFeature } from "./start/index.js";
import { trialFeature } from "./trial/index.js";
import { walletFeature } from "./wallet/index.js";

export interface CustomerFeatureDeps {
  adminIds: readonly number[];
  /** The customer's token bucket for the expensive actions (the flows). */
  limiter: RateLimiter;
  /** Features built outside the bot (the operator console): they run before the flows. */
  extra?: readonly Feature[];
}

/**
 * Every feature of the bot's private chats, in the order they see an update; their callback
 * prefixes and exact data are checked to be distinct here (the bot refuses to build otherwise).
 */
export function chatFeatures(deps: CustomerFeatureDeps): Feature[] {
  const features = [
    startFeature(),
    languageFeature(),
    menuFeature(),
    infoFeature(),
    ...(deps.extra ?? []),
    // The customer flows, each through the customer's rate limit.
    profileFeature(deps.limiter),
    buyFeature(deps.limiter),
    keyFeature(deps.limiter),
    referralFeature(deps.limiter),
    walletFeature(deps.limiter),
    trialFeature(deps.limiter),
  ];
  assertDistinctPrefixes(features);
  return features;
}
