import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { editPeriodPrice, loadCatalog } from "../../src/domain/billing/catalog.js";
import { testDatabaseUrl } from "../support/db.js";
import { domainHarness } from "./support.js";

const h = await domainHarness(4);
const { db } = h;

/** A connection outside the service's pool, for holding a transaction open across steps. */
async function rawClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  return client;
}
const blocker = await rawClient();
afterAll(() => blocker.end());

/** Waits (without a time limit of its own) until `n` backends of this database wait on a lock. */
async function lockWaiters(n: number): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "test_lock_waiters",
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((rows[0]?.n ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

type PriceAudit = {
  old: { kopecks: number; stars: number };
  new: { kopecks: number; stars: number };
};

describe("editing a price", () => {
  it("serialises two first edits (no pricing row yet): the second sees the first's price", async () => {
    const basic30 = async () =>
      (await db.withClient("t", loadCatalog)).plans
        .find((p) => p.id === "basic")
        ?.periods.find((x) => x.days === 30);
    const defaults = await basic30();
    expect(defaults).toMatchObject({ kopecks: 14_900 });
    // Both edits are lined up before either writes: behind an uncommitted pricing row that goes
    // away (rolled back), so each starts with no row to lock.
    await blocker.query("BEGIN");
    await blocker.query(
      "INSERT INTO settings (key, value, updated_at) VALUES ('pricing', '{}'::jsonb, now())",
    );
    const first = editPeriodPrice(db, 1, { plan: "basic", days: 30, kopecks: 10_000, stars: 60 });
    const second = editPeriodPrice(db, 2, { plan: "basic", days: 30, kopecks: 12_000, stars: 70 });
    await lockWaiters(2);
    await blocker.query("ROLLBACK");
    expect(await Promise.all([first, second])).toMatchObject([
      { outcome: "saved" },
      { outcome: "saved" },
    ]);

    const { rows } = await db.query<{ details: PriceAudit }>(
      "t",
      "SELECT details FROM audit_log WHERE action = 'settings.pricing' ORDER BY id",
    );
    expect(rows).toHaveLength(2);
    const [earlier, later] = rows.map((r) => r.details);
    // The edit that committed first replaced the default; the other waited and replaced that.
    expect(earlier?.old).toEqual({ kopecks: defaults?.kopecks, stars: defaults?.stars });
    expect(later?.old).toEqual(earlier?.new);
    expect(await basic30()).toMatchObject(later?.new ?? {});
  });
});
