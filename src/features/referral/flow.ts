import type { Customer, Screen } from "../../bot/services.js";
import { referralStats } from "../../domain/billing/referrals.js";
import { dataButton, type FlowDeps, money, msg, urlButton } from "../flows/common.js";
import { WalletData } from "../wallet/codec.js";
import type { ReferralPort } from "./port.js";

/** The referral port on the domain. */
export function referralPort(deps: FlowDeps): ReferralPort {
  return { open: (customer) => referralScreen(deps, customer) };
}

/** The referral program: personal link, counts, tier, earnings (SPEC flow 11). */
async function referralScreen(deps: FlowDeps, customer: Customer): Promise<Screen> {
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
      [dataButton("referral.button_withdraw", WalletData.withdraw())],
    ],
  };
}

function referralLink(customer: Customer): string {
  return `https://t.me/${customer.botUsername}?start=ref_${customer.telegramId}`;
}
