import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes, flowSession } from "../flows/index.js";
import {
  BUY_FEATURE,
  BUY_PREFIX,
  BuyData,
  BuySteps,
  decodeBuy,
  decodePromo,
  PROMO_PREFIX,
} from "./codec.js";

/**
 * Buy / renew: /buy and "f:buy" (the plans), the plan, period and pay buttons ("b:…"), and the
 * promo code ("promo…": enter, remove, and the typed code). Each goes to `BuyPort`.
 */
export function buyFeature(limiter: RateLimiter): Feature {
  const open = BuyData.open();
  const routes = new FlowRoutes(limiter)
    .command("buy", async (ctx) => ctx.services.buy.open(ctx.customer(), await flowSession(ctx)))
    .button(open, async (ctx) => ctx.services.buy.open(ctx.customer(), await flowSession(ctx)))
    .actions(BUY_PREFIX, decodeBuy, async (ctx, action) => {
      const buy = ctx.services.buy;
      const session = await flowSession(ctx);
      switch (action.type) {
        case "plan":
          return buy.plan(ctx.customer(), session, action.plan);
        case "period":
          return buy.period(ctx.customer(), session, action.plan, action.days);
        case "pay":
          return buy.pay(ctx.customer(), session, action);
      }
    })
    .actions(PROMO_PREFIX, decodePromo, (ctx, action) =>
      action === "enter"
        ? ctx.services.buy.promoPrompt(ctx.customer())
        : ctx.services.buy.promoClear(ctx.customer()),
    )
    .answers(BUY_FEATURE, {
      [BuySteps.promoCode]: (ctx, _prompt, text) =>
        ctx.services.buy.promoAnswer(ctx.customer(), text),
    });
  return {
    name: BUY_FEATURE,
    prefixes: [BUY_PREFIX, PROMO_PREFIX],
    exact: [open],
    composer: routes.composer,
  };
}
