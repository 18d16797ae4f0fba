import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { FLOW_DATA } from "../keyboards.js";
import type { RateLimiter } from "../rate-limit.js";
import type { Customer, FlowName, FlowsPort, Screen } from "../services.js";
import { answerCallback, showScreen } from "../ui.js";

const OPEN: Record<FlowName, (flows: FlowsPort, customer: Customer) => Promise<Screen>> = {
  profile: (f, c) => f.profile(c),
  buy: (f, c) => f.buy(c),
  key: (f, c) => f.key(c),
  referral: (f, c) => f.referral(c),
  topup: (f, c) => f.topUp(c),
  withdraw: (f, c) => f.withdraw(c),
  trial: (f, c) => f.trial(c),
};

const COMMANDS: Array<[command: string, flow: FlowName]> = [
  ["profile", "profile"],
  ["buy", "buy"],
  ["key", "key"],
  ["referral", "referral"],
];

/**
 * Buttons and commands of the flows built on top of the platform (profile, buy/renew, key,
 * referral, top-up, withdraw, trial): each goes to its port, and the bot shows the screen the
 * port returns. They are the expensive actions, so each passes the customer's rate limit.
 */
export function flowsFeature(limiter: RateLimiter): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  for (const [command, flow] of COMMANDS) {
    feature.command(command, async (ctx) => {
      if (!limiter.take(ctx.customer().telegramId)) {
        await ctx.reply(ctx.t("error.rate_limited"));
        return;
      }
      await showScreen(ctx, await OPEN[flow](ctx.services.flows, ctx.customer()));
    });
  }

  feature.callbackQuery(FLOW_DATA, async (ctx) => {
    const flow = ctx.match[1] as FlowName;
    if (!limiter.take(ctx.from.id)) {
      await answerCallback(ctx, { text: ctx.t("error.rate_limited"), show_alert: false });
      return;
    }
    // Answer first so the button stops spinning while the port works.
    await answerCallback(ctx);
    await showScreen(ctx, await OPEN[flow](ctx.services.flows, ctx.customer()));
  });

  return feature;
}
