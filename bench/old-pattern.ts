/**
 * The replaced service's shape, rebuilt for the freeze drill (a bench program, not part of the
 * service). One process, like the old one: the sandbox stand-ins, a grammY bot, the workers, the
 * health endpoint and the watchdog share one event loop and one pg pool.
 *
 * - Pool: 15 connections (DB_POOL_MAX_SIZE), 10 s acquire timeout (DB_POOL_ACQUIRE_TIMEOUT), 30 s
 *   per statement (DB_POOL_COMMAND_TIMEOUT); one connection parked for the process-wide advisory
 *   lock (key 987654321), so 14 are left for everything else.
 * - Workers, each behind its own lock, all wake on the same tick (the old 600 s boundary, where
 *   auto-renewal, reconcile and the health check slept 600 s and fast expiry's 60 s and the crypto
 *   watcher's 30 s periods land too): fast expiry holds one connection for its whole batch loop
 *   (MAX_ITERATION_SECONDS = 15 s, checked between rows) across a VPN call per row; auto-renewal
 *   holds one for its batch, then takes one per notice; activation and the trial worker hold one
 *   per subscription across its VPN call; reconcile, the health check and the crypto watcher take
 *   short ones.
 * - Updates arrive by long polling and at most 20 are handled at once (MAX_CONCURRENT_UPDATES, a
 *   semaphore). Each database function takes its own connection (`async with pool.acquire()`);
 *   the key screen and the payment's grant_access keep theirs across the VPN call, the payment
 *   inside its transaction with the customer's advisory transaction lock.
 * - The VPN client: a 10 s timeout (HTTP_TIMEOUT) and two retries (MAX_RETRIES).
 * - Logging is synchronous: every line is written to stderr before the loop goes on (stdlib
 *   StreamHandler), one per handled update, per worker iteration and per failure.
 * - The watchdog (bench/lib/old-watchdog.ts) looks every 30 s and exits only when the event-loop,
 *   worker and health-check heartbeats are all stale; the event-loop beat needs neither the pool
 *   nor the network and the health endpoint (polled by the platform) reads a flag, so a pool
 *   freeze leaves two of the three fresh. Here an exit is counted instead of taken, so the drill
 *   still measures the rest.
 *
 * Environment: DATABASE_URL, SANDBOX_PORT, TICK_MS, SAMPLE_MS, HANDLER_CONCURRENCY (20). Stdout: JSON lines — `ready`,
 * a `sample` of the pool and event loop every SAMPLE_MS, and a `summary` after SIGTERM.
 */
import { writeSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { run } from "@grammyjs/runner";
import { Bot, type Context, InlineKeyboard } from "grammy";
import pg from "pg";
import { silentLogger } from "../src/logger.js";
import { startSandbox } from "../src/sandbox/index.js";
import { allStale, type Heartbeats, OLD_WATCHDOG, worstStaleness } from "./lib/old-watchdog.js";
import { SLOW_VPN_FAULTS, setFaults } from "./lib/sandbox-control.js";

const POOL_MAX = 15;
const ACQUIRE_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 30_000;
/** The old HTTP_TIMEOUT and MAX_RETRIES: a timed-out VPN call was tried twice more. */
const VPN_TIMEOUT_MS = 10_000;
const VPN_RETRIES = 2;
const BATCH_BUDGET_MS = 15_000;
const ADVISORY_LOCK_KEY = 987654321;
/** How often the platform asked the health endpoint. */
const HEALTH_PROBE_MS = 10_000;

const env = process.env;
/** MAX_CONCURRENT_UPDATES unless HANDLER_CONCURRENCY says otherwise. */
const HANDLER_CONCURRENCY = Number(env.HANDLER_CONCURRENCY ?? 20);
const tickMs = Number(env.TICK_MS ?? 20_000);
const sampleMs = Number(env.SAMPLE_MS ?? 500);
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const sandbox = await startSandbox({ port: Number(env.SANDBOX_PORT ?? 0), logger: silentLogger() });
await setFaults(sandbox.url, SLOW_VPN_FAULTS);

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: POOL_MAX,
  connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS,
  query_timeout: COMMAND_TIMEOUT_MS,
  application_name: "old-pattern",
});

// --- synchronous logging: the write finishes (or blocks the whole loop) before anything else runs ---

/** Writes all of `text` to `fd` before returning, as a blocking write does. */
function writeAll(fd: number, text: string) {
  for (let rest = Buffer.from(text); rest.length > 0; ) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      // A non-blocking descriptor that is full: keep trying.
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

const logStats = { lines: 0, blocked_ms_total: 0, blocked_ms_max: 0 };
function log(level: string, msg: string, fields: object = {}) {
  const line = `${new Date().toISOString()} ${level} ${msg} ${JSON.stringify(fields)}\n`;
  const t0 = performance.now();
  writeAll(2, line);
  const took = performance.now() - t0;
  logStats.lines++;
  logStats.blocked_ms_total += took;
  logStats.blocked_ms_max = Math.max(logStats.blocked_ms_max, took);
}

// --- heartbeats and the watchdog ---

const started = Date.now();
const beats: Heartbeats = { event_loop: started, worker: started, healthcheck: started };
const watchdog = {
  checks: 0,
  exits: 0,
  worst: { event_loop: 0, worker: 0, healthcheck: 0 } as Heartbeats,
};

type Kind = "handler" | "worker" | "system";
const waits: Record<Kind, number[]> = { handler: [], worker: [], system: [] };
const timeouts: Record<Kind, number> = { handler: 0, worker: 0, system: 0 };
const holds: number[] = [];
const heldAcrossNetwork = { count: 0 };
const rows: Record<string, number> = {};

/** pool.connect() with the wait and the hold measured. */
async function acquire(kind: Kind): Promise<{ c: pg.PoolClient; release(): void }> {
  const asked = performance.now();
  let c: pg.PoolClient;
  try {
    c = await pool.connect();
  } catch (err) {
    timeouts[kind]++;
    waits[kind].push(performance.now() - asked);
    log("ERROR", "pool acquire failed", { kind, error: String(err) });
    throw err;
  }
  const got = performance.now();
  waits[kind].push(got - asked);
  return {
    c,
    release() {
      holds.push(performance.now() - got);
      c.release();
    },
  };
}

async function vpn(path: string, body?: object): Promise<void> {
  for (let attempt = 0; attempt <= VPN_RETRIES; attempt++) {
    if (await vpnOnce(path, body)) return;
    log("WARNING", "VPN API call failed", { path, attempt });
  }
}

async function vpnOnce(path: string, body?: object): Promise<boolean> {
  try {
    const res = await fetch(`${sandbox.vpnApiUrl}/${path}`, {
      method: body === undefined && path.startsWith("list") ? "GET" : "POST",
      headers: { "content-type": "application/json", "x-api-key": sandbox.vpnApiKey },
      ...(path.startsWith("list") ? {} : { body: JSON.stringify(body ?? {}) }),
      signal: AbortSignal.timeout(VPN_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    // A timed-out call: the old client retried, then logged it and moved on to the next row.
    return false;
  }
}

/** Runs `fn` on a connection of its own, like each old database function did. */
async function withConn<T>(kind: Kind, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const { c, release } = await acquire(kind);
  try {
    return await fn(c);
  } finally {
    release();
  }
}

/** A VPN call made with a connection checked out: the pattern the new service forbids. */
async function vpnHolding(path: string, body?: object) {
  heldAcrossNetwork.count++;
  await vpn(path, body);
}

async function seed() {
  const { c, release } = await acquire("system");
  try {
    await c.query(`DROP SCHEMA IF EXISTS oldsvc CASCADE; CREATE SCHEMA oldsvc;
      CREATE TABLE oldsvc.users (telegram_id bigint PRIMARY KEY, language text,
        balance bigint NOT NULL DEFAULT 0, last_seen timestamptz NOT NULL DEFAULT now());
      CREATE TABLE oldsvc.subscriptions (id bigserial PRIMARY KEY, user_id bigint UNIQUE NOT NULL,
        status text NOT NULL, expires_at timestamptz NOT NULL, auto_renew boolean NOT NULL DEFAULT false,
        is_trial boolean NOT NULL DEFAULT false, activated boolean NOT NULL DEFAULT true,
        vpn_uuid uuid NOT NULL DEFAULT gen_random_uuid());
      CREATE INDEX ON oldsvc.subscriptions (expires_at);
      CREATE TABLE oldsvc.invoices (id bigserial PRIMARY KEY, user_id bigint NOT NULL,
        status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE oldsvc.notices (id bigserial PRIMARY KEY, user_id bigint NOT NULL, kind text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now());`);
    await c.query(
      "INSERT INTO oldsvc.users (telegram_id) SELECT g FROM generate_series(1, 50000) g",
    );
    // 3000 expired, 3000 renewing, 3000 pending activation, 2000 trials ending; the rest live.
    await c.query(`INSERT INTO oldsvc.subscriptions (user_id, status, expires_at, auto_renew, is_trial, activated)
      SELECT g, 'active',
        CASE WHEN g <= 3000 THEN now() - interval '1 minute'
             WHEN g <= 6000 THEN now() + interval '3 hours'
             WHEN g <= 11000 THEN now() - interval '1 minute'
             ELSE now() + (g % 300 + 30) * interval '1 day' END,
        g > 3000 AND g <= 6000, g > 9000 AND g <= 11000, NOT (g > 6000 AND g <= 9000)
      FROM generate_series(1, 50000) g`);
    await c.query(`UPDATE oldsvc.subscriptions SET expires_at = now() + interval '20 days'
      WHERE user_id > 6000 AND user_id <= 9000`);
    await c.query(`INSERT INTO oldsvc.invoices (user_id, status)
      SELECT g, 'active' FROM generate_series(20001, 22000) g`);
  } finally {
    release();
  }
}

// --- workers (each with its own lock, like the old per-worker asyncio.Lock) ---

const busy = new Set<string>();
function worker(name: string, body: () => Promise<void>) {
  return async () => {
    if (busy.has(name)) return;
    busy.add(name);
    beats.worker = Date.now();
    log("INFO", "worker iteration start", { worker: name });
    try {
      await body();
      log("INFO", "worker iteration done", { worker: name });
    } catch (err) {
      // The old workers logged and waited for the next tick.
      log("ERROR", "worker iteration failed", { worker: name, error: String(err) });
    } finally {
      busy.delete(name);
    }
  };
}
const count = (name: string, n = 1) => {
  rows[name] = (rows[name] ?? 0) + n;
};

const workers = [
  worker("fast_expiry", async () => {
    const { c, release } = await acquire("worker");
    const until = Date.now() + BATCH_BUDGET_MS;
    try {
      while (Date.now() < until) {
        const { rows: due } = await c.query<{ id: string; vpn_uuid: string }>(
          `SELECT id, vpn_uuid FROM oldsvc.subscriptions
            WHERE status = 'active' AND expires_at < now() AND NOT is_trial LIMIT 50`,
        );
        if (due.length === 0) break;
        for (const r of due) {
          if (Date.now() >= until) break;
          await vpnHolding(`remove-user/${r.vpn_uuid}`);
          await c.query("UPDATE oldsvc.subscriptions SET status = 'expired' WHERE id = $1", [r.id]);
          count("fast_expiry");
        }
      }
    } finally {
      release();
    }
  }),
  worker("auto_renewal", async () => {
    const renewed: string[] = [];
    const { c, release } = await acquire("worker");
    const until = Date.now() + BATCH_BUDGET_MS;
    try {
      while (Date.now() < until) {
        const { rows: due } = await c.query<{ id: string; user_id: string }>(
          `SELECT id, user_id FROM oldsvc.subscriptions WHERE auto_renew AND status = 'active'
            AND expires_at < now() + interval '6 hours' LIMIT 50`,
        );
        if (due.length === 0) break;
        for (const r of due) {
          await c.query(
            "UPDATE oldsvc.subscriptions SET expires_at = expires_at + interval '30 days' WHERE id = $1",
            [r.id],
          );
          renewed.push(r.user_id);
          count("auto_renewal");
        }
      }
    } finally {
      release();
    }
    for (const userId of renewed) {
      const n = await acquire("worker");
      try {
        await n.c.query("INSERT INTO oldsvc.notices (user_id, kind) VALUES ($1, 'renewed')", [
          userId,
        ]);
      } finally {
        n.release();
      }
      await bot.api.sendMessage(Number(userId), "Renewed").catch(() => undefined);
    }
  }),
  worker("activation", async () => {
    const until = Date.now() + BATCH_BUDGET_MS;
    while (Date.now() < until) {
      const { c, release } = await acquire("worker");
      try {
        const { rows: due } = await c.query<{ id: string; user_id: string; vpn_uuid: string }>(
          "SELECT id, user_id, vpn_uuid FROM oldsvc.subscriptions WHERE NOT activated LIMIT 1",
        );
        const r = due[0];
        if (!r) break;
        await vpnHolding("add-user", {
          uuid: r.vpn_uuid,
          telegram_id: Number(r.user_id),
          expiry_timestamp_ms: Date.now() + 86_400_000,
        });
        await c.query("UPDATE oldsvc.subscriptions SET activated = true WHERE id = $1", [r.id]);
        count("activation");
      } finally {
        release();
      }
    }
  }),
  worker("trial_notifications", async () => {
    const until = Date.now() + BATCH_BUDGET_MS;
    while (Date.now() < until) {
      const { c, release } = await acquire("worker");
      try {
        const { rows: due } = await c.query<{ id: string; vpn_uuid: string }>(
          `SELECT id, vpn_uuid FROM oldsvc.subscriptions
            WHERE is_trial AND status = 'active' AND expires_at < now() LIMIT 1`,
        );
        const r = due[0];
        if (!r) break;
        await vpnHolding(`remove-user/${r.vpn_uuid}`);
        await c.query("UPDATE oldsvc.subscriptions SET status = 'expired' WHERE id = $1", [r.id]);
        count("trial_notifications");
      } finally {
        release();
      }
    }
  }),
  worker("reconcile", async () => {
    let after = 0;
    for (;;) {
      const { c, release } = await acquire("worker");
      let page: Array<{ id: string }>;
      try {
        page = (
          await c.query<{ id: string }>(
            "SELECT id FROM oldsvc.subscriptions WHERE id > $1 ORDER BY id LIMIT 1000",
            [after],
          )
        ).rows;
      } finally {
        release();
      }
      if (page.length === 0) break;
      count("reconcile", page.length);
      after = Number(page[page.length - 1]?.id);
    }
    await vpn("list-users");
  }),
  worker("health_check", async () => {
    const { c, release } = await acquire("worker");
    try {
      await c.query("SELECT 1");
    } finally {
      release();
    }
    await vpn("health");
    count("health_check");
  }),
  worker("crypto_watcher", async () => {
    const { c, release } = await acquire("worker");
    try {
      const { rows: open } = await c.query(
        "SELECT id FROM oldsvc.invoices WHERE status = 'active' ORDER BY id LIMIT 100",
      );
      count("crypto_watcher", open.length);
    } finally {
      release();
    }
  }),
];

// --- the bot ---

const bot = new Bot<Context>(sandbox.botToken, { client: { apiRoot: sandbox.url } });
const menu = () =>
  new InlineKeyboard().text("Profile", "f:profile").text("Buy", "f:buy").row().text("Key", "f:key");
const back = () => new InlineKeyboard().text("Menu", "menu");

// Updates being handled, of HANDLER_CONCURRENCY allowed: while all are taken, new updates are not even
// fetched and wait at Telegram.
const handling = { now: 0 };

// The old database functions the handlers called, each on a connection of its own.
const ensureUser = (id: number) =>
  withConn("handler", (c) =>
    c.query(
      `INSERT INTO oldsvc.users (telegram_id, language) VALUES ($1, 'en')
       ON CONFLICT (telegram_id) DO UPDATE SET last_seen = now() RETURNING language`,
      [id],
    ),
  );
const getUser = (id: number) =>
  withConn("handler", (c) =>
    c.query<{ balance: string }>("SELECT balance FROM oldsvc.users WHERE telegram_id = $1", [id]),
  );
const getSubscription = (id: number) =>
  withConn("handler", (c) =>
    c.query("SELECT status, expires_at, vpn_uuid FROM oldsvc.subscriptions WHERE user_id = $1", [
      id,
    ]),
  );

bot.use(async (ctx, next) => {
  handling.now++;
  const t0 = performance.now();
  try {
    // The user middleware: the customer is registered (or seen) before every update.
    const id = ctx.from?.id;
    if (id !== undefined) await ensureUser(id);
    await next();
    log("INFO", "update handled", {
      update_id: ctx.update.update_id,
      duration_ms: Math.round(performance.now() - t0),
    });
  } finally {
    handling.now--;
  }
});

bot.command(["start", "menu"], async (ctx) => {
  await getSubscription(ctx.from?.id ?? 0);
  await ctx.reply("Menu", { reply_markup: menu() });
});
bot.callbackQuery("menu", async (ctx) => {
  await ctx.answerCallbackQuery();
  await getSubscription(ctx.from.id);
  await ctx.editMessageText("Menu", { reply_markup: menu() });
});
bot.callbackQuery("f:profile", async (ctx) => {
  await ctx.answerCallbackQuery();
  const { rows: u } = await getUser(ctx.from.id);
  const { rows: sub } = await getSubscription(ctx.from.id);
  // Like the service's profile: "My key" once the customer has a subscription.
  const keyboard = sub.length > 0 ? new InlineKeyboard().text("Key", "f:key").row() : undefined;
  await ctx.editMessageText(`Profile, balance ${u[0]?.balance ?? 0}`, {
    reply_markup: (keyboard ?? new InlineKeyboard()).text("Menu", "menu"),
  });
});
bot.callbackQuery("f:key", async (ctx) => {
  await ctx.answerCallbackQuery();
  await getSubscription(ctx.from.id);
  // The key is made sure of on the VPN server with the connection held (grant_access's path).
  await withConn("handler", async (c) => {
    await c.query("SELECT vpn_uuid FROM oldsvc.subscriptions WHERE user_id = $1", [ctx.from.id]);
    await vpnHolding("add-user", {
      uuid: crypto.randomUUID(),
      telegram_id: ctx.from.id,
      expiry_timestamp_ms: Date.now() + 86_400_000,
    });
  });
  await ctx.editMessageText("Your key: vless://…", { reply_markup: back() });
});
bot.callbackQuery("f:buy", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText("Plans", {
    reply_markup: new InlineKeyboard().text("Basic", "b:basic").row().text("Menu", "menu"),
  });
});
bot.callbackQuery("b:basic", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText("Periods", {
    reply_markup: new InlineKeyboard().text("30 days", "b:basic:30").row().text("Menu", "menu"),
  });
});
bot.callbackQuery("b:basic:30", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText("Methods", {
    reply_markup: new InlineKeyboard()
      .text("Stars", "b:basic:30:xtr:83")
      .row()
      .text("Menu", "menu"),
  });
});
bot.callbackQuery("b:basic:30:xtr:83", async (ctx) => {
  await ctx.answerCallbackQuery();
  const { rows: inv } = await withConn("handler", (c) =>
    c.query<{ id: string }>(
      "INSERT INTO oldsvc.invoices (user_id, status) VALUES ($1, 'active') RETURNING id",
      [ctx.from.id],
    ),
  );
  await ctx.replyWithInvoice("VPN Basic, 30 days", "30 days", `inv:${inv[0]?.id}`, "XTR", [
    { label: "Basic, 30 days", amount: 83 },
  ]);
});
bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
bot.on("message:successful_payment", async (ctx) => {
  // Payment finalisation: one transaction under the customer's advisory transaction lock, the
  // subscription extended and grant_access adding the key with the connection held.
  await withConn("handler", async (c) => {
    await c.query("BEGIN");
    try {
      await c.query("SELECT pg_advisory_xact_lock($1)", [ctx.from.id]);
      await c.query(
        `INSERT INTO oldsvc.subscriptions (user_id, status, expires_at) VALUES ($1, 'active', now() + interval '30 days')
         ON CONFLICT (user_id) DO UPDATE SET expires_at = greatest(oldsvc.subscriptions.expires_at, now()) + interval '30 days', status = 'active'`,
        [ctx.from.id],
      );
      await vpnHolding("add-user", {
        uuid: crypto.randomUUID(),
        telegram_id: ctx.from.id,
        expiry_timestamp_ms: Date.now() + 30 * 86_400_000,
      });
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  });
  await ctx.reply("Paid: your key is vless://…", { reply_markup: back() });
});
bot.catch((err) => {
  // An update whose handler failed (an acquire timeout): logged, and the customer gets no answer.
  log("ERROR", "update failed", { error: String(err.error) });
});

await seed();
const advisory = await pool.connect();
await advisory.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);

// The health endpoint reads a readiness flag, never the pool, and marks its heartbeat on a 200;
// the platform asks it every HEALTH_PROBE_MS.
const dbReady = true;
const health = createServer((_req, res) => {
  res.statusCode = dbReady ? 200 : 503;
  if (dbReady) beats.healthcheck = Date.now();
  res.end(dbReady ? "ok" : "not ready");
});
await new Promise<void>((resolve) => health.listen(0, "127.0.0.1", resolve));
const healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
const healthProbe = setInterval(() => {
  void fetch(healthUrl, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.arrayBuffer())
    .catch(() => undefined);
}, HEALTH_PROBE_MS);
const loopBeat = setInterval(() => {
  beats.event_loop = Date.now();
}, OLD_WATCHDOG.eventLoopBeatEveryMs);
const watchdogTimer = setInterval(() => {
  const now = Date.now();
  watchdog.checks++;
  watchdog.worst = worstStaleness(watchdog.worst, now, beats);
  if (allStale(now, beats)) {
    log("CRITICAL", "watchdog: all heartbeats stale, exiting", { beats });
    watchdog.exits++;
  }
}, OLD_WATCHDOG.checkEveryMs);

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const sampler = setInterval(() => {
  out({
    sample: {
      t: Date.now(),
      used: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
      handling: handling.now,
      lag_p99_ms: lag.percentile(99) / 1e6,
      lag_max_ms: lag.max / 1e6,
    },
  });
  lag.reset();
}, sampleMs);

const ticks: number[] = [];
let tickTimer: NodeJS.Timeout | undefined;
const scheduleTick = () => {
  const next = Math.ceil((Date.now() + 1) / tickMs) * tickMs;
  tickTimer = setTimeout(() => {
    ticks.push(next);
    for (const w of workers) void w();
    scheduleTick();
  }, next - Date.now());
};
scheduleTick();

const runner = run(bot, { sink: { concurrency: HANDLER_CONCURRENCY } });
out({ ready: true, control_url: sandbox.url });

process.once("SIGTERM", async () => {
  clearTimeout(tickTimer);
  clearInterval(sampler);
  for (const t of [healthProbe, loopBeat, watchdogTimer]) clearInterval(t);
  watchdog.worst = worstStaleness(watchdog.worst, Date.now(), beats);
  // Hundredths of a millisecond are plenty, and keep the summary line a fraction of the size.
  const ms = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);
  // Written synchronously: the line is out before any of the shutdown below can fail.
  const summary = {
    summary: {
      waits: { handler: ms(waits.handler), worker: ms(waits.worker), system: ms(waits.system) },
      timeouts,
      holds: ms(holds),
      held_during_network_call: heldAcrossNetwork.count,
      rows,
      ticks,
      watchdog: {
        checks: watchdog.checks,
        exits: watchdog.exits,
        worst_staleness_ms: watchdog.worst,
      },
      log: {
        lines: logStats.lines,
        blocked_ms_total: Math.round(logStats.blocked_ms_total),
        blocked_ms_max: Math.round(logStats.blocked_ms_max * 100) / 100,
      },
    },
  };
  writeAll(1, `${JSON.stringify(summary)}\n`);
  try {
    await runner.stop().catch(() => undefined);
    advisory.release();
    health.close();
    await pool.end().catch(() => undefined);
    await sandbox.close();
  } catch (err) {
    log("ERROR", "shutdown failed", { error: String(err) });
  }
  process.exit(0);
});
