import { describe, expect, it } from "vitest";
import { RecentWaits } from "../../src/db/report.js";
import type { DashboardData } from "../../src/features/admin/dashboard/data.js";
import { dashboardLines } from "../../src/features/admin/dashboard/screen.js";
import type { AdminGroup } from "../../src/features/admin/group.js";
import { HOME_DATA, homeScreen } from "../../src/features/admin/home.js";
import { dependencyState, lateLoops } from "../../src/ops/system-health.js";
import type { LoopState } from "../../src/workers/loop.js";

const data: DashboardData = {
  customers: { total: 120, newToday: 3, new7d: 17 },
  subscriptions: { activePaid: 40, trial: 9, pendingActivation: 2, expired: 55 },
  revenue: {
    lines: [
      { provider: "telegram_stars", todayKopecks: 0, week: 15_000, month: 30_000, monthStars: 200 },
      {
        provider: "telegram_card",
        todayKopecks: 29_900,
        week: 59_800,
        month: 89_700,
        monthStars: 0,
      },
      { provider: "cryptopay", todayKopecks: 0, week: 0, month: 10_000, monthStars: 0 },
    ],
    todayKopecks: 29_900,
    weekKopecks: 74_800,
    monthKopecks: 129_700,
  },
  conversion: { days: 30, trials: 8, converted: 3 },
  withdrawals: { count: 2, kopecks: 120_000 },
};

describe("dashboard screen", () => {
  it("puts every number into its line", () => {
    const lines = dashboardLines(data);
    expect(lines.map((l) => l.key)).toEqual([
      "admin.dashboard.customers",
      "admin.dashboard.subscriptions",
      "admin.dashboard.revenue",
      "admin.dashboard.conversion",
      "admin.dashboard.withdrawals",
    ]);
    expect(lines[0]?.vars).toEqual({ total: 120, today: 3, week: 17 });
    expect(lines[1]?.vars).toEqual({ paid: 40, trial: 9, pending: 2, expired: 55 });
    expect(lines[2]?.vars).toMatchObject({
      today: { kopecks: 29_900 },
      week: { kopecks: 74_800 },
      month: { kopecks: 129_700 },
      line0: { msg: "admin.dashboard.revenue_stars_line", vars: { stars: 200 } },
      line1: { msg: "admin.dashboard.revenue_line", vars: { provider: "telegram_card" } },
      line2: { msg: "admin.dashboard.revenue_line", vars: { month: { kopecks: 10_000 } } },
    });
    expect(lines[3]?.vars).toEqual({ days: 30, trials: 8, converted: 3, percent: 38 });
    expect(lines[4]?.vars).toEqual({ count: 2, amount: { kopecks: 120_000 } });
  });

  it("says so when there were no trials, and adds the health line when given", () => {
    const lines = dashboardLines(
      { ...data, conversion: { days: 30, trials: 0, converted: 0 } },
      { handlerWaitP99Ms: null, workersLate: [], vpn: "ok", cryptopay: "circuit open: 502" },
    );
    expect(lines[3]).toEqual({ key: "admin.dashboard.conversion_none", vars: { days: 30 } });
    expect(lines[5]).toEqual({
      key: "admin.dashboard.health",
      vars: {
        wait: { msg: "admin.dashboard.no_samples" },
        late: { msg: "admin.dashboard.none_late" },
        vpn: "ok",
        cryptopay: "circuit open: 502",
      },
    });
    const busy = dashboardLines(data, {
      handlerWaitP99Ms: 1.4,
      workersLate: ["expiry", "activation"],
      vpn: "circuit open: timeout",
      cryptopay: "not configured",
    });
    expect(busy[5]?.vars).toMatchObject({ wait: "1.4 ms", late: "expiry, activation" });
  });

  it("the home screen: title, the numbers, refresh, then the groups two a row", () => {
    const group = (n: number): AdminGroup => ({
      name: `g${n}`,
      prefixes: [`g${n}`],
      composer: undefined as never,
      entry: { label: "admin.audit.entry", data: `g${n}` },
    });
    const screen = homeScreen([group(1), group(2), group(3)], dashboardLines(data));
    expect(Array.isArray(screen.text) && screen.text[0]).toEqual({ key: "admin.home.title" });
    expect(Array.isArray(screen.text) && screen.text.length).toBe(6);
    const data_ = screen.buttons?.map((row) =>
      row.map((b) => ("callbackData" in b ? b.callbackData : "")),
    );
    expect(data_).toEqual([[HOME_DATA], ["g1", "g2"], ["g3"]]);
    expect(screen.noMenuButton).toBe(true);
  });
});

describe("system health", () => {
  const loop = (over: Partial<LoopState>): LoopState => ({
    name: "w",
    intervalMs: 1_000,
    running: true,
    currentStartedAt: undefined,
    lastStartedAt: undefined,
    lastFinishedAt: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    iterations: 0,
    failures: 0,
    ...over,
  });

  it("a loop is late when an iteration overruns its interval or none started for two", () => {
    const now = 100_000;
    expect(
      lateLoops(
        [
          loop({ name: "fresh" }),
          loop({ name: "on-time", lastStartedAt: now - 1_500 }),
          loop({ name: "overdue", lastStartedAt: now - 2_500 }),
          loop({ name: "running", currentStartedAt: now - 500 }),
          loop({ name: "overrun", currentStartedAt: now - 1_200 }),
          loop({ name: "stopped", running: false, lastStartedAt: now - 60_000 }),
        ],
        now,
      ),
    ).toEqual(["overdue", "overrun"]);
  });

  it("names a dependency as /ready does", () => {
    const report = {
      ready: true,
      reasons: [],
      dependencies: {
        vpn_api: { ok: false, detail: "circuit open: timeout", since: "" },
        cryptopay: { ok: true, since: "" },
      },
    };
    expect(dependencyState(report, "vpn_api", "not configured")).toBe("circuit open: timeout");
    expect(dependencyState(report, "cryptopay", "not configured")).toBe("ok");
    expect(dependencyState({ ...report, dependencies: {} }, "cryptopay", "not configured")).toBe(
      "not configured",
    );
  });

  it("the wait p99 spans the last minutes only", () => {
    let now = 10 * 60_000;
    const waits = new RecentWaits(5, () => now);
    expect(waits.p99Ms()).toBeNull();
    for (let i = 0; i < 100; i++) waits.record(0.5);
    waits.record(40);
    expect(waits.p99Ms()).toBeGreaterThan(0);
    expect(waits.p99Ms()).toBeLessThan(1);
    for (let i = 0; i < 10; i++) waits.record(40);
    expect(waits.p99Ms()).toBeCloseTo(40, 0);
    now += 4 * 60_000;
    expect(waits.p99Ms()).toBeCloseTo(40, 0);
    now += 60_000;
    expect(waits.p99Ms()).toBeNull();
  });
});
