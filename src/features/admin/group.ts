import type { MessageKey } from "../../locales/index.js";
import type { Feature } from "../feature.js";

/** A screen group of the console: a feature plus, optionally, its button on the home screen. */
export interface AdminGroup extends Feature {
  /** The group's button on the console's home screen (label and callback data). */
  entry?: { label: MessageKey; data: string };
}
