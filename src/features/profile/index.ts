import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes } from "../flows/index.js";
import { AUTO_RENEW_PREFIX, decodeAutoRenew, ProfileData } from "./codec.js";

/** The profile: /profile and "f:profile", and the auto-renewal switch ("ar:…"). */
export function profileFeature(limiter: RateLimiter): Feature {
  const open = ProfileData.open();
  const routes = new FlowRoutes(limiter)
    .command("profile", (ctx) => ctx.services.profile.open(ctx.customer()))
    .button(open, (ctx) => ctx.services.profile.open(ctx.customer()))
    .actions(AUTO_RENEW_PREFIX, decodeAutoRenew, (ctx, { on }) =>
      ctx.services.profile.autoRenew(ctx.customer(), on),
    );
  return {
    name: "profile",
    prefixes: [AUTO_RENEW_PREFIX],
    exact: [open],
    composer: routes.composer,
  };
}
