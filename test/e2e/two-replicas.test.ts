import { afterAll, describe, expect, it } from "vitest";
import { type Service, startService } from "../../src/app.js";
import { loadConfig, WORKER_NAMES } from "../../src/config.js";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { sandboxClient } from "../support/driver.js";
import { captureLogs } from "../support/logs.js";
import { testSandbox } from "../support/sandbox.js";

/**
 * Two replicas of the service on one database and one set of stand-ins, every loop on the same
 * fast grid: the work is shared without a single duplicate side effect.
 */
const ACTIVATIONS = 60;
const EXPIRIES = 40;
const RENEWALS = 20;
const FIRST_USER = 200_001;

const sandbox = await testSandbox();
const sb = sandboxClient(sandbox.url);
const seed = await testDb();
const total = ACTIVATIONS + EXPIRIES + RENEWALS;
// Every customer has talked to the bot, so the Telegram stand-in can deliver to them.
for (let i = 0; i < total; i++) await sb.customer(FIRST_USER + i).send("hi");
// Those greetings are not what this test is about: confirm them so the bot starts after them.
for (let offset = 0; ; ) {
  const res = (await (
    await fetch(`${sandbox.url}/bot${sandbox.botToken}/getUpdates?timeout=0&offset=${offset}`)
  ).json()) as {
    result: Array<{ update_id: number }>;
  };
  const last = res.result.at(-1)?.update_id;
  if (last === undefined) break;
  offset = last + 1;
}
await seed.tx("seed", async (c) => {
  await c.query(
    "INSERT INTO users (telegram_id) SELECT g FROM generate_series($1::bigint, $1::bigint + $2 - 1) g",
    [FIRST_USER, total],
  );
  // Activations due, expiries due, and auto-renewals due (with money for exactly one renewal).
  await c.query(
    `INSERT INTO subscriptions (user_id, expires_at, auto_renew, last_plan, last_period_days)
     SELECT $1::bigint + g,
            CASE WHEN g < $2 THEN now() + interval '30 days'
                 WHEN g < $2 + $3 THEN now() - interval '1 minute'
                 ELSE now() + interval '2 hours' END,
            g >= $2 + $3, CASE WHEN g >= $2 + $3 THEN 'basic' END, CASE WHEN g >= $2 + $3 THEN 30 END
       FROM generate_series(0, $4 - 1) g`,
    [FIRST_USER, ACTIVATIONS, EXPIRIES, total],
  );
  await c.query(
    `INSERT INTO subscription_grants (subscription_id, user_id, kind, seconds, granted_at, expires_after)
     SELECT id, user_id, 'admin', 2592000, expires_at - interval '30 days', expires_at FROM subscriptions`,
  );
  await c.query(
    `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id)
     SELECT user_id, 14900, 'admin_adjustment', 1 FROM subscriptions WHERE auto_renew`,
  );
});

function replicaConfig() {
  const grid = Object.fromEntries(
    WORKER_NAMES.flatMap((name) => [
      [`WORKER_${name}_INTERVAL_MS`, "1000"],
      [`WORKER_${name}_OFFSET_MS`, "0"],
    ]),
  );
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: testDatabaseUrl(),
    PORT: "0",
    HOST: "127.0.0.1",
    BOT_TOKEN: sandbox.botToken,
    TELEGRAM_API_ROOT: sandbox.url,
    VPN_API_URL: sandbox.vpnApiUrl,
    VPN_API_KEY: sandbox.vpnApiKey,
    DB_POOL_MAX: "5",
    DB_POOL_WORKER_MAX: "2",
    WORKER_JITTER_MS: "0",
    START_GATE_INTERVAL_MS: "0",
    WATCHDOG_ENABLED: "false",
    ...grid,
  });
}

const replicas: Service[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.shutdown("test finished")));
});

describe("two replicas on one database", () => {
  it("share the work with exact counts: one VPN call per operation, one message per recipient, one renewal per cycle", async () => {
    const startedAt = Date.now();
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startService(replicaConfig(), {
          appLogger: { logger: captureLogs("warn").logger, flush: async () => {} },
        }),
      );
    }
    const deadline = Date.now() + 20_000;
    let done = false;
    while (!done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const { rows } = await seed.query<{
        pending: number;
        overdue: number;
        renewals: number;
        sending: number;
      }>(
        "progress",
        `SELECT (SELECT count(*)::int FROM subscriptions
                  WHERE status = 'pending' OR (status = 'active' AND provisioned_expires_at IS DISTINCT FROM expires_at)) AS pending,
                (SELECT count(*)::int FROM subscriptions WHERE status IN ('pending','active') AND expires_at <= now()) AS overdue,
                (SELECT count(*)::int FROM subscription_grants WHERE kind = 'auto_renew') AS renewals,
                (SELECT count(*)::int FROM notifications WHERE status = 'sending') AS sending`,
      );
      const p = rows[0]!;
      done = p.pending === 0 && p.overdue === 0 && p.renewals === RENEWALS && p.sending === 0;
    }
    expect(done).toBe(true);
    const finishedAt = Date.now();

    // Single-replica workers ran once per slot across both replicas: reconcile lists the VPN
    // server's keys once per run, so there are at most as many lists as slots went by.
    const slots = Math.floor(finishedAt / 1000) - Math.floor(startedAt / 1000) + 1;
    const lists = (await sb.calls("vpn", "list-users")).filter((c) => c.status === 200);
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.length).toBeLessThanOrEqual(slots);

    // Both replicas did work.
    const iterations = replicas.map((r) => r.loops.reduce((n, l) => n + l.state().iterations, 0));
    expect(iterations.every((n) => n > 0)).toBe(true);

    // VPN: one add-user per operation (a key with its expiry: activation, then the renewed
    // expiry for auto-renewed keys), one remove-user per expired key.
    const vpnCalls = await sb.calls("vpn");
    const perOperation = new Map<string, number>();
    for (const call of vpnCalls.filter((c) => c.method.includes("add-user") && c.status === 200)) {
      const { uuid, expiry_timestamp_ms } = call.request as {
        uuid: string;
        expiry_timestamp_ms: number;
      };
      const key = `${uuid}@${expiry_timestamp_ms}`;
      perOperation.set(key, (perOperation.get(key) ?? 0) + 1);
    }
    expect(new Set([...perOperation.keys()].map((k) => k.split("@")[0])).size).toBe(
      ACTIVATIONS + RENEWALS,
    );
    expect([...perOperation.values()].filter((n) => n !== 1)).toEqual([]);
    const removes = vpnCalls.filter((c) => c.method.includes("remove-user") && c.status === 200);
    expect(removes.length).toBe(EXPIRIES);

    // Telegram: every delivered message belongs to its own notification row (at most one per
    // subscription, kind and cycle), and every row recorded as sent was delivered.
    // Messages and key notices (a key goes out as its QR photo with the link).
    const sends = (await sb.calls("telegram")).filter(
      (c) => (c.method === "sendMessage" || c.method === "sendPhoto") && c.status === 200,
    );
    const delivered = new Map<number, number>();
    for (const call of sends) {
      const chat = Number((call.request as { chat_id: number | string }).chat_id);
      delivered.set(chat, (delivered.get(chat) ?? 0) + 1);
    }
    const { rows: perUser } = await seed.query<{ user_id: string; rows: number; sent: number }>(
      "notices_per_user",
      `SELECT user_id, count(*)::int AS rows, count(*) FILTER (WHERE status = 'sent')::int AS sent
         FROM notifications GROUP BY user_id`,
    );
    expect(perUser.length).toBe(total);
    for (const u of perUser) {
      const got = delivered.get(Number(u.user_id)) ?? 0;
      expect(got).toBeLessThanOrEqual(u.rows);
      expect(got).toBeGreaterThanOrEqual(u.sent);
    }
    const kinds = await seed.query<{ dup: number }>(
      "duplicates",
      "SELECT count(*)::int AS dup FROM (SELECT 1 FROM notifications GROUP BY subscription_id, kind, cycle HAVING count(*) > 1) d",
    );
    expect(kinds.rows[0]?.dup).toBe(0);

    // Money: one renewal per subscription and cycle, balances at zero.
    const { rows } = await seed.query<{ per_sub: number; balance: string }>(
      "renewals",
      `SELECT count(g.id)::int AS per_sub, u.balance_kopecks AS balance
         FROM subscriptions s JOIN users u ON u.telegram_id = s.user_id
         LEFT JOIN subscription_grants g ON g.subscription_id = s.id AND g.kind = 'auto_renew'
        WHERE s.last_plan IS NOT NULL GROUP BY s.id, u.balance_kopecks`,
    );
    expect(rows).toHaveLength(RENEWALS);
    expect(rows.every((r) => r.per_sub === 1 && r.balance === "0")).toBe(true);

    // Exactly one replica long-polls.
    const roles = replicas.map((r) => {
      const status = r.bot?.status();
      return status?.mode === "polling" ? status.role : undefined;
    });
    expect(roles.filter((r) => r === "leader")).toHaveLength(1);
  });
});
