import { describe, expect, it } from "vitest";
import type { Screen } from "../../src/bot/services.js";
import {
  activationsScreen,
  confirmRetryScreen,
  retryResultScreen,
} from "../../src/features/admin/activations/screen.js";
import {
  auditPageData,
  auditScreen,
  parseAuditCommand,
  parseAuditPage,
} from "../../src/features/admin/audit/screen.js";
import {
  confirmExportScreen,
  exportResultScreen,
  exportsScreen,
} from "../../src/features/admin/exports/screen.js";
import { exportFileName } from "../../src/features/admin/exports/stream.js";
import { HOME_DATA } from "../../src/features/admin/home.js";

const dataOf = (screen: Screen) =>
  (screen.buttons ?? []).map((row) => row.map((b) => ("callbackData" in b ? b.callbackData : "")));

describe("audit log screens", () => {
  it("reads /audit arguments: all, an admin, a customer, or nothing sensible", () => {
    const admins = [900_001];
    expect(parseAuditCommand("", admins)).toEqual({ kind: "all" });
    expect(parseAuditCommand("900001", admins)).toEqual({ kind: "admin", id: 900_001 });
    expect(parseAuditCommand(" 42 ", admins)).toEqual({ kind: "customer", id: 42 });
    expect(parseAuditCommand("admin 42", admins)).toEqual({ kind: "admin", id: 42 });
    expect(parseAuditCommand("user 900001", admins)).toEqual({ kind: "customer", id: 900_001 });
    for (const bad of ["x", "0", "admin", "admin x", "user 1 2", "-5"]) {
      expect(parseAuditCommand(bad, admins)).toBeUndefined();
    }
  });

  it("page buttons round-trip through their callback data", () => {
    for (const [filter, before] of [
      [{ kind: "all" }, undefined],
      [{ kind: "admin", id: 900_001 }, 77],
      [{ kind: "customer", id: 5 }, 1],
    ] as const) {
      const data = auditPageData(filter, before);
      expect(data.startsWith("aau:")).toBe(true);
      expect(parseAuditPage(data.split(":").slice(1))).toEqual({ filter, beforeId: before });
    }
    expect(parseAuditPage(["m", "0", "0"])).toBeUndefined();
    expect(parseAuditPage(["z", "1", "0"])).toBeUndefined();
    expect(parseAuditPage(["a", "0"])).toBeUndefined();
  });

  it("lists entries without the confirmation token, with older/newest buttons", () => {
    const at = new Date("2026-12-07T10:00:00Z");
    const screen = auditScreen({ kind: "admin", id: 900_001 }, 50, {
      rows: [
        {
          id: 49,
          actorId: 900_001,
          action: "export.users",
          targetUserId: null,
          details: { kind: "users", confirmation: "AAAAAAAAAAAA" },
          createdAt: at,
        },
        {
          id: 40,
          actorId: null,
          action: "subscription.grant",
          targetUserId: 7,
          details: {},
          createdAt: at,
        },
      ],
      olderThan: 40,
    });
    const text = screen.text as Array<{ key: string; vars?: Record<string, unknown> }>;
    expect(text[0]).toEqual({ key: "admin.audit.title_admin", vars: { id: 900_001 } });
    expect(text[1]?.vars).toMatchObject({
      id: 49,
      actor: "900001",
      target: "none",
      details: { msg: "admin.audit.details", vars: { text: '{"kind":"users"}' } },
    });
    expect(text[2]?.vars).toMatchObject({ actor: "system", target: "7", details: "" });
    expect(dataOf(screen)).toEqual([["aau:m:900001:40", "aau:m:900001:0"], [HOME_DATA]]);

    const empty = auditScreen({ kind: "all" }, undefined, { rows: [], olderThan: undefined });
    expect(empty.text).toEqual([{ key: "admin.audit.title_all" }, { key: "admin.audit.empty" }]);
    expect(dataOf(empty)).toEqual([[HOME_DATA]]);
  });
});

describe("pending activations screens", () => {
  it("shows attempts, next try and last error, with a retry button each", () => {
    const later = new Date(Date.now() + 3_600_000);
    const screen = activationsScreen(12, [
      { subscriptionId: 3, userId: 30, attempts: 4, nextAttemptAt: later, lastError: "HTTP 500" },
      { subscriptionId: 5, userId: 50, attempts: 0, nextAttemptAt: null, lastError: null },
      { subscriptionId: 8, userId: 80, attempts: 1, nextAttemptAt: null, lastError: null },
    ]);
    const text = screen.text as Array<{ key: string; vars?: Record<string, unknown> }>;
    expect(text[0]).toEqual({ key: "admin.activations.title", vars: { count: 12 } });
    expect(text[1]?.vars).toEqual({
      id: 3,
      user: "30",
      attempts: 4,
      next: later,
      error: { msg: "admin.activations.error", vars: { text: "HTTP 500" } },
    });
    expect(text[2]?.vars).toMatchObject({ next: { msg: "admin.activations.due_now" }, error: "" });
    expect(dataOf(screen)).toEqual([["aac:r:3", "aac:r:5"], ["aac:r:8"], ["aac", HOME_DATA]]);
    expect(activationsScreen(0, []).text).toEqual([
      { key: "admin.activations.title", vars: { count: 0 } },
      { key: "admin.activations.empty" },
    ]);
  });

  it("confirms with the token and reports each outcome", () => {
    const confirm = confirmRetryScreen({ subscriptionId: 3, userId: 30 }, "abcdefghijkl");
    expect(dataOf(confirm)).toEqual([["aac:go:3:abcdefghijkl"], ["aac"]]);
    expect(retryResultScreen(3, "done").text).toEqual({
      key: "admin.activations.done",
      vars: { id: 3 },
    });
    expect(retryResultScreen(3, "gone").text).toMatchObject({ key: "admin.activations.gone" });
    expect(retryResultScreen(3, "used").text).toMatchObject({ key: "admin.activations.used" });
  });
});

describe("export screens", () => {
  it("offers each table, confirms with the token, reports the outcome", () => {
    expect(dataOf(exportsScreen())).toEqual([
      ["aex:k:users", "aex:k:subscriptions", "aex:k:payments"],
      [HOME_DATA],
    ]);
    expect(dataOf(confirmExportScreen("payments", "abcdefghijkl"))).toEqual([
      ["aex:go:payments:abcdefghijkl"],
      ["aex"],
    ]);
    expect(exportResultScreen("users", { rows: 3 }).text).toEqual({
      key: "admin.exports.done",
      vars: { kind: "users", rows: 3 },
    });
    expect(exportResultScreen("users", { error: "timeout" }).text).toEqual({
      key: "admin.exports.failed",
      vars: { error: "timeout" },
    });
    expect(exportResultScreen("users", "used").text).toEqual({ key: "admin.exports.used" });
    expect(exportFileName("subscriptions", new Date("2026-12-07T11:30:05.123Z"))).toBe(
      "subscriptions-2026-12-07T11-30-05Z.csv",
    );
  });
});
