import type { Customer, Screen, ScreenButton } from "../../bot/services.js";
import { activateTrial } from "../../domain/subscriptions/trial.js";
import { getSubscription } from "../../domain/subscriptions/view.js";
import { BuyData } from "../buy/codec.js";
import {
  dataButton,
  type FlowDeps,
  msg,
  provisionNow,
  startFirst,
  subscriptionLine,
} from "../flows/common.js";
import { KeyData } from "../key/codec.js";
import { keyScreen } from "../key/flow.js";
import type { TrialPort } from "./port.js";

/** The trial port on the domain. */
export function trialPort(deps: FlowDeps): TrialPort {
  return { activate: (customer) => trialAction(deps, customer) };
}

/**
 * The trial: the domain re-checks eligibility under the customer lock (a stale button pressed
 * after paying changes nothing), then the key is provisioned at once.
 */
async function trialAction(deps: FlowDeps, customer: Customer): Promise<Screen> {
  const result = await activateTrial(deps.db, customer.telegramId, deps.limits.trialSeconds);
  if (result.outcome === "activated") {
    deps.logger.info({ user_id: customer.telegramId }, "trial activated");
    await provisionNow(deps, result.subscriptionId);
    return keyScreen(deps, customer, [msg("trial.activated", { expiresAt: result.expiresAt })]);
  }
  if (result.reason === "unknown_user") return startFirst();
  const sub = await getSubscription(deps.db, customer.telegramId);
  const buttons: ScreenButton[][] = [];
  if (sub?.live) buttons.push([dataButton("profile.button_key", KeyData.open())]);
  buttons.push([
    dataButton(sub?.live ? "profile.button_renew" : "profile.button_buy", BuyData.open()),
  ]);
  return {
    text: [msg("trial.unavailable", { reason: result.reason }), subscriptionLine(sub)],
    buttons,
  };
}
