import type { FeaturePrompt, Screen } from "../../bot/services.js";
import { callbackData } from "../feature.js";

/** The customer's side of support conversations: `sup:w` (write to support). */
export const PREFIX = "sup";
export const FEATURE_NAME = "support";
export const WRITE_DATA = callbackData(PREFIX, "w");

/** While it is open, each text the customer sends goes to support. */
const MESSAGE_PROMPT: FeaturePrompt = {
  kind: "feature",
  feature: FEATURE_NAME,
  step: "message",
};

/** "Write your message": the next messages go to support. */
export function writeScreen(): Screen {
  return { text: { key: "support.chat.write" }, awaitInput: MESSAGE_PROMPT };
}

/** Delivered to support; more messages may follow. */
export function sentScreen(): Screen {
  return { text: { key: "support.chat.sent" }, awaitInput: MESSAGE_PROMPT };
}

/** Support is a plain contact: write there instead. */
export function contactInsteadScreen(contact: string, url: string | null): Screen {
  return {
    text: { key: "support.chat.contact_instead", vars: { contact } },
    buttons: url ? [[{ label: { key: "support.button" }, url }]] : [],
  };
}

export function unavailableScreen(): Screen {
  return { text: { key: "support.chat.unavailable" } };
}

export function invalidScreen(): Screen {
  return { text: { key: "support.chat.invalid" }, awaitInput: MESSAGE_PROMPT };
}
