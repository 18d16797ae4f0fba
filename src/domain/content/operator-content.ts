import { z } from "zod";
import type { DbAccess } from "../../db/pool.js";

/**
 * Operator-configurable content the bot shows (SPEC flows 3 and 12): support contact, client
 * app links, privacy policy link, the texts of the info screens, and the incident banner. Stored
 * as jsonb in `settings` under two keys; anything missing or malformed falls back to the
 * locale's defaults (a typo in a setting must not take the menu down).
 *
 *   settings 'content'  = { "supportContact": "@handle" | "https://…",
 *                           "apps": { "ios"|"android"|"windows"|"macos"|"linux": "https://…" },
 *                           "privacyPolicyUrl": "https://…",
 *                           "texts": { "instructions"|"support"|"about"|"privacy":
 *                                      "text" | { "ru": "…", "en": "…" } } }
 *   settings 'incident' = { "enabled": true, "text": "…" }
 */
export const CONTENT_SETTINGS_KEY = "content";
export const INCIDENT_SETTINGS_KEY = "incident";

const link = z.string().regex(/^(https?|tg):\/\/\S+$/);
/** One text for every language, or one per language code. */
const localized = z.union([
  z.string().min(1).max(3000),
  z.record(z.string(), z.string().min(1).max(3000)),
]);

export const contentSchema = z.object({
  supportContact: z.string().min(1).max(200).optional(),
  apps: z
    .object({
      ios: link.optional(),
      android: link.optional(),
      windows: link.optional(),
      macos: link.optional(),
      linux: link.optional(),
    })
    .optional(),
  privacyPolicyUrl: link.optional(),
  texts: z
    .object({
      instructions: localized.optional(),
      support: localized.optional(),
      about: localized.optional(),
      privacy: localized.optional(),
    })
    .optional(),
});

export const incidentSchema = z.object({ enabled: z.boolean(), text: z.string().max(1000) });

export type OperatorContent = z.infer<typeof contentSchema>;
export type LocalizedText = z.infer<typeof localized>;
export type Incident = z.infer<typeof incidentSchema>;
export const APP_PLATFORMS = ["ios", "android", "windows", "macos", "linux"] as const;
export type AppPlatform = (typeof APP_PLATFORMS)[number];
export const CONTENT_TEXTS = ["instructions", "support", "about", "privacy"] as const;
export type ContentText = (typeof CONTENT_TEXTS)[number];

export interface OperatorSettings {
  content: OperatorContent;
  /** The banner text while incident mode is on, else null. */
  incidentBanner: string | null;
  /** The incident setting as stored (its text is kept while it is off). */
  incident: Incident;
  /** Settings that did not parse (ignored), for the log. */
  invalid: string[];
}

/** Both settings rows in one read. */
export async function readOperatorSettings(db: DbAccess): Promise<OperatorSettings> {
  const { rows } = await db.query<{ key: string; value: unknown }>(
    "operator_settings",
    "SELECT key, value FROM settings WHERE key = ANY($1::text[])",
    [[CONTENT_SETTINGS_KEY, INCIDENT_SETTINGS_KEY]],
  );
  const out: OperatorSettings = {
    content: {},
    incidentBanner: null,
    incident: { enabled: false, text: "" },
    invalid: [],
  };
  for (const row of rows) {
    if (row.key === CONTENT_SETTINGS_KEY) {
      const parsed = contentSchema.safeParse(row.value);
      if (parsed.success) out.content = parsed.data;
      else out.invalid.push(CONTENT_SETTINGS_KEY);
    } else if (row.key === INCIDENT_SETTINGS_KEY) {
      const parsed = incidentSchema.safeParse(row.value);
      if (!parsed.success) out.invalid.push(INCIDENT_SETTINGS_KEY);
      else {
        out.incident = parsed.data;
        if (parsed.data.enabled && parsed.data.text.trim() !== "") {
          out.incidentBanner = parsed.data.text.trim();
        }
      }
    }
  }
  return out;
}

/** The text in `language`, else Russian (the default locale), else any; null when unset. */
export function textFor(
  text: LocalizedText | undefined,
  language: string,
  fallback = "ru",
): string | null {
  if (text === undefined) return null;
  if (typeof text === "string") return text;
  return text[language] ?? text[fallback] ?? Object.values(text)[0] ?? null;
}
