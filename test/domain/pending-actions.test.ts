import { describe, expect, it } from "vitest";
import {
  consumePendingAction,
  createPendingAction,
  recordActionOutcome,
} from "../../src/domain/console/pending-actions.js";
import { domainHarness, newCustomer } from "./support.js";

const h = await domainHarness(12);
const { db } = h;
const ADMIN = 900_001;

describe("console confirmations", () => {
  it("twenty parallel presses of one confirmation: exactly one consumes it", async () => {
    const user = await newCustomer(db);
    const token = await createPendingAction(db, {
      adminId: ADMIN,
      userId: user,
      action: "balance",
      args: { deltaKopecks: 500 },
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        consumePendingAction(db, { adminId: ADMIN, token, notify: i % 2 === 0, ttlSeconds: 900 }),
      ),
    );
    const consumed = results.filter((r) => r.outcome === "consumed");
    expect(consumed).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "used")).toHaveLength(19);
    const first = consumed[0];
    if (first?.outcome !== "consumed") throw new Error("nothing consumed");
    expect(first.action).toMatchObject({
      adminId: ADMIN,
      userId: user,
      action: "balance",
      args: { deltaKopecks: 500 },
    });
  });

  it("another admin's token, an unknown or malformed token, and an old one do nothing", async () => {
    const user = await newCustomer(db);
    const token = await createPendingAction(db, {
      adminId: ADMIN,
      userId: user,
      action: "revoke",
      args: {},
    });
    const press = (adminId: number, t: string, ttlSeconds = 900) =>
      consumePendingAction(db, { adminId, token: t, notify: true, ttlSeconds });
    expect(await press(ADMIN + 1, token)).toEqual({ outcome: "unknown" });
    expect(await press(ADMIN, "AAAAAAAAAAAAAAAA")).toEqual({ outcome: "unknown" });
    expect(await press(ADMIN, "'; DROP TABLE users; --")).toEqual({ outcome: "unknown" });
    await db.query(
      "test_age_action",
      "UPDATE admin_pending_actions SET created_at = now() - interval '20 minutes' WHERE token = $1",
      [token],
    );
    expect(await press(ADMIN, token)).toEqual({ outcome: "expired" });
    expect((await press(ADMIN, token, 3600)).outcome).toBe("consumed");
  });

  it("the outcome is recorded, with an audit row naming the admin when asked", async () => {
    const user = await newCustomer(db);
    const token = await createPendingAction(db, {
      adminId: ADMIN,
      userId: user,
      action: "message",
      args: { text: "hi" },
    });
    const r = await consumePendingAction(db, {
      adminId: ADMIN,
      token,
      notify: true,
      ttlSeconds: 900,
    });
    if (r.outcome !== "consumed") throw new Error("not consumed");
    await recordActionOutcome(db, r.action, "sent", {
      action: "user.message",
      details: { text: "hi" },
    });
    const { rows } = await db.query<{ outcome: string; notify: boolean }>(
      "test_read_action",
      "SELECT outcome, notify FROM admin_pending_actions WHERE token = $1",
      [token],
    );
    expect(rows).toEqual([{ outcome: "sent", notify: true }]);
    const { rows: audit } = await db.query<{ actor_id: string; action: string; details: object }>(
      "test_read_audit",
      "SELECT actor_id, action, details FROM audit_log WHERE target_user_id = $1",
      [user],
    );
    expect(audit).toEqual([
      {
        actor_id: String(ADMIN),
        action: "user.message",
        details: { text: "hi", outcome: "sent", notify: true },
      },
    ]);
  });
});
