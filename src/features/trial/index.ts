import type { RateLimiter } from "../../bot/rate-limit.js";
import type { Feature } from "../feature.js";
import { FlowRoutes } from "../flows/index.js";
import { TrialData } from "./codec.js";

/** The free trial: "f:trial" (main menu, key screen) activates it. */
export function trialFeature(limiter: RateLimiter): Feature {
  const open = TrialData.open();
  const routes = new FlowRoutes(limiter).button(open, (ctx) =>
    ctx.services.trial.activate(ctx.customer()),
  );
  return { name: "trial", prefixes: [], exact: [open], composer: routes.composer };
}
