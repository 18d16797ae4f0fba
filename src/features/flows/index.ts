import { Composer, type MiddlewareFn } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Customer, FlowName, FlowSession, FlowsPort, Screen } from "../../bot/services.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import type { Feature } from "../feature.js";
import { ACTION_DATA, decodeAction, FLOW_DATA, FLOW_PREFIXES } from "./codec.js";

const OPEN: Record<
  FlowName,
  (flows: FlowsPort, customer: Customer, session: FlowSession) => Promise<Screen>
> = {
  profile: (f, c) => f.profile(c),
  buy: (f, c, s) => f.buy(c, s),
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
 * Any button or command closes an open question ("send the amount"): the customer went
 * elsewhere, so their next text is not an answer to it. Registered before every feature.
 */
export function closeOpenPrompt(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    // Read first (once per update, shared with the features): a feature whose button closes
    // its own question still reads what that question collected, and nothing is written when
    // no question is open.
    if (from && (ctx.callbackQuery || ctx.message?.text?.startsWith("/"))) {
      if (await ctx.openPrompt()) await ctx.conversation.clearPrompt(from.id);
    }
    await next();
  };
}

/**
 * Buttons, commands and typed answers of the flows built on top of the platform (profile,
 * buy/renew, key, referral, top-up, withdraw, trial): each goes to its port, and the bot shows
 * the screen the port returns. They are the expensive actions, so each passes the customer's
 * rate limit.
 *
 * Owns "f:<flow>" and the flow actions "b:…", "promo…", "ar:…", "kr…", "t:…", "w:…" (`encodeAction`).
 */
export function flowsFeature(limiter: RateLimiter): Feature {
  const feature = new Composer<BotContext>();
  const session = (ctx: BotContext) => ctx.conversation.session(ctx.customer().telegramId);
  const open = async (ctx: BotContext, flow: FlowName) =>
    showScreen(ctx, await OPEN[flow](ctx.services.flows, ctx.customer(), await session(ctx)));

  for (const [command, flow] of COMMANDS) {
    feature.command(command, async (ctx) => {
      const id = ctx.customer().telegramId;
      if (!limiter.take(id)) {
        if (limiter.shouldTell(id)) await ctx.reply(ctx.t("error.rate_limited"));
        return;
      }
      await open(ctx, flow);
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
    await open(ctx, flow);
  });

  feature.callbackQuery(ACTION_DATA, async (ctx, next) => {
    const action = decodeAction(ctx.callbackQuery.data);
    // Looks like ours but is not (an older version's button): the stale handler answers.
    if (!action) return next();
    if (!limiter.take(ctx.from.id)) {
      await answerCallback(ctx, { text: ctx.t("error.rate_limited"), show_alert: false });
      return;
    }
    await answerCallback(ctx);
    const current = await session(ctx);
    await showScreen(ctx, await ctx.services.flows.act(ctx.customer(), action, current));
  });

  // A typed answer to the open question, if there is one; anything else goes on (unhandled).
  feature.on("message:text", async (ctx, next) => {
    if (ctx.message.text.startsWith("/")) return next();
    const prompt = await ctx.openPrompt();
    // No question open, or one a feature composer asked (it reads its own answers).
    if (!prompt || prompt.kind === "feature") return next();
    if (!limiter.take(ctx.from.id)) {
      // The question stays open: the customer only has to send it again a bit later.
      if (limiter.shouldTell(ctx.from.id)) await ctx.reply(ctx.t("error.rate_limited"));
      return;
    }
    await ctx.conversation.clearPrompt(ctx.from.id);
    const screen = await ctx.services.flows.input(
      ctx.customer(),
      prompt,
      ctx.message.text,
      await session(ctx),
    );
    await showScreen(ctx, screen);
  });

  return { name: "flows", prefixes: FLOW_PREFIXES, composer: feature };
}
