import { describe, expect, it } from "vitest";
import type { ScreenButton } from "../../src/bot/services.js";
import type { WithdrawalView } from "../../src/domain/billing/withdrawals.js";
import {
  listScreen,
  PAGE_SIZE,
  rejectConfirmScreen,
  requestScreen,
} from "../../src/features/admin/withdrawals/screens.js";

const dataOf = (rows: ScreenButton[][] | undefined) =>
  (rows ?? []).flat().map((b) => ("callbackData" in b ? b.callbackData : ""));

const pending: WithdrawalView = {
  id: 7,
  userId: 2401,
  username: "tom",
  amountKopecks: 50_000,
  requisites: "card 4242",
  status: "pending",
  decidedBy: null,
  decidedAt: null,
  rejectReason: null,
  createdAt: new Date("2026-12-01T10:00:00Z"),
};

describe("withdrawal screens", () => {
  it("a pending request offers approve and reject; a decided one only its outcome", () => {
    expect(dataOf(requestScreen(pending).buttons)).toEqual(["wd:7:a", "wd:7:r", "wdl:0"]);
    const decided = requestScreen({
      ...pending,
      status: "rejected",
      decidedBy: 900_001,
      decidedAt: new Date("2026-12-01T11:00:00Z"),
      rejectReason: "bad card",
    });
    expect(decided.buttons).toEqual([]);
    expect(decided.text).toEqual([
      expect.objectContaining({ key: "admin.withdrawals.request" }),
      {
        key: "admin.withdrawals.outcome",
        vars: {
          status: "rejected",
          admin: "900001",
          at: new Date("2026-12-01T11:00:00Z"),
          reason: "bad card",
        },
      },
    ]);
  });

  it("the reject confirmation carries its draft", () => {
    expect(dataOf(rejectConfirmScreen(pending, "why", 42).buttons)).toEqual([
      "wd:7:rt:42",
      "wd:7:v",
    ]);
  });

  it("the open list pages forward and back", () => {
    const items = Array.from({ length: PAGE_SIZE }, (_, i) => ({
      id: 100 + i,
      userId: 1,
      amountKopecks: 50_000,
      requisites: "x",
      createdAt: new Date(),
    }));
    const first = dataOf(listScreen(items, 25, 0).buttons);
    expect(first).toContain("wd:100:v");
    expect(first).toContain("wdl:10");
    expect(first).not.toContain("wdl:0");
    const middle = dataOf(listScreen(items, 25, 10).buttons);
    expect(middle).toEqual(expect.arrayContaining(["wdl:0", "wdl:20", "adm"]));
    const last = dataOf(listScreen(items.slice(0, 5), 25, 20).buttons);
    expect(last).toContain("wdl:10");
    expect(last).not.toContain("wdl:30");
    expect(listScreen([], 0, 0).text).toEqual({
      key: "admin.withdrawals.list_empty",
      vars: { total: 0, from: 0, to: 0 },
    });
  });
});
