import type { DbAccess, DbClient } from "../../db/pool.js";
import { writeAudit } from "../audit.js";
import { lockedSetting, writeSetting } from "../content/settings.js";
import {
  applyCatalogOverride,
  type Catalog,
  catalogOverrideSchema,
  findPeriod,
} from "./pricing.js";

/** The settings key under which operators store price overrides (a jsonb catalog part). */
const PRICING_SETTINGS_KEY = "pricing";

/**
 * The catalog in force: SPEC defaults with the operator's 'pricing' override applied. Read with
 * the caller's client so a purchase prices against the same transaction it inserts in. A
 * malformed override throws (it can only get there by hand-written SQL: edits are validated).
 */
export async function loadCatalog(client: DbClient): Promise<Catalog> {
  const { rows } = await client.query<{ value: unknown }>(
    "SELECT value FROM settings WHERE key = $1",
    [PRICING_SETTINGS_KEY],
  );
  const row = rows[0];
  return row ? applyCatalogOverride(row.value) : applyCatalogOverride({});
}

export type EditPriceResult =
  | { outcome: "saved"; catalog: Catalog }
  | { outcome: "unknown_period" | "invalid" };

/**
 * Sets one plan period's prices (kopecks and Stars) in the operator's override, under the
 * pricing row's lock (`lockedSetting`: two first edits serialise too), validated like any override, with an audit row of the old and new price.
 * Purchases read the catalog in their own transaction, so the next checkout uses it.
 */
export async function editPeriodPrice(
  db: DbAccess,
  adminId: number,
  change: { plan: string; days: number; kopecks: number; stars: number },
): Promise<EditPriceResult> {
  return db.tx("pricing_edit", async (client) => {
    const stored = catalogOverrideSchema.safeParse(
      (await lockedSetting(client, PRICING_SETTINGS_KEY, adminId)) ?? {},
    );
    const override = stored.success ? stored.data : {};
    const current = applyCatalogOverride(override);
    const period = findPeriod(current, change.plan, change.days);
    if (!period) return { outcome: "unknown_period" } as const;
    const plans = current.plans.map((p) =>
      p.id !== change.plan
        ? p
        : {
            ...p,
            periods: p.periods.map((x) =>
              x.days === change.days ? { ...x, kopecks: change.kopecks, stars: change.stars } : x,
            ),
          },
    );
    let catalog: Catalog;
    try {
      catalog = applyCatalogOverride({ ...override, plans });
    } catch {
      return { outcome: "invalid" } as const;
    }
    await writeSetting(client, PRICING_SETTINGS_KEY, { ...override, plans }, adminId);
    await writeAudit(client, {
      actorId: adminId,
      action: "settings.pricing",
      details: {
        plan: change.plan,
        days: change.days,
        old: { kopecks: period.kopecks, stars: period.stars },
        new: { kopecks: change.kopecks, stars: change.stars },
      },
    });
    return { outcome: "saved", catalog } as const;
  });
}
