import type { FeaturePrompt, InputPrompt } from "../bot/services.js";

type PromptData = NonNullable<FeaturePrompt["data"]>;

/** A question of feature (or console screen group) `feature`: its next typed answer goes there. */
export function featurePrompt(feature: string, step: string, data: PromptData = {}): FeaturePrompt {
  return { kind: "feature", feature, step, data: { ...data } };
}

/** The open question if it belongs to `feature` (see `ctx.openPrompt()`), else undefined. */
export function promptOf(
  prompt: InputPrompt | undefined,
  feature: string,
): FeaturePrompt | undefined {
  return prompt?.kind === "feature" && prompt.feature === feature ? prompt : undefined;
}
