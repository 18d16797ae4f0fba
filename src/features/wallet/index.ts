import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes } from "../flows/index.js";
import {
  decodeTopUp,
  decodeWithdraw,
  TOPUP_PREFIX,
  WALLET_FEATURE,
  WalletData,
  WalletSteps,
  WITHDRAW_PREFIX,
} from "./codec.js";

/**
 * The wallet: top-up ("f:topup", the amount and pay buttons "t:…", a typed amount) and the
 * withdrawal of referral earnings ("f:withdraw", "w:start", the typed amount and payout details).
 */
export function walletFeature(limiter: RateLimiter): Feature {
  const topUp = WalletData.topUp();
  const withdraw = WalletData.withdraw();
  const routes = new FlowRoutes(limiter)
    .button(topUp, (ctx) => ctx.services.wallet.topUp(ctx.customer()))
    .button(withdraw, (ctx) => ctx.services.wallet.withdraw(ctx.customer()))
    .actions(TOPUP_PREFIX, decodeTopUp, (ctx, action) => {
      const wallet = ctx.services.wallet;
      switch (action.type) {
        case "amount":
          return wallet.topUpAmount(ctx.customer(), action.kopecks);
        case "custom":
          return wallet.topUpCustom(ctx.customer());
        case "pay":
          return wallet.topUpPay(ctx.customer(), action.kopecks, action.method);
      }
    })
    .actions(WITHDRAW_PREFIX, decodeWithdraw, (ctx) =>
      ctx.services.wallet.withdrawStart(ctx.customer()),
    )
    .answers(WALLET_FEATURE, {
      [WalletSteps.topUpAmount]: (ctx, _prompt, text) =>
        ctx.services.wallet.topUpAnswer(ctx.customer(), text),
      [WalletSteps.withdrawAmount]: (ctx, _prompt, text) =>
        ctx.services.wallet.withdrawAmountAnswer(ctx.customer(), text),
      [WalletSteps.withdrawRequisites]: (ctx, prompt, text) =>
        ctx.services.wallet.withdrawRequisitesAnswer(
          ctx.customer(),
          Number(prompt.data?.amountKopecks),
          text,
        ),
    });
  return {
    name: WALLET_FEATURE,
    prefixes: [TOPUP_PREFIX, WITHDRAW_PREFIX],
    exact: [topUp, withdraw],
    composer: routes.composer,
  };
}
