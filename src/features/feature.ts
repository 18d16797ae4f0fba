import type { Composer } from "grammy";
import type { BotContext } from "../bot/context.js";

/** Telegram's limit for a button's callback data. */
const MAX_CALLBACK_BYTES = 64;

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
  /** Whole callback data strings this feature owns (e.g. "f:buy", opening a flow). */
  exact?: readonly string[];
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
 * Throws when two features claim the same prefix or the same exact data, when one feature's
 * exact data falls under another's prefix, or when a prefix is empty or contains ":" (it would
 * make one feature's data another's).
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
  const exactOwner = new Map<string, string>();
  for (const feature of features) {
    for (const data of feature.exact ?? []) {
      if (data === "") throw new Error(`feature ${feature.name}: empty callback data`);
      const other = exactOwner.get(data) ?? prefixOwner(owner, data);
      if (other !== undefined) {
        throw new Error(`callback data "${data}" is claimed by both ${other} and ${feature.name}`);
      }
      exactOwner.set(data, feature.name);
    }
  }
}

/** The feature whose prefix covers `data` (prefixes hold no ":", so it is the first part). */
function prefixOwner(owners: ReadonlyMap<string, string>, data: string): string | undefined {
  return owners.get(data.split(":", 1)[0] ?? data);
}

/** True when `feature` owns `data`: one of its exact strings, or under one of its prefixes. */
export function ownsData(feature: Feature, data: string): boolean {
  return (
    (feature.exact ?? []).includes(data) ||
    feature.prefixes.some((p) => data === p || data.startsWith(`${p}:`))
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
