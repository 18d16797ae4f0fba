import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, sourceFiles } from "../support/source-files.js";

/**
 * Every table is written by one module: its owner (ARCHITECTURE "Layout"). Other modules call
 * the owner's functions, named by intent. A write statement (INSERT, UPDATE, DELETE, UPSERT)
 * naming a table outside its owner's folder fails here, as does a table with no owner.
 */
const OWNERS: Record<string, string> = {
  users: "src/domain/customers/",
  balance_ledger: "src/domain/billing/",
  payments: "src/domain/billing/",
  purchases: "src/domain/billing/",
  promo_codes: "src/domain/billing/",
  promo_reservations: "src/domain/billing/",
  promo_attempts: "src/domain/billing/",
  referral_rewards: "src/domain/billing/",
  withdrawals: "src/domain/billing/",
  unmatched_payments: "src/domain/billing/",
  withdrawal_copies: "src/domain/billing/",
  withdrawal_reject_drafts: "src/domain/billing/",
  subscriptions: "src/domain/subscriptions/",
  subscription_grants: "src/domain/subscriptions/",
  issued_uuids: "src/domain/subscriptions/",
  settings: "src/domain/content/",
  notifications: "src/domain/notifications/",
  broadcasts: "src/domain/broadcasts/",
  broadcast_recipients: "src/domain/broadcasts/",
  support_conversations: "src/domain/support/",
  support_messages: "src/domain/support/",
  audit_log: "src/domain/audit.ts",
  admin_pending_actions: "src/domain/console/",
  conversation_state: "src/bot/conversation.ts",
  update_inbox: "src/bot/inbox.ts",
  worker_cursors: "src/workers/",
  worker_leases: "src/workers/",
  schema_migrations: "src/db/migrate.ts",
  /** Replaced by update_inbox (migration 005); nothing writes it. */
  processed_updates: "(nobody)",
};

const WRITE = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)\b/g;

/** `table written in file` for every write outside the table's owner. */
function violations(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  const outside = new Set<string>();
  for (const { path, text } of files) {
    for (const match of text.matchAll(WRITE)) {
      const table = match[1] ?? "";
      const owner = OWNERS[table];
      // Not a table of ours (prose such as "UPDATE on every callback", or "DO UPDATE SET").
      if (owner === undefined) continue;
      if (!path.startsWith(owner)) outside.add(`${table} written in ${path}`);
    }
  }
  return [...outside];
}

function tablesInMigrations(): string[] {
  const tables = new Set<string>();
  for (const file of readdirSync(join(REPO_ROOT, "migrations"))) {
    const sql = readFileSync(join(REPO_ROOT, "migrations", file), "utf8");
    for (const m of sql.matchAll(/CREATE TABLE(?: IF NOT EXISTS)? ([a-z_]+)/g)) {
      tables.add(m[1] ?? "");
    }
  }
  return [...tables];
}

describe("table ownership", () => {
  it("every table has an owner", () => {
    expect(tablesInMigrations().filter((t) => !(t in OWNERS))).toEqual([]);
  });

  it("each table is written only by its owner", () => {
    expect(violations(sourceFiles("src", ["src/sandbox"]))).toEqual([]);
  });

  it("a write outside the owner is found", () => {
    expect(
      violations([
        { path: "src/workers/x.ts", text: "UPDATE subscriptions SET x = 1; INSERT INTO users" },
        { path: "src/domain/customers/y.ts", text: "DELETE FROM users" },
        { path: "src/bot/z.ts", text: "ON CONFLICT DO UPDATE SET a = 1 -- UPDATE on a callback" },
      ]),
    ).toEqual(["subscriptions written in src/workers/x.ts", "users written in src/workers/x.ts"]);
  });
});
