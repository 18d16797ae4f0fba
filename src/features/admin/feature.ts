import { assertDistinctPrefixes, type Feature } from "../feature.js";
import { adminArea } from "./access.js";
import type { AdminDeps } from "./deps.js";
import { adminGroups } from "./index.js";

/**
 * The operator console as one bot feature: every group's prefixes, so the bot checks them
 * against the customer features' when it is built.
 */
export function adminFeature(deps: AdminDeps): Feature {
  const groups = adminGroups(deps);
  assertDistinctPrefixes(groups);
  return {
    name: "admin",
    prefixes: groups.flatMap((g) => g.prefixes),
    composer: adminArea(deps.config.bot.adminIds, groups),
  };
}
