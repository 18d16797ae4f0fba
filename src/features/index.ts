import type { RateLimiter } from "../bot/rate-limit.js";
import { assertDistinctPrefixes, type Feature } from "./feature.js";
import { flowsFeature } from "./flows/index.js";
import { infoFeature } from "./info/index.js";
import { languageFeature } from "./language/index.js";
import { menuFeature } from "./menu/index.js";
import { startFeature } from "./start/index.js";

export interface CustomerFeatureDeps {
  adminIds: readonly number[];
  /** The customer's token bucket for the expensive actions (the flows). */
  limiter: RateLimiter;
  /** Features built outside the bot (the operator console): they run before the flows. */
  extra?: readonly Feature[];
}

/**
 * Every feature of the bot's private chats, in the order they see an update; their callback
 * prefixes are checked to be distinct here (the bot refuses to build otherwise).
 */
export function chatFeatures(deps: CustomerFeatureDeps): Feature[] {
  const features = [
    startFeature(),
    languageFeature(),
    menuFeature(),
    infoFeature(),
    ...(deps.extra ?? []),
    flowsFeature(deps.limiter),
  ];
  assertDistinctPrefixes(features);
  return features;
}
