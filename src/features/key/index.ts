import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes } from "../flows/index.js";
import { decodeReissue, KeyData, REISSUE_PREFIX } from "./codec.js";

/** The key: /key and "f:key" (the key screen), and the reissue buttons ("kr…"). */
export function keyFeature(limiter: RateLimiter): Feature {
  const open = KeyData.open();
  const routes = new FlowRoutes(limiter)
    .command("key", (ctx) => ctx.services.key.open(ctx.customer()))
    .button(open, (ctx) => ctx.services.key.open(ctx.customer()))
    .actions(REISSUE_PREFIX, decodeReissue, (ctx, { confirmed }) =>
      ctx.services.key.reissue(ctx.customer(), confirmed),
    );
  return { name: "key", prefixes: [REISSUE_PREFIX], exact: [open], composer: routes.composer };
}
