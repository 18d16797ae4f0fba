import { activationsGroup } from "./activations/index.js";
import { auditGroup } from "./audit/index.js";
import { broadcastsGroup } from "./broadcasts/index.js";
import { contentGroup } from "./content/index.js";
import type { AdminDeps } from "./deps.js";
import { exportsGroup } from "./exports/index.js";
import type { AdminGroup } from "./group.js";
import { homeGroup } from "./home.js";
import { promoGroup } from "./promo/index.js";
import { supportGroup } from "./support/index.js";
import { usersGroup } from "./users/index.js";
import { withdrawalsGroup } from "./withdrawals/index.js";

export type { AdminDeps } from "./deps.js";
export { withdrawalCopyRecorder } from "./withdrawals/index.js";

/** The console's screen groups, in the order their buttons appear on the home screen. */
export function adminGroups(deps: AdminDeps): AdminGroup[] {
  const groups: AdminGroup[] = [
    usersGroup(deps),
    promoGroup(deps),
    contentGroup(deps),
    exportsGroup(deps),
    auditGroup(deps),
    activationsGroup(deps),
    broadcastsGroup(deps),
    withdrawalsGroup(deps),
    supportGroup(deps),
  ];
  return [homeGroup(deps, groups), ...groups];
}
