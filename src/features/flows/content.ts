import type { DbAccess } from "../../db/pool.js";
import {
  type OperatorSettings,
  readOperatorSettings,
} from "../../domain/content/operator-content.js";
import type { Logger } from "../../logger.js";

/** Operator content and the incident banner, as the menu and info screens read them. */
export type ContentSource = () => Promise<OperatorSettings>;

/**
 * Operator settings change rarely and are read on every menu: one read per `ttlMs` serves all
 * customers of this process. A failed read is not cached (the next screen tries again).
 */
export function cachedContent(db: DbAccess, ttlMs: number, logger: Logger): ContentSource {
  let cached: { at: number; value: Promise<OperatorSettings> } | undefined;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < ttlMs) return cached.value;
    const value = readOperatorSettings(db).then((settings) => {
      if (settings.invalid.length > 0) {
        logger.warn({ keys: settings.invalid }, "operator settings ignored: malformed");
      }
      return settings;
    });
    const entry = { at: now, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
