import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes } from "../flows/index.js";
import { ReferralData } from "./codec.js";

/** The referral program: /referral and "f:referral". */
export function referralFeature(limiter: RateLimiter): Feature {
  const open = ReferralData.open();
  const routes = new FlowRoutes(limiter)
    .command("referral", (ctx) => ctx.services.referral.open(ctx.customer()))
    .button(open, (ctx) => ctx.services.referral.open(ctx.customer()));
  return { name: "referral", prefixes: [], exact: [open], composer: routes.composer };
}
