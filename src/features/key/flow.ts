import type { Customer, MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import { reissueKey, reissueProgress } from "../../domain/subscriptions/reissue.js";
import { trialEligibility } from "../../domain/subscriptions/trial.js";
import { getSubscription, liveKey } from "../../domain/subscriptions/view.js";
import { linkKindOf } from "../../vpn/api.js";
import { BuyData } from "../buy/codec.js";
import { DEVICES_DATA } from "../devices/index.js";
import { dataButton, type FlowDeps, msg, provisionNow, urlButton } from "../flows/common.js";
import { InfoData } from "../info/codec.js";
import { clientAppRows } from "../info/screens.js";
import { TrialData } from "../trial/codec.js";
import { KeyData } from "./codec.js";
import type { KeyPort } from "./port.js";

/** The key (link, QR code, apps) and its reissue (SPEC flow 7). */

/** The key port on the domain. */
export function keyPort(deps: FlowDeps): KeyPort {
  return {
    open: (customer) => keyScreen(deps, customer),
    reissue: (customer, confirmed) => reissueAction(deps, customer, confirmed),
  };
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
      wait > 0 ? [] : [[dataButton("key.button_reissue", KeyData.reissue(false))]];
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
        ...(deps.vpn.devices ? [[dataButton("devices.button", DEVICES_DATA)]] : []),
        ...clientAppRows(operator.apps ?? {}).map((row) =>
          row.map(({ label, url }) => urlButton(label, url)),
        ),
        [dataButton("key.button_instructions", InfoData.instructions)],
        ...reissue,
      ],
    };
  }
  if (sub?.live) {
    return {
      text: [
        ...lead,
        msg("key.title"),
        // A lead (the payment's confirmation) has already said until when.
        withExpiry ? msg("key.pending", { expiresAt: sub.expiresAt }) : msg("key.activating"),
      ],
      buttons: [
        [dataButton("key.button_refresh", KeyData.open())],
        [dataButton("key.button_instructions", InfoData.instructions)],
      ],
    };
  }
  const buttons: ScreenButton[][] = [[dataButton("key.button_buy", BuyData.open())]];
  if (!sub) {
    const trial = await trialEligibility(deps.db, customer.telegramId);
    if (trial.eligible) {
      buttons.unshift([
        dataButton("menu.trial", TrialData.open(), { days: deps.limits.trialSeconds / 86_400 }),
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
async function reissueAction(
  deps: FlowDeps,
  customer: Customer,
  confirmed: boolean,
): Promise<Screen> {
  const minutes = Math.ceil(deps.limits.reissueCooldownSeconds / 60);
  if (!confirmed) {
    return {
      text: msg("key.reissue_confirm", { minutes }),
      buttons: [
        [dataButton("key.button_reissue_confirm", KeyData.reissue(true))],
        [dataButton("nav.back", KeyData.open())],
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
