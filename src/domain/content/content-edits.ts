import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import {
  type AppPlatform,
  CONTENT_SETTINGS_KEY,
  type ContentText,
  contentSchema,
  INCIDENT_SETTINGS_KEY,
  type Incident,
  incidentSchema,
  type OperatorContent,
} from "./operator-content.js";
import { lockedSetting, writeSetting } from "./settings.js";

/**
 * Console edits of the operator content and the incident banner: one field at a time, validated
 * by the same schema the bot reads with, written with an audit row naming the admin and the old
 * and new value. Each edit locks its settings row, so two admins editing different fields at
 * once both keep their change. `null` removes a field (the locale's default shows again).
 */
export type ContentChange =
  | { field: "supportContact"; value: string | null }
  | { field: "privacyPolicyUrl"; value: string | null }
  | { field: "app"; platform: AppPlatform; value: string | null }
  | { field: "text"; name: ContentText; language: string; value: string | null };

export type EditResult = { outcome: "saved" } | { outcome: "invalid" };

/** Rolls the edit's transaction back (the empty row made to lock is not kept). */
class InvalidEdit extends Error {}

async function edit(
  db: DbAccess,
  name: string,
  work: (client: DbClient) => Promise<void>,
): Promise<EditResult> {
  try {
    await db.tx(name, work);
    return { outcome: "saved" };
  } catch (err) {
    if (err instanceof InvalidEdit) return { outcome: "invalid" };
    throw err;
  }
}

/** Pure: the content with one change applied (not yet validated). */
function applyContentChange(content: OperatorContent, change: ContentChange): unknown {
  const next: Record<string, unknown> = structuredClone(content);
  const set = (obj: Record<string, unknown>, key: string, value: unknown) => {
    if (value === null) delete obj[key];
    else obj[key] = value;
  };
  switch (change.field) {
    case "supportContact":
    case "privacyPolicyUrl":
      set(next, change.field, change.value?.trim() || null);
      break;
    case "app": {
      const apps = { ...(content.apps ?? {}) } as Record<string, unknown>;
      set(apps, change.platform, change.value?.trim() || null);
      set(next, "apps", Object.keys(apps).length > 0 ? apps : null);
      break;
    }
    case "text": {
      const texts = { ...(content.texts ?? {}) } as Record<string, unknown>;
      const current = texts[change.name];
      // One text per language: a text stored for every language becomes the other languages'.
      const perLanguage: Record<string, string> =
        typeof current === "string"
          ? { ru: current, en: current }
          : { ...((current as Record<string, string>) ?? {}) };
      set(perLanguage, change.language, change.value);
      set(texts, change.name, Object.keys(perLanguage).length > 0 ? perLanguage : null);
      set(next, "texts", Object.keys(texts).length > 0 ? texts : null);
      break;
    }
  }
  return next;
}

export async function editContent(
  db: DbAccess,
  adminId: number,
  change: ContentChange,
): Promise<EditResult> {
  return edit(db, "content_edit", async (client) => {
    const stored = await lockedSetting(client, CONTENT_SETTINGS_KEY, adminId);
    const current = contentSchema.safeParse(stored);
    // A row that no longer parses (hand-written SQL) is replaced from what the bot showed: the
    // defaults, since the bot ignores a malformed row.
    const next = contentSchema.safeParse(
      applyContentChange(current.success ? current.data : {}, change),
    );
    if (!next.success) throw new InvalidEdit();
    await writeSetting(client, CONTENT_SETTINGS_KEY, next.data, adminId);
    await writeAudit(client, {
      actorId: adminId,
      action: "settings.content",
      details: { change, old: stored ?? null },
    });
  });
}

/** Turns the incident banner on or off, or sets its text; the other half is kept. */
export async function editIncident(
  db: DbAccess,
  adminId: number,
  change: Partial<Incident>,
): Promise<EditResult> {
  return edit(db, "incident_edit", async (client) => {
    const stored = await lockedSetting(client, INCIDENT_SETTINGS_KEY, adminId);
    const current = incidentSchema.safeParse(stored);
    const base: Incident = current.success ? current.data : { enabled: false, text: "" };
    const next = incidentSchema.safeParse({ ...base, ...change });
    if (!next.success || (next.data.enabled && next.data.text.trim() === "")) {
      throw new InvalidEdit();
    }
    await writeSetting(client, INCIDENT_SETTINGS_KEY, next.data, adminId);
    await writeAudit(client, {
      actorId: adminId,
      action: "settings.incident",
      details: { old: stored ?? null, new: next.data },
    });
  });
}

/** Pure: would this change still be valid content? (The console's preview asks first.) */
export function isValidContentChange(content: OperatorContent, change: ContentChange): boolean {
  return contentSchema.safeParse(applyContentChange(content, change)).success;
}
