import type { MessageRef, Screen, ScreenButton } from "../../bot/services.js";
import type { MessageVars } from "../../locales/index.js";

/** A console text by key (admin texts live in the locale files, in the admin's language). */
export const adminRef = (key: MessageRef["key"], vars?: MessageVars): MessageRef =>
  vars ? { key, vars } : { key };

/** A console button with its own callback data. */
export const adminButton = (
  key: MessageRef["key"],
  data: string,
  vars?: MessageVars,
): ScreenButton => ({ label: adminRef(key, vars), callbackData: data });

/** Pure: `screen` with a one-line outcome on top ("saved", "already done"). */
export function withNote(note: MessageRef, screen: Screen): Screen {
  const text = Array.isArray(screen.text) ? screen.text : [screen.text];
  return { ...screen, text: [note, ...text] };
}
