import type { DbAccess } from "../../db/pool.js";
import { toSafeInt } from "../billing/money.js";

/** The customer's subscription as the bot and the console show it. */

export type SubscriptionStatus = "pending" | "active" | "expired" | "revoked";

export interface SubscriptionView {
  id: number;
  userId: number;
  status: SubscriptionStatus;
  isTrial: boolean;
  expiresAt: Date;
  /** Not expired yet (status pending/active and expiry in the future). */
  live: boolean;
  /** Waiting for the VPN server: shown as "activation pending" while status is 'pending'. */
  needsProvisioning: boolean;
  autoRenew: boolean;
  lastPlan: string | null;
  lastPeriodDays: number | null;
  vpnUuid: string;
  vlessLink: string | null;
  version: number;
  keyReissuedAt: Date | null;
}

/** The key to show the customer: only while the subscription is live and on the VPN server. */
export function liveKey(sub: SubscriptionView | undefined): string | null {
  return sub?.live && sub.status === "active" && sub.vlessLink ? sub.vlessLink : null;
}

/** The provisioning predicate, the same as the two partial indexes' conditions. */
const NEEDS_PROVISIONING = `(s.status = 'pending'
  OR (s.status = 'active' AND s.provisioned_expires_at IS DISTINCT FROM s.expires_at))`;

/** The columns {@link toView} reads, on a subscriptions row aliased `s`. */
export const VIEW_COLUMNS = `s.id, s.user_id, s.status, s.is_trial, s.expires_at,
  s.status IN ('pending', 'active') AND s.expires_at > now() AS live,
  ${NEEDS_PROVISIONING} AS needs_provisioning,
  s.auto_renew, s.last_plan, s.last_period_days, s.vpn_uuid, s.vless_link, s.version,
  s.key_reissued_at`;

export type ViewRow = {
  id: string;
  user_id: string;
  status: SubscriptionStatus;
  is_trial: boolean;
  expires_at: Date;
  live: boolean;
  needs_provisioning: boolean;
  auto_renew: boolean;
  last_plan: string | null;
  last_period_days: number | null;
  vpn_uuid: string;
  vless_link: string | null;
  version: string;
  key_reissued_at: Date | null;
};

export function toView(r: ViewRow): SubscriptionView {
  return {
    id: toSafeInt(r.id),
    userId: toSafeInt(r.user_id),
    status: r.status,
    isTrial: r.is_trial,
    expiresAt: r.expires_at,
    live: r.live,
    needsProvisioning: r.needs_provisioning,
    autoRenew: r.auto_renew,
    lastPlan: r.last_plan,
    lastPeriodDays: r.last_period_days,
    vpnUuid: r.vpn_uuid,
    vlessLink: r.vless_link,
    version: toSafeInt(r.version),
    keyReissuedAt: r.key_reissued_at,
  };
}

export async function getSubscription(
  db: DbAccess,
  userId: number,
): Promise<SubscriptionView | undefined> {
  const { rows } = await db.query<ViewRow>(
    "subscription_get",
    `SELECT ${VIEW_COLUMNS} FROM subscriptions s WHERE s.user_id = $1`,
    [userId],
  );
  return rows[0] ? toView(rows[0]) : undefined;
}
