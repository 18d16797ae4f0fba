import type { Composer } from "grammy";
import type { BotContext } from "../bot/context.js";

/** Telegram's limit for a button's callback data. */
export const MAX_CALLBACK_BYTES = 64;

/**
 * One feature of the bot: a grammY composer with the callback data it owns. A feature claims
 * prefixes — data equal to the prefix or starting with `<prefix>:` is its own — and exact data
 * strings; no two features may claim the same (checked when the bot is built and by a test), so
 * adding a button touches one feature folder and the locale files.
 */
export interface Feature {
  /** Short name for logs and the prefix check ("buy", "admin.promo"). */
  name: string;
  /** Callback-data prefixes this feature owns, without the trailing ":" ("b", "apr"). */
  prefixes: readonly string[];
  composer: Composer<BotContext>;
}

/**
 * Callback data for `prefix` with its parts, joined by ":". Throws beyond Telegram's 64 bytes,
 * so a button that could never be sent fails where it is made.
 */
export function callbackData(prefix: string, ...parts: Array<string | number>): string {
  const data = [prefix, ...parts.map(String)].join(":");
  if (Buffer.byteLength(data, "utf8") > MAX_CALLBACK_BYTES) {
    throw new Error(`callback data longer than ${MAX_CALLBACK_BYTES} bytes: ${data}`);
  }
  return data;
}

/**
 * The grammY trigger for everything under `prefix`: `ctx.match[1]` is the rest after
 * `<prefix>:` (undefined for the bare prefix).
 */
export function prefixTrigger(prefix: string): RegExp {
  return new RegExp(`^${escapeRegExp(prefix)}(?::(.*))?$`, "s");
}

/** The parts after the prefix of data matched by `prefixTrigger` ("" → []). */
export function callbackParts(rest: string | undefined): string[] {
  return rest === undefined || rest === "" ? [] : rest.split(":");
}

/**
 * Throws when two features claim the same prefix, or a prefix is empty or contains ":" (it
 * would make one feature's data another's).
 */
export function assertDistinctPrefixes(features: readonly Feature[]): void {
  const owner = new Map<string, string>();
  for (const feature of features) {
    for (const prefix of feature.prefixes) {
      if (prefix === "" || prefix.includes(":")) {
        throw new Error(`feature ${feature.name}: invalid callback prefix "${prefix}"`);
      }
      const other = owner.get(prefix);
      if (other !== undefined) {
        throw new Error(
          `callback prefix "${prefix}" is claimed by both ${other} and ${feature.name}`,
        );
      }
      owner.set(prefix, feature.name);
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
