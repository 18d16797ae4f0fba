import type { MessageRef } from "../../../bot/services.js";
import type { SystemHealth } from "../deps.js";
import type { DashboardData } from "./data.js";

/** Pure: the dashboard's paragraph lines, for the console's home screen. */
export function dashboardLines(data: DashboardData, health?: SystemHealth): MessageRef[] {
  const { customers, subscriptions, conversion, withdrawals } = data;
  const lines: MessageRef[] = [
    {
      key: "admin.dashboard.customers",
      vars: { total: customers.total, today: customers.newToday, week: customers.new7d },
    },
    {
      key: "admin.dashboard.subscriptions",
      vars: {
        paid: subscriptions.activePaid,
        trial: subscriptions.trial,
        pending: subscriptions.pendingActivation,
        expired: subscriptions.expired,
      },
    },
    revenueParagraph(data),
    conversion.trials === 0
      ? { key: "admin.dashboard.conversion_none", vars: { days: conversion.days } }
      : {
          key: "admin.dashboard.conversion",
          vars: {
            days: conversion.days,
            trials: conversion.trials,
            converted: conversion.converted,
            percent: Math.round((conversion.converted / conversion.trials) * 100),
          },
        },
    {
      key: "admin.dashboard.withdrawals",
      vars: { count: withdrawals.count, amount: { kopecks: withdrawals.kopecks } },
    },
  ];
  if (health) lines.push(healthLine(health));
  return lines;
}

/** The revenue totals with one line per method below them (one paragraph). */
function revenueParagraph(data: DashboardData): MessageRef {
  const { revenue } = data;
  const lines = revenue.lines.map((l) => {
    const vars = {
      today: { kopecks: l.todayKopecks },
      week: { kopecks: l.week },
      month: { kopecks: l.month },
    };
    return l.provider === "telegram_stars"
      ? { msg: "admin.dashboard.revenue_stars_line", vars: { ...vars, stars: l.monthStars } }
      : { msg: "admin.dashboard.revenue_line", vars: { ...vars, provider: l.provider } };
  });
  return {
    key: "admin.dashboard.revenue",
    vars: {
      today: { kopecks: revenue.todayKopecks },
      week: { kopecks: revenue.weekKopecks },
      month: { kopecks: revenue.monthKopecks },
      ...Object.fromEntries(lines.map((l, i) => [`line${i}`, l])),
    },
  };
}

function healthLine(health: SystemHealth): MessageRef {
  return {
    key: "admin.dashboard.health",
    vars: {
      wait:
        health.handlerWaitP99Ms === null
          ? { msg: "admin.dashboard.no_samples" }
          : `${health.handlerWaitP99Ms} ms`,
      late:
        health.workersLate.length === 0
          ? { msg: "admin.dashboard.none_late" }
          : health.workersLate.join(", "),
      vpn: health.vpn,
      cryptopay: health.cryptopay,
    },
  };
}
