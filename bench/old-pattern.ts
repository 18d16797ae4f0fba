/**
 * The replaced service's shape, rebuilt for the freeze drill (a bench program, not part of the
 * service). One process, like the old one: the sandbox stand-ins, a grammY bot and the workers
 * share one pg pool of 15 connections with the old 10 s acquire timeout, and
 *
 * - one connection is parked for the process-wide advisory lock (14 left);
 * - every worker wakes on the same compressed tick (the old 600 s boundary): fast expiry holds
 *   one connection for its whole batch loop (up to 15 s) across a VPN call per row; auto-renewal
 *   holds one for its batch, then takes one per notice; activation and the trial worker hold a
 *   connection per subscription across its VPN call; reconcile, the health check and the crypto
 *   watcher take short ones;
 * - update handlers (at most 20 at once, the old MAX_CONCURRENT_UPDATES) take a connection when
 *   the update arrives and keep it until the handler returns, Telegram calls included; the key
 *   screen makes sure the key is on the VPN server, and a payment grants access, both with the
 *   connection held across the VPN call.
 *
 * The VPN client is the old one: a 10 s timeout (HTTP_TIMEOUT) and two retries (MAX_RETRIES).
 *
 * Environment: DATABASE_URL, SANDBOX_PORT, TICK_MS, SAMPLE_MS. Stdout: JSON lines — `ready`,
 * a `sample` of the pool and event loop every SAMPLE_MS, and a `summary` after SIGTERM.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { run } from "@grammyjs/runner";
import { Bot, type Context, InlineKeyboard } from "grammy";
import pg from "pg";
import { silentLogger } from "../src/logger.js";
import { startSandbox } from "../src/sandbox/index.js";
import { SLOW_VPN_FAULTS, setFaults } from "./lib/sandbox-control.js";

const POOL_MAX = 15;
const ACQUIRE_TIMEOUT_MS = 10_000;
/** The old HTTP_TIMEOUT and MAX_RETRIES: a timed-out VPN call was tried twice more. */
const VPN_TIMEOUT_MS = 10_000;
const VPN_RETRIES = 2;
const BATCH_BUDGET_MS = 15_000;
const HANDLER_CONCURRENCY = 20;
const ADVISORY_LOCK_KEY = 987654321;

const env = process.env;
const tickMs = Number(env.TICK_MS ?? 20_000);
const sampleMs = Number(env.SAMPLE_MS ?? 500);
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const sandbox = await startSandbox({ port: Number(env.SANDBOX_PORT ?? 0), logger: silentLogger() });
await setFaults(sandbox.url, SLOW_VPN_FAULTS);

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: POOL_MAX,
  connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS,
  application_name: "old-pattern",
});

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

/** A VPN call made while `held` is checked out: the pattern the new service forbids. */
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
    try {
      await body();
    } catch {
      // The old workers logged and waited for the next tick.
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

bot.use(async (ctx, next) => {
  // The old DB middleware: a connection for the whole update.
  const { c, release } = await acquire("handler");
  try {
    const id = ctx.from?.id;
    if (id !== undefined) {
      await c.query(
        `INSERT INTO oldsvc.users (telegram_id, language) VALUES ($1, 'en')
         ON CONFLICT (telegram_id) DO UPDATE SET last_seen = now()`,
        [id],
      );
      await c.query("SELECT status, expires_at FROM oldsvc.subscriptions WHERE user_id = $1", [id]);
    }
    (ctx as Context & { db?: pg.PoolClient }).db = c;
    await next();
  } finally {
    release();
  }
});
const db = (ctx: Context) => (ctx as Context & { db: pg.PoolClient }).db;

bot.command(["start", "menu"], (ctx) => ctx.reply("Menu", { reply_markup: menu() }));
bot.callbackQuery("menu", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText("Menu", { reply_markup: menu() });
});
bot.callbackQuery("f:profile", async (ctx) => {
  await ctx.answerCallbackQuery();
  const { rows: u } = await db(ctx).query(
    "SELECT balance FROM oldsvc.users WHERE telegram_id = $1",
    [ctx.from.id],
  );
  await ctx.editMessageText(`Profile, balance ${u[0]?.balance ?? 0}`, { reply_markup: back() });
});
bot.callbackQuery("f:key", async (ctx) => {
  await ctx.answerCallbackQuery();
  await vpnHolding("add-user", {
    uuid: crypto.randomUUID(),
    telegram_id: ctx.from.id,
    expiry_timestamp_ms: Date.now() + 86_400_000,
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
  const { rows: inv } = await db(ctx).query<{ id: string }>(
    "INSERT INTO oldsvc.invoices (user_id, status) VALUES ($1, 'active') RETURNING id",
    [ctx.from.id],
  );
  await ctx.replyWithInvoice("VPN Basic, 30 days", "30 days", `inv:${inv[0]?.id}`, "XTR", [
    { label: "Basic, 30 days", amount: 83 },
  ]);
});
bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
bot.on("message:successful_payment", async (ctx) => {
  // grant_access: the subscription is extended and the key added with the connection held.
  await db(ctx).query(
    `INSERT INTO oldsvc.subscriptions (user_id, status, expires_at) VALUES ($1, 'active', now() + interval '30 days')
     ON CONFLICT (user_id) DO UPDATE SET expires_at = greatest(oldsvc.subscriptions.expires_at, now()) + interval '30 days', status = 'active'`,
    [ctx.from.id],
  );
  await vpnHolding("add-user", {
    uuid: crypto.randomUUID(),
    telegram_id: ctx.from.id,
    expiry_timestamp_ms: Date.now() + 30 * 86_400_000,
  });
  await ctx.reply("Paid: your key is vless://…", { reply_markup: back() });
});
bot.catch(() => {
  // An update whose handler failed (an acquire timeout): the customer gets no answer.
});

await seed();
const advisory = await pool.connect();
await advisory.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const sampler = setInterval(() => {
  out({
    sample: {
      t: Date.now(),
      used: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
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
  out({
    summary: {
      waits,
      timeouts,
      holds,
      held_during_network_call: heldAcrossNetwork.count,
      rows,
      ticks,
    },
  });
  await runner.stop().catch(() => undefined);
  advisory.release();
  await pool.end().catch(() => undefined);
  await sandbox.close();
  process.exit(0);
});
