import { beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_SEED_STATEMENTS, CONSOLE_SEED_TABLES } from "../../bench/lib/console-seed.js";
import type { DbAccess, DbClient } from "../../src/db/pool.js";
import { listAudit } from "../../src/domain/audit.js";
import { exportPaymentsPage } from "../../src/domain/billing/export.js";
import { exportCustomersPage } from "../../src/domain/customers/export.js";
import { exportSubscriptionsPage } from "../../src/domain/subscriptions/export.js";
import {
  countPendingActivations,
  listPendingActivations,
} from "../../src/domain/subscriptions/pending-activations.js";
import { loadDashboard } from "../../src/features/admin/dashboard/data.js";
import { testDb } from "../support/db.js";

/**
 * The dashboard on a 100 000-customer seed: every statement it sends is planned on an index —
 * no sequential scan of a large table. The statements are the ones the dashboard really sends
 * (recorded through a DbAccess wrapper), explained with the same parameters.
 */
const db = await testDb({ statementTimeoutMs: 120_000 });

const LARGE = CONSOLE_SEED_TABLES;

interface Recorded {
  label: string;
  text: string;
  values?: unknown[];
  /** `SET LOCAL` statements sent before it in the same transaction. */
  settings: string[];
}

/** Records every statement sent through `target`, with the settings of its transaction. */
function recording(target: DbAccess, into: Recorded[]): DbAccess {
  const scoped = (label: string, client: DbClient): DbClient => {
    const settings: string[] = [];
    return {
      query: (text, values) => {
        if (/^SET LOCAL /i.test(text)) settings.push(text);
        else into.push({ label, text, values, settings: [...settings] });
        return client.query(text, values);
      },
    };
  };
  return {
    ...target,
    withClient: (label, fn) => target.withClient(label, (c) => fn(scoped(label, c))),
    tx: (label, fn) => target.tx(label, (c) => fn(scoped(label, c))),
    query: (label, text, values) => {
      into.push({ label, text, values, settings: [] });
      return target.query(label, text, values);
    },
  };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** Every scan in the plan: "<node type> <table> <index>" (bitmap index scans name no table). */
function scans(node: PlanNode, out: string[] = []): string[] {
  if (node["Relation Name"] || node["Index Name"]) {
    out.push(
      [node["Node Type"], node["Relation Name"], node["Index Name"]].filter(Boolean).join(" "),
    );
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

async function explain(q: Recorded): Promise<string[]> {
  const { rows } = await db.tx("explain", async (c) => {
    for (const setting of q.settings) await c.query(setting);
    return c.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) ${q.text}`,
      q.values,
    );
  });
  const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
  if (!plan) throw new Error(`no plan for ${q.label}`);
  return scans(plan);
}

/** The console seed (bench/lib/console-seed.ts), triggers off for the bulk load only. */
async function seed(): Promise<void> {
  await db.tx("seed", async (c) => {
    await c.query("SET LOCAL session_replication_role = replica");
    for (const statement of CONSOLE_SEED_STATEMENTS) await c.query(statement);
  });
  for (const table of LARGE) await db.query("vacuum", `VACUUM ANALYZE ${table}`);
}

function expectIndexed(plans: Array<[string, string[]]>): void {
  for (const [label, nodes] of plans) {
    const seq = nodes.filter((n) => LARGE.some((t) => n === `Seq Scan ${t}`));
    expect({ label, seq }).toEqual({ label, seq: [] });
    // …and each statement reads at least one index.
    expect({ label, indexed: nodes.some((n) => /Index/.test(n)) }).toEqual({
      label,
      indexed: true,
    });
  }
}

describe("console queries on 100 000 customers", () => {
  beforeAll(seed, 180_000);

  it("the audit log, pending activations and export pages use an index", {
    timeout: 180_000,
  }, async () => {
    const recorded: Recorded[] = [];
    const spy = recording(db, recorded);
    const newest = await listAudit(spy, { kind: "all" }, undefined, 10);
    expect(newest.rows.length).toBe(10);
    await listAudit(spy, { kind: "all" }, newest.olderThan, 10);
    const byAdmin = await listAudit(spy, { kind: "admin", id: 900_002 }, undefined, 10);
    expect(byAdmin.rows.every((r) => r.actorId === 900_002)).toBe(true);
    await listAudit(spy, { kind: "admin", id: 900_002 }, byAdmin.olderThan, 10);
    const about = await listAudit(spy, { kind: "customer", id: 4_242 }, undefined, 10);
    expect(about.rows.every((r) => r.targetUserId === 4_242)).toBe(true);
    expect(await countPendingActivations(spy)).toBe(1_000);
    expect((await listPendingActivations(spy, 10)).length).toBe(10);
    for (const after of [undefined, 50_000]) {
      await exportCustomersPage(spy, after, 1_000);
      await exportSubscriptionsPage(spy, after, 1_000);
      await exportPaymentsPage(spy, after, 1_000);
    }
    const plans = await Promise.all(
      recorded.map(async (q): Promise<[string, string[]]> => [q.label, await explain(q)]),
    );
    expectIndexed(plans);
  });

  it("the dashboard uses an index for every statement", { timeout: 180_000 }, async () => {
    const recorded: Recorded[] = [];
    const data = await loadDashboard(recording(db, recorded), "Europe/Moscow");
    expect(data.customers.total).toBe(100_000);
    expect(data.subscriptions.expired).toBe(84_000);
    expect(recorded.length).toBeGreaterThanOrEqual(5);
    const plans = await Promise.all(
      recorded.map(async (q): Promise<[string, string[]]> => [q.label, await explain(q)]),
    );
    expectIndexed(plans);
  });
});
