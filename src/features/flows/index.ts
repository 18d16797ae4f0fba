import { Composer, type MiddlewareFn } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { RateLimiter } from "../../bot/rate-limit.js";
import type { FeaturePrompt, FlowSession, Screen } from "../../bot/services.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import { prefixTrigger } from "../feature.js";
import { promptOf } from "../prompts.js";

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

/** What the bot remembers for the customer between screens (the buy screen's promo code). */
export function flowSession(ctx: BotContext): Promise<FlowSession> {
  return ctx.conversation.session(ctx.customer().telegramId);
}

/** How a flow answers a typed reply to one of its questions. */
export type FlowAnswer = (ctx: BotContext, prompt: FeaturePrompt, text: string) => Promise<Screen>;

/**
 * The routes of a customer flow (profile, buy, key, referral, wallet, trial): commands, buttons
 * and typed answers, each going to the flow's port, and the screen it returns is shown. They are
 * the expensive actions, so each passes the customer's rate limit: a button is answered first
 * (so it stops spinning while the port works), a refused one with the "slow down" alert; a
 * refused command or answer is told so in a message (at most once a while), and a refused
 * answer's question stays open.
 */
export class FlowRoutes {
  readonly composer = new Composer<BotContext>();

  constructor(private readonly limiter: RateLimiter) {}

  /** `/<name>` shows `screen`. */
  command(name: string, screen: (ctx: BotContext) => Promise<Screen>): this {
    this.composer.command(name, async (ctx) => {
      if (!(await this.#takeOrTell(ctx))) return;
      await showScreen(ctx, await screen(ctx));
    });
    return this;
  }

  /** A button with exactly this data (e.g. "f:buy", opening the flow). */
  button(data: string, screen: (ctx: BotContext) => Promise<Screen>): this {
    this.composer.callbackQuery(data, async (ctx) => {
      if (!(await this.#takeOrAlert(ctx))) return;
      await answerCallback(ctx);
      await showScreen(ctx, await screen(ctx));
    });
    return this;
  }

  /**
   * The buttons under `prefix`, decoded by the flow's codec. Data under the prefix that does not
   * decode (an older version's button) goes on to the stale handler.
   */
  actions<A>(
    prefix: string,
    decode: (data: string) => A | undefined,
    screen: (ctx: BotContext, action: A) => Promise<Screen>,
  ): this {
    this.composer.callbackQuery(prefixTrigger(prefix), async (ctx, next) => {
      const action = decode(ctx.callbackQuery.data);
      if (action === undefined) return next();
      if (!(await this.#takeOrAlert(ctx))) return;
      await answerCallback(ctx);
      await showScreen(ctx, await screen(ctx, action));
    });
    return this;
  }

  /**
   * Typed answers to the questions `feature` asked (`featurePrompt(feature, step)`), by step.
   * Anything else (no question open, another feature's, a command) goes on.
   */
  answers(feature: string, steps: Record<string, FlowAnswer>): this {
    this.composer.on("message:text", async (ctx, next) => {
      if (ctx.message.text.startsWith("/")) return next();
      const prompt = promptOf(await ctx.openPrompt(), feature);
      const answer = prompt && Object.hasOwn(steps, prompt.step) ? steps[prompt.step] : undefined;
      if (!prompt || !answer) return next();
      if (!(await this.#takeOrTell(ctx))) return;
      await ctx.conversation.clearPrompt(ctx.from.id);
      await showScreen(ctx, await answer(ctx, prompt, ctx.message.text));
    });
    return this;
  }

  async #takeOrAlert(ctx: BotContext): Promise<boolean> {
    const id = ctx.customer().telegramId;
    if (this.limiter.take(id)) return true;
    await answerCallback(ctx, { text: ctx.t("error.rate_limited"), show_alert: false });
    return false;
  }

  async #takeOrTell(ctx: BotContext): Promise<boolean> {
    const id = ctx.customer().telegramId;
    if (this.limiter.take(id)) return true;
    if (this.limiter.shouldTell(id)) await ctx.reply(ctx.t("error.rate_limited"));
    return false;
  }
}
