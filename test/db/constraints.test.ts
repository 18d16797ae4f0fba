import { describe, expect, it } from "vitest";
import type { DbClient, QueryResult, QueryResultRow } from "../../src/db/pool.js";
import { testDb } from "../support/db.js";

// Every invariant that migrations/001_core.sql enforces in the database, each shown to accept a
// valid row and to reject a violating one with its SQLSTATE and constraint name (what the app
// maps errors by). All tests share this file's database, so every test makes its own users.

const db = await testDb({ poolMax: 12 });

const CHECK = "23514";
const UNIQUE = "23505";
const FOREIGN_KEY = "23503";
const RESTRICT = "23001";

/** The same `query` shape outside a transaction, so fixtures work with or without one. */
const auto: DbClient = {
  query: <R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) =>
    db.query<R>("constraints-test", text, values),
};

function sql<R extends QueryResultRow = QueryResultRow>(
  text: string,
  values: unknown[] = [],
  client: DbClient = auto,
): Promise<QueryResult<R>> {
  return client.query<R>(text, values);
}

function tx<T>(fn: (c: DbClient) => Promise<T>): Promise<T> {
  return db.tx("constraints-test", fn);
}

function first<R extends QueryResultRow>(result: QueryResult<R>): R {
  const row = result.rows[0];
  if (row === undefined) throw new Error("expected a row");
  return row;
}

async function rejects(promise: Promise<unknown>, code: string, constraint: string) {
  await expect(promise).rejects.toMatchObject({ code, constraint });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let lastId = 1_000_000;
const nextId = () => ++lastId;

// ----------------------------------------------------------------------------------------------
// Fixtures: the same moves the app makes, in the order the schema expects.
// ----------------------------------------------------------------------------------------------

async function newUser(referrerId: number | null = null): Promise<number> {
  const id = nextId();
  await sql("INSERT INTO users (telegram_id, username, referrer_id) VALUES ($1, $2, $3)", [
    id,
    `user${id}`,
    referrerId,
  ]);
  return id;
}

async function balanceOf(userId: number): Promise<number> {
  const row = first(
    await sql<{ balance: string }>(
      "SELECT balance_kopecks AS balance FROM users WHERE telegram_id = $1",
      [userId],
    ),
  );
  return Number(row.balance);
}

/** An admin credit or debit: the simplest ledger movement. Returns balance_after. */
async function adjust(userId: number, delta: number, client: DbClient = auto): Promise<number> {
  const row = first(
    await sql<{ balance_after: string }>(
      `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id)
       VALUES ($1, $2, 'admin_adjustment', 1) RETURNING balance_after`,
      [userId, delta],
      client,
    ),
  );
  return Number(row.balance_after);
}

/**
 * Extends (or creates) the user's subscription by `seconds` from max(expires_at, now) and
 * records the grant. Timestamps stay in SQL (text), never round-tripped through JS Date, which
 * would drop microseconds.
 */
async function grant(
  c: DbClient,
  userId: number,
  kind: string,
  seconds: number,
  purchaseId: number | null = null,
): Promise<{ subscriptionId: number; grantId: number }> {
  const before = (
    await c.query<{ expires_at: string }>(
      "SELECT expires_at::text FROM subscriptions WHERE user_id = $1 FOR UPDATE",
      [userId],
    )
  ).rows[0]?.expires_at;
  if (before === undefined) {
    await c.query(
      `INSERT INTO subscriptions (user_id, expires_at, is_trial)
       VALUES ($1, now() + make_interval(secs => $2), $3)`,
      [userId, seconds, kind === "trial"],
    );
  } else {
    await c.query(
      `UPDATE subscriptions SET expires_at = greatest(expires_at, now()) + make_interval(secs => $2)
       WHERE user_id = $1`,
      [userId, seconds],
    );
  }
  const row = first(
    await c.query<{ subscription_id: string; id: string }>(
      `INSERT INTO subscription_grants
         (subscription_id, user_id, kind, seconds, expires_before, expires_after, purchase_id)
       SELECT id, user_id, $2::text, $3::bigint, $4::timestamptz, expires_at, $5::bigint
       FROM subscriptions
       WHERE user_id = $1 RETURNING subscription_id, id`,
      [userId, kind, seconds, before ?? null, purchaseId],
    ),
  );
  return { subscriptionId: Number(row.subscription_id), grantId: Number(row.id) };
}

async function trial(userId: number): Promise<number> {
  return (await tx((c) => grant(c, userId, "trial", 3 * 86400))).subscriptionId;
}

interface PurchaseInput {
  kind?: "subscription" | "topup";
  method?: "balance" | "stars" | "card" | "crypto";
  base?: number;
  plan?: string | null;
  days?: number | null;
  discountSource?: string;
  percent?: number;
  /** A fixed amount off (fixed-amount promo codes). */
  discountKopecks?: number;
  amount?: number;
  baseStars?: number | null;
  starsAmount?: number | null;
  currency?: string;
  promoCodeId?: number | null;
  status?: string;
}

/** Inserts a purchase; defaults to a pending basic/30 card purchase at 149 ₽. */
async function insertPurchase(
  userId: number,
  input: PurchaseInput = {},
  client: DbClient = auto,
): Promise<number> {
  const kind = input.kind ?? "subscription";
  const method = input.method ?? "card";
  const base = input.base ?? 14900;
  const percent = input.percent ?? 0;
  const off = input.discountKopecks ?? 0;
  const row = first(
    await sql<{ id: string }>(
      `INSERT INTO purchases (user_id, kind, plan, period_days, method, base_kopecks,
         discount_source, discount_percent, amount_kopecks, base_stars, stars_amount, currency,
         promo_code_id, status, paid_at, expires_at, discount_kopecks)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         CASE WHEN $14 = 'paid' THEN now() END, now() + interval '1 hour', $15)
       RETURNING id`,
      [
        userId,
        kind,
        input.plan !== undefined ? input.plan : kind === "subscription" ? "basic" : null,
        input.days !== undefined ? input.days : kind === "subscription" ? 30 : null,
        method,
        base,
        input.discountSource ?? (percent === 0 && off === 0 ? "none" : "vip"),
        percent,
        input.amount ?? base - Math.floor((base * percent) / 100) - off,
        input.baseStars !== undefined ? input.baseStars : method === "stars" ? 100 : null,
        input.starsAmount !== undefined
          ? input.starsAmount
          : method === "stars"
            ? 100 - Math.floor((100 * percent) / 100)
            : null,
        input.currency ?? (method === "stars" ? "XTR" : "RUB"),
        input.promoCodeId ?? null,
        input.status ?? "pending",
        off,
      ],
      client,
    ),
  );
  return Number(row.id);
}

async function insertPayment(
  c: DbClient,
  userId: number,
  purchaseId: number | null,
  amount: number,
  provider = "telegram_card",
  providerPaymentId = `charge_${nextId()}`,
): Promise<number> {
  const stars = provider === "telegram_stars";
  const row = first(
    await c.query<{ id: string }>(
      `INSERT INTO payments (purchase_id, user_id, provider, provider_payment_id, amount_kopecks,
         stars_amount, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        purchaseId,
        userId,
        provider,
        providerPaymentId,
        amount,
        stars ? 100 : null,
        stars ? "XTR" : "RUB",
      ],
    ),
  );
  return Number(row.id);
}

async function markPaid(c: DbClient, purchaseId: number) {
  await c.query(
    "UPDATE purchases SET status = 'paid', paid_at = now() WHERE id = $1 AND status <> 'paid'",
    [purchaseId],
  );
}

/** The whole card finalizer for a subscription purchase. */
async function paidCardSubscription(
  userId: number,
  base = 14900,
  days = 30,
): Promise<{ purchaseId: number; paymentId: number; subscriptionId: number }> {
  const purchaseId = await insertPurchase(userId, { base, days });
  return tx(async (c) => {
    await markPaid(c, purchaseId);
    const paymentId = await insertPayment(c, userId, purchaseId, base);
    const { subscriptionId } = await grant(c, userId, "purchase", days * 86400, purchaseId);
    return { purchaseId, paymentId, subscriptionId };
  });
}

/** The whole crypto finalizer for a top-up. */
async function topUp(userId: number, amount: number): Promise<{ paymentId: number }> {
  const purchaseId = await insertPurchase(userId, {
    kind: "topup",
    method: "crypto",
    base: amount,
  });
  const invoiceId = nextId();
  return tx(async (c) => {
    await markPaid(c, purchaseId);
    const paymentId = await insertPayment(
      c,
      userId,
      purchaseId,
      amount,
      "cryptopay",
      `${invoiceId}`,
    );
    await c.query(
      `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, payment_id)
       VALUES ($1, $2, 'topup', $3)`,
      [userId, amount, paymentId],
    );
    return { paymentId };
  });
}

async function reward(
  c: DbClient,
  referrerId: number,
  referredId: number,
  paymentId: number,
  base: number,
  percent: number,
  amount: number,
): Promise<number> {
  const row = first(
    await c.query<{ id: string }>(
      `INSERT INTO referral_rewards
         (referrer_id, referred_id, payment_id, percent, base_kopecks, amount_kopecks)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [referrerId, referredId, paymentId, percent, base, amount],
    ),
  );
  return Number(row.id);
}

/** A referrer with `earned` kopecks of credited cashback from one referred top-up. */
async function referrerWithEarnings(earned: number): Promise<number> {
  const referrer = await newUser();
  const referred = await newUser(referrer);
  const base = earned * 10;
  const { paymentId } = await topUp(referred, base);
  await tx(async (c) => {
    const rewardId = await reward(c, referrer, referred, paymentId, base, 10, earned);
    await c.query(
      `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, referral_reward_id)
       VALUES ($1, $2, 'cashback', $3)`,
      [referrer, earned, rewardId],
    );
  });
  return referrer;
}

async function newPromo(maxUses: number | null, percent = 20, code = `P${nextId()}`) {
  const row = first(
    await sql<{ id: string }>(
      "INSERT INTO promo_codes (code, percent, max_uses) VALUES ($1, $2, $3) RETURNING id",
      [code, percent, maxUses],
    ),
  );
  return Number(row.id);
}

/** A pending card purchase with the promo applied and its use reserved (one transaction). */
async function reservePromo(userId: number, promoId: number, percent = 20): Promise<number> {
  return tx(async (c) => {
    const purchaseId = await insertPurchase(
      userId,
      { discountSource: "promo", percent, promoCodeId: promoId },
      c,
    );
    await c.query(
      "INSERT INTO promo_reservations (promo_code_id, user_id, purchase_id) VALUES ($1, $2, $3)",
      [promoId, userId, purchaseId],
    );
    return purchaseId;
  });
}

async function promoCounters(promoId: number) {
  const row = first(
    await sql<{ reserved_count: number; used_count: number }>(
      "SELECT reserved_count, used_count FROM promo_codes WHERE id = $1",
      [promoId],
    ),
  );
  return { reserved: row.reserved_count, used: row.used_count };
}

// ----------------------------------------------------------------------------------------------

describe("users", () => {
  it("accepts a user with a referrer and refuses self-referral", async () => {
    const referrer = await newUser();
    await newUser(referrer);
    const id = nextId();
    await rejects(
      sql("INSERT INTO users (telegram_id, referrer_id) VALUES ($1, $1)", [id]),
      CHECK,
      "users_no_self_referral",
    );
    const late = await newUser();
    await rejects(
      sql("UPDATE users SET referrer_id = telegram_id WHERE telegram_id = $1", [late]),
      CHECK,
      "users_no_self_referral",
    );
  });

  it("attaches a referrer once and never changes it", async () => {
    const a = await newUser();
    const b = await newUser();
    const c = await newUser();
    await sql("UPDATE users SET referrer_id = $1 WHERE telegram_id = $2", [a, c]);
    await sql("UPDATE users SET referrer_id = $1, username = 'same' WHERE telegram_id = $2", [
      a,
      c,
    ]);
    await rejects(
      sql("UPDATE users SET referrer_id = $1 WHERE telegram_id = $2", [b, c]),
      RESTRICT,
      "users_referrer_set_once",
    );
    await rejects(
      sql("UPDATE users SET referrer_id = NULL WHERE telegram_id = $1", [c]),
      RESTRICT,
      "users_referrer_set_once",
    );
  });

  it("refuses a referral loop", async () => {
    const a = await newUser();
    const b = await newUser(a);
    const c = await newUser(b);
    await rejects(
      sql("UPDATE users SET referrer_id = $1 WHERE telegram_id = $2", [c, a]),
      CHECK,
      "users_no_referral_loop",
    );
  });

  it("refuses a referral loop closed by two concurrent transactions", async () => {
    const a = await newUser();
    const b = await newUser();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let updated!: () => void;
    const firstUpdated = new Promise<void>((r) => {
      updated = r;
    });
    const t1 = tx(async (c) => {
      await c.query("UPDATE users SET referrer_id = $1 WHERE telegram_id = $2", [b, a]);
      updated();
      await gate;
    });
    await firstUpdated;
    const t2 = tx((c) =>
      c.query("UPDATE users SET referrer_id = $1 WHERE telegram_id = $2", [a, b]),
    );
    await sleep(200);
    release();
    await t1;
    await rejects(t2, CHECK, "users_no_referral_loop");
  });

  it("checks ids, language codes and the personal discount range", async () => {
    await rejects(
      sql("INSERT INTO users (telegram_id) VALUES (0)"),
      CHECK,
      "users_telegram_id_positive",
    );
    const u = await newUser();
    await sql(
      "UPDATE users SET language_code = 'en', personal_discount_percent = 15 WHERE telegram_id = $1",
      [u],
    );
    await rejects(
      sql("UPDATE users SET language_code = 'English' WHERE telegram_id = $1", [u]),
      CHECK,
      "users_language_code_format",
    );
    await rejects(
      sql("UPDATE users SET personal_discount_percent = 101 WHERE telegram_id = $1", [u]),
      CHECK,
      "users_personal_discount_range",
    );
  });
});

describe("balance and ledger", () => {
  it("keeps users.balance equal to the ledger sum, with a running balance_after", async () => {
    const u = await newUser();
    expect(await adjust(u, 50000)).toBe(50000);
    expect(await adjust(u, -12000)).toBe(38000);
    await topUp(u, 25000);
    expect(await adjust(u, -63000)).toBe(0);
    const sums = first(
      await sql<{ sum: string; last: string }>(
        `SELECT sum(delta_kopecks) AS sum,
                (array_agg(balance_after ORDER BY id DESC))[1] AS last
         FROM balance_ledger WHERE user_id = $1`,
        [u],
      ),
    );
    expect(Number(sums.sum)).toBe(0);
    expect(Number(sums.last)).toBe(0);
    expect(await balanceOf(u)).toBe(0);
  });

  it("refuses a debit that would make the balance negative, leaving nothing behind", async () => {
    const u = await newUser();
    await adjust(u, 1000);
    await rejects(adjust(u, -1001), CHECK, "users_balance_nonnegative");
    expect(await balanceOf(u)).toBe(1000);
    const rows = first(
      await sql<{ n: string }>("SELECT count(*) AS n FROM balance_ledger WHERE user_id = $1", [u]),
    );
    expect(Number(rows.n)).toBe(1);
  });

  it("lets exactly the affordable debits through when they race", async () => {
    const u = await newUser();
    await adjust(u, 1000);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => tx((c) => adjust(u, -300, c))),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    expect(ok).toBe(3);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toMatchObject({ code: CHECK, constraint: "users_balance_nonnegative" });
      }
    }
    expect(await balanceOf(u)).toBe(100);
  });

  it("refuses to change the cached balance directly", async () => {
    const u = await newUser();
    await rejects(
      sql("UPDATE users SET balance_kopecks = 100 WHERE telegram_id = $1", [u]),
      RESTRICT,
      "users_balance_from_ledger_only",
    );
    await rejects(
      sql("INSERT INTO users (telegram_id, balance_kopecks) VALUES ($1, 100)", [nextId()]),
      RESTRICT,
      "users_balance_from_ledger_only",
    );
    // Other columns stay editable.
    await sql("UPDATE users SET reachable = false, is_vip = true WHERE telegram_id = $1", [u]);
  });

  it("is append-only", async () => {
    const u = await newUser();
    await adjust(u, 700);
    await rejects(
      sql("UPDATE balance_ledger SET delta_kopecks = 1 WHERE user_id = $1", [u]),
      RESTRICT,
      "balance_ledger_append_only",
    );
    await rejects(
      sql("DELETE FROM balance_ledger WHERE user_id = $1", [u]),
      RESTRICT,
      "balance_ledger_append_only",
    );
    expect(await balanceOf(u)).toBe(700);
  });

  it("ignores a balance_after supplied by the caller", async () => {
    const u = await newUser();
    const row = first(
      await sql<{ balance_after: string }>(
        `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id, balance_after)
         VALUES ($1, 500, 'admin_adjustment', 1, 999999) RETURNING balance_after`,
        [u],
      ),
    );
    expect(Number(row.balance_after)).toBe(500);
  });

  it("refuses zero deltas, unknown reasons and reasons without their reference", async () => {
    const u = await newUser();
    await rejects(adjust(u, 0), CHECK, "balance_ledger_delta_nonzero");
    await rejects(
      sql(
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, admin_id) VALUES ($1, 5, 'gift', 1)",
        [u],
      ),
      CHECK,
      "balance_ledger_reason_valid",
    );
    await rejects(
      sql("INSERT INTO balance_ledger (user_id, delta_kopecks, reason) VALUES ($1, 5, 'topup')", [
        u,
      ]),
      CHECK,
      "balance_ledger_reason_shape",
    );
    await rejects(
      sql(
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason) VALUES ($1, 5, 'admin_adjustment')",
        [u],
      ),
      CHECK,
      "balance_ledger_reason_shape",
    );
  });

  it("debits a balance purchase once, by exactly its price, and only its owner", async () => {
    const u = await newUser();
    const other = await newUser();
    await adjust(u, 100000);
    const purchaseId = await insertPurchase(u, { method: "balance" });
    const debit = (amount: number, userId = u) =>
      sql(
        `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, purchase_id)
         VALUES ($1, $2, 'subscription_payment', $3)`,
        [userId, amount, purchaseId],
      );
    await rejects(debit(-100), CHECK, "balance_ledger_matches_reference");
    await adjust(other, 100000);
    await rejects(debit(-14900, other), FOREIGN_KEY, "balance_ledger_purchase_fk");
    await debit(-14900);
    await rejects(debit(-14900), UNIQUE, "balance_ledger_once_per_purchase");
    expect(await balanceOf(u)).toBe(100000 - 14900);
  });

  it("credits a top-up payment once, by exactly its amount", async () => {
    const u = await newUser();
    const { paymentId } = await topUp(u, 25000);
    await rejects(
      sql(
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, payment_id) VALUES ($1, 25000, 'late_payment_credit', $2)",
        [u, paymentId],
      ),
      UNIQUE,
      "balance_ledger_once_per_payment",
    );
    expect(await balanceOf(u)).toBe(25000);
  });
});

describe("payments", () => {
  it("accepts a payment id once per provider", async () => {
    const u = await newUser();
    await insertPayment(auto, u, null, 1000, "cryptopay", "inv-42-unique");
    await insertPayment(auto, u, null, 1000, "telegram_card", "inv-42-unique");
    await rejects(
      insertPayment(auto, u, null, 1000, "cryptopay", "inv-42-unique"),
      UNIQUE,
      "payments_provider_payment_id_key",
    );
  });

  it("allows one payment per purchase, from the purchase's own method", async () => {
    const u = await newUser();
    const purchaseId = await insertPurchase(u, { method: "crypto" });
    await rejects(
      insertPayment(auto, u, purchaseId, 14900, "telegram_card"),
      CHECK,
      "payments_provider_matches_method",
    );
    await insertPayment(auto, u, purchaseId, 14900, "cryptopay");
    await rejects(
      insertPayment(auto, u, purchaseId, 14900, "cryptopay"),
      UNIQUE,
      "payments_one_per_purchase",
    );
    const stranger = await newUser();
    const foreign = await insertPurchase(u, { method: "crypto" });
    await rejects(
      insertPayment(auto, stranger, foreign, 14900, "cryptopay"),
      FOREIGN_KEY,
      "payments_purchase_fk",
    );
  });

  it("checks provider names, Stars shape and is append-only", async () => {
    const u = await newUser();
    await rejects(
      sql(
        "INSERT INTO payments (user_id, provider, provider_payment_id, amount_kopecks, currency) VALUES ($1, 'paypal', 'x', 1, 'RUB')",
        [u],
      ),
      CHECK,
      "payments_provider_valid",
    );
    await rejects(
      sql(
        "INSERT INTO payments (user_id, provider, provider_payment_id, amount_kopecks, currency) VALUES ($1, 'telegram_stars', 'x', 1, 'XTR')",
        [u],
      ),
      CHECK,
      "payments_stars_shape",
    );
    const id = await insertPayment(auto, u, null, 1000, "telegram_stars");
    await rejects(
      sql("UPDATE payments SET amount_kopecks = 1 WHERE id = $1", [id]),
      RESTRICT,
      "payments_append_only",
    );
    await rejects(
      sql("DELETE FROM payments WHERE id = $1", [id]),
      RESTRICT,
      "payments_append_only",
    );
  });
});

describe("purchases", () => {
  it("accepts a consistent snapshot and refuses bad enum values", async () => {
    const u = await newUser();
    await insertPurchase(u, { percent: 30 }); // 14900 - 4470
    await insertPurchase(u, {
      method: "stars",
      base: 14900,
      percent: 30,
      baseStars: 99,
      starsAmount: 70,
    });
    await insertPurchase(u, { kind: "topup", method: "card", base: 25000 });
    await rejects(insertPurchase(u, { kind: "gift" as "topup" }), CHECK, "purchases_kind_valid");
    await rejects(
      insertPurchase(u, { method: "paypal" as "card" }),
      CHECK,
      "purchases_method_valid",
    );
    await rejects(insertPurchase(u, { status: "refunded" }), CHECK, "purchases_status_valid");
    await rejects(
      insertPurchase(u, { discountSource: "friend", percent: 10 }),
      CHECK,
      "purchases_discount_source_valid",
    );
  });

  it("ties the plan to subscriptions and keeps top-ups plain", async () => {
    const u = await newUser();
    await rejects(insertPurchase(u, { plan: null }), CHECK, "purchases_plan_shape");
    await rejects(insertPurchase(u, { days: 0 }), CHECK, "purchases_plan_shape");
    await rejects(
      insertPurchase(u, { kind: "topup", plan: "basic", days: 30 }),
      CHECK,
      "purchases_plan_shape",
    );
    await rejects(
      insertPurchase(u, { kind: "topup", method: "stars" }),
      CHECK,
      "purchases_topup_method",
    );
    await rejects(
      insertPurchase(u, { kind: "topup", method: "card", percent: 30 }),
      CHECK,
      "purchases_topup_undiscounted",
    );
  });

  it("makes the paid amount the base minus the discount rounded down", async () => {
    const u = await newUser();
    await rejects(
      insertPurchase(u, { percent: 30, amount: 10429 }),
      CHECK,
      "purchases_amount_is_discounted_base",
    );
    await rejects(
      insertPurchase(u, { method: "stars", percent: 30, baseStars: 99, starsAmount: 69 }),
      CHECK,
      "purchases_stars_shape",
    );
    await rejects(
      insertPurchase(u, { method: "card", starsAmount: 5 }),
      CHECK,
      "purchases_stars_shape",
    );
    await rejects(
      insertPurchase(u, { method: "stars", currency: "RUB" }),
      CHECK,
      "purchases_currency_matches_method",
    );
    await rejects(
      insertPurchase(u, { discountSource: "none", percent: 10 }),
      CHECK,
      "purchases_discount_shape",
    );
    await rejects(
      insertPurchase(u, { discountSource: "promo", percent: 10 }),
      CHECK,
      "purchases_promo_shape",
    );
  });

  it("takes a fixed amount off instead of a percent, never both, never beyond the base", async () => {
    const u = await newUser();
    // 149 ₽ − 50 ₽; Stars 100 × 5000/14900 = 33.5 → 33 off.
    await insertPurchase(u, { discountKopecks: 5_000 });
    await insertPurchase(u, { method: "stars", discountKopecks: 5_000, starsAmount: 67 });
    await rejects(
      insertPurchase(u, { method: "stars", discountKopecks: 5_000, starsAmount: 66 }),
      CHECK,
      "purchases_stars_shape",
    );
    await rejects(
      insertPurchase(u, { discountKopecks: 5_000, amount: 9_899 }),
      CHECK,
      "purchases_amount_is_discounted_base",
    );
    await rejects(
      insertPurchase(u, { percent: 10, discountKopecks: 100 }),
      CHECK,
      "purchases_discount_shape",
    );
    await rejects(
      insertPurchase(u, { discountSource: "none", discountKopecks: 100 }),
      CHECK,
      "purchases_discount_shape",
    );
    await rejects(
      insertPurchase(u, { discountKopecks: 15_000, amount: -100 }),
      CHECK,
      "purchases_discount_kopecks_range",
    );
    const id = await insertPurchase(u, { discountKopecks: 1_000 });
    await rejects(
      sql(
        "UPDATE purchases SET discount_kopecks = 0, amount_kopecks = base_kopecks WHERE id = $1",
        [id],
      ),
      RESTRICT,
      "purchases_snapshot_immutable",
    );
  });

  it("keeps the price snapshot immutable and 'paid' final", async () => {
    const u = await newUser();
    const { purchaseId } = await paidCardSubscription(u);
    await rejects(
      sql("UPDATE purchases SET amount_kopecks = 1, base_kopecks = 1 WHERE id = $1", [purchaseId]),
      RESTRICT,
      "purchases_snapshot_immutable",
    );
    await rejects(
      sql("UPDATE purchases SET status = 'expired', paid_at = NULL WHERE id = $1", [purchaseId]),
      RESTRICT,
      "purchases_paid_is_final",
    );
    const open = await insertPurchase(u);
    await sql("UPDATE purchases SET status = 'expired' WHERE id = $1", [open]);
    await rejects(
      sql("UPDATE purchases SET status = 'pending' WHERE id = $1", [open]),
      RESTRICT,
      "purchases_no_return_to_pending",
    );
    await rejects(
      sql("DELETE FROM purchases WHERE id = $1", [open]),
      RESTRICT,
      "purchases_never_deleted",
    );
  });

  it("still lets a late payment pay an expired purchase", async () => {
    const u = await newUser();
    const purchaseId = await insertPurchase(u, { method: "crypto" });
    await sql("UPDATE purchases SET status = 'expired' WHERE id = $1", [purchaseId]);
    await tx(async (c) => {
      await markPaid(c, purchaseId);
      await insertPayment(c, u, purchaseId, 14900, "cryptopay");
      await grant(c, u, "purchase", 30 * 86400, purchaseId);
    });
  });

  it("keeps crypto invoice ids unique and set once", async () => {
    const u = await newUser();
    const a = await insertPurchase(u, { method: "crypto" });
    const b = await insertPurchase(u, { method: "crypto" });
    const card = await insertPurchase(u, { method: "card" });
    const invoice = nextId();
    await sql(
      "UPDATE purchases SET crypto_invoice_id = $2, crypto_invoice_status = 'active' WHERE id = $1",
      [a, invoice],
    );
    await rejects(
      sql(
        "UPDATE purchases SET crypto_invoice_id = $2, crypto_invoice_status = 'active' WHERE id = $1",
        [b, invoice],
      ),
      UNIQUE,
      "purchases_crypto_invoice_id_key",
    );
    await rejects(
      sql("UPDATE purchases SET crypto_invoice_id = $2 WHERE id = $1", [a, nextId()]),
      RESTRICT,
      "purchases_invoice_set_once",
    );
    await rejects(
      sql(
        "UPDATE purchases SET crypto_invoice_id = $2, crypto_invoice_status = 'active' WHERE id = $1",
        [card, nextId()],
      ),
      CHECK,
      "purchases_crypto_invoice_shape",
    );
    await sql("UPDATE purchases SET crypto_invoice_status = 'expired' WHERE id = $1", [a]);
  });

  it("refuses at commit a paid purchase that is not fully finalized", async () => {
    const u = await newUser();
    await adjust(u, 100000);
    const noPayment = await insertPurchase(u);
    await rejects(
      tx((c) => markPaid(c, noPayment)),
      CHECK,
      "purchases_paid_has_payment",
    );

    const noGrant = await insertPurchase(u);
    await rejects(
      tx(async (c) => {
        await markPaid(c, noGrant);
        await insertPayment(c, u, noGrant, 14900);
      }),
      CHECK,
      "purchases_paid_has_grant",
    );

    const noDebit = await insertPurchase(u, { method: "balance" });
    await rejects(
      tx(async (c) => {
        await markPaid(c, noDebit);
        await insertPayment(c, u, noDebit, 14900, "balance", `purchase:${noDebit}`);
        await grant(c, u, "purchase", 30 * 86400, noDebit);
      }),
      CHECK,
      "purchases_paid_has_debit",
    );

    const noCredit = await insertPurchase(u, { kind: "topup", method: "card", base: 30000 });
    await rejects(
      tx(async (c) => {
        await markPaid(c, noCredit);
        await insertPayment(c, u, noCredit, 30000);
      }),
      CHECK,
      "purchases_paid_has_credit",
    );

    // The complete balance finalizer commits, and the state is as if nothing failed before.
    await tx(async (c) => {
      await markPaid(c, noDebit);
      await insertPayment(c, u, noDebit, 14900, "balance", `purchase:${noDebit}`);
      await c.query(
        `INSERT INTO balance_ledger (user_id, delta_kopecks, reason, purchase_id)
         VALUES ($1, -14900, 'subscription_payment', $2)`,
        [u, noDebit],
      );
      await grant(c, u, "purchase", 30 * 86400, noDebit);
    });
    expect(await balanceOf(u)).toBe(100000 - 14900);
  });
});

describe("subscriptions and grants", () => {
  it("allows one subscription per customer", async () => {
    const u = await newUser();
    await trial(u);
    await rejects(
      tx((c) => c.query("INSERT INTO subscriptions (user_id, expires_at) VALUES ($1, now())", [u])),
      UNIQUE,
      "subscriptions_one_per_user",
    );
  });

  it("refuses a duplicate vpn_uuid", async () => {
    const a = await newUser();
    const b = await newUser();
    await trial(a);
    await rejects(
      tx(async (c) => {
        await c.query(
          `INSERT INTO subscriptions (user_id, expires_at, vpn_uuid)
           SELECT $1, now(), vpn_uuid FROM subscriptions WHERE user_id = $2`,
          [b, a],
        );
      }),
      UNIQUE,
      "subscriptions_vpn_uuid_key",
    );
  });

  it("grants a purchase at most once", async () => {
    const u = await newUser();
    const { purchaseId } = await paidCardSubscription(u);
    await rejects(
      tx((c) => grant(c, u, "purchase", 30 * 86400, purchaseId)),
      UNIQUE,
      "subscription_grants_once_per_purchase",
    );
  });

  it("grants only a paid subscription purchase, and exactly its days", async () => {
    const u = await newUser();
    await trial(u);
    const unpaid = await insertPurchase(u);
    await rejects(
      tx((c) => grant(c, u, "purchase", 30 * 86400, unpaid)),
      CHECK,
      "subscription_grants_purchase_paid",
    );
    const purchaseId = await insertPurchase(u);
    await rejects(
      tx(async (c) => {
        await markPaid(c, purchaseId);
        await insertPayment(c, u, purchaseId, 14900);
        await grant(c, u, "purchase", 31 * 86400, purchaseId);
      }),
      CHECK,
      "subscription_grants_purchase_period",
    );
    await rejects(
      tx((c) => grant(c, u, "purchase", 30 * 86400, null)),
      CHECK,
      "subscription_grants_purchase_shape",
    );
    await rejects(
      tx((c) => grant(c, u, "bonus", 86400)),
      CHECK,
      "subscription_grants_kind_valid",
    );
  });

  it("gives a trial once per customer", async () => {
    const u = await newUser();
    await trial(u);
    await rejects(trial(u), UNIQUE, "subscription_grants_one_trial_per_user");
  });

  it("keeps expires_at the fold of recorded grants", async () => {
    const u = await newUser();
    const subscriptionId = await trial(u);
    await tx((c) => grant(c, u, "admin", 7 * 86400));
    await rejects(
      tx((c) =>
        c.query(
          "UPDATE subscriptions SET expires_at = expires_at + interval '1 day' WHERE id = $1",
          [subscriptionId],
        ),
      ),
      CHECK,
      "subscriptions_expiry_matches_grants",
    );
    const lonely = await newUser();
    await rejects(
      tx((c) =>
        c.query(
          "INSERT INTO subscriptions (user_id, expires_at) VALUES ($1, now() + interval '1 day')",
          [lonely],
        ),
      ),
      CHECK,
      "subscriptions_expiry_matches_grants",
    );
    // A grant whose own arithmetic is wrong: 1 day recorded, 2 days applied.
    await rejects(
      tx(async (c) => {
        await c.query(
          `UPDATE subscriptions SET expires_at = greatest(expires_at, now()) + interval '2 days'
           WHERE id = $1`,
          [subscriptionId],
        );
        await c.query(
          `INSERT INTO subscription_grants
             (subscription_id, user_id, kind, seconds, expires_before, expires_after)
           SELECT id, user_id, 'admin', 86400, expires_at - interval '2 days', expires_at
           FROM subscriptions WHERE id = $1`,
          [subscriptionId],
        );
      }),
      CHECK,
      "subscription_grants_expiry_arithmetic",
    );
    // A revoke ends it now and is recorded.
    await tx(async (c) => {
      const before = first(
        await c.query<{ t: string }>(
          "SELECT expires_at::text AS t FROM subscriptions WHERE id = $1 FOR UPDATE",
          [subscriptionId],
        ),
      ).t;
      await c.query(
        "UPDATE subscriptions SET expires_at = now(), status = 'revoked' WHERE id = $1",
        [subscriptionId],
      );
      await c.query(
        `INSERT INTO subscription_grants
           (subscription_id, user_id, kind, expires_before, expires_after, admin_id)
         VALUES ($1, $2, 'revoke', $3::timestamptz, now(), 1)`,
        [subscriptionId, u, before],
      );
    });
  });

  it("keeps grants append-only", async () => {
    const u = await newUser();
    await trial(u);
    await rejects(
      sql("UPDATE subscription_grants SET seconds = 1 WHERE user_id = $1", [u]),
      RESTRICT,
      "subscription_grants_append_only",
    );
    await rejects(
      sql("DELETE FROM subscription_grants WHERE user_id = $1", [u]),
      RESTRICT,
      "subscription_grants_append_only",
    );
  });

  it("bumps version on every update, whatever the statement sets", async () => {
    const u = await newUser();
    const id = await trial(u);
    const v = async () =>
      Number(
        first(
          await sql<{ version: string }>("SELECT version FROM subscriptions WHERE id = $1", [id]),
        ).version,
      );
    expect(await v()).toBe(1);
    await sql("UPDATE subscriptions SET auto_renew = false WHERE id = $1", [id]);
    expect(await v()).toBe(2);
    await sql("UPDATE subscriptions SET version = 1 WHERE id = $1", [id]);
    expect(await v()).toBe(3);
    // The apply phase's compare-and-set misses after a concurrent change.
    const cas = await sql(
      "UPDATE subscriptions SET last_activation_error = 'x' WHERE id = $1 AND version = $2",
      [id, 2],
    );
    expect(cas.rowCount).toBe(0);
  });

  it("checks status, link, plan, claim and auto-renew shapes", async () => {
    const u = await newUser();
    const id = await trial(u);
    await rejects(
      sql("UPDATE subscriptions SET status = 'paused' WHERE id = $1", [id]),
      CHECK,
      "subscriptions_status_valid",
    );
    await rejects(
      sql("UPDATE subscriptions SET status = 'active' WHERE id = $1", [id]),
      CHECK,
      "subscriptions_active_has_link",
    );
    await sql(
      "UPDATE subscriptions SET status = 'active', vless_link = 'vless://x' WHERE id = $1",
      [id],
    );
    await rejects(
      sql("UPDATE subscriptions SET auto_renew = true WHERE id = $1", [id]),
      CHECK,
      "subscriptions_auto_renew_needs_plan",
    );
    await rejects(
      sql("UPDATE subscriptions SET last_plan = 'plus' WHERE id = $1", [id]),
      CHECK,
      "subscriptions_last_plan_pair",
    );
    await sql(
      "UPDATE subscriptions SET auto_renew = true, last_plan = 'plus', last_period_days = 90 WHERE id = $1",
      [id],
    );
    await rejects(
      sql("UPDATE subscriptions SET claim_token = gen_random_uuid() WHERE id = $1", [id]),
      CHECK,
      "subscriptions_claim_complete",
    );
    await sql(
      "UPDATE subscriptions SET claim_token = gen_random_uuid(), claimed_until = now() + interval '1 minute', claimed_by = 'w1' WHERE id = $1",
      [id],
    );
  });
});

describe("issued UUIDs", () => {
  it("registers every key, retires a reissued one and never reuses it", async () => {
    const u = await newUser();
    const id = await trial(u);
    const original = first(
      await sql<{ vpn_uuid: string }>("SELECT vpn_uuid FROM subscriptions WHERE id = $1", [id]),
    ).vpn_uuid;
    await sql(
      "UPDATE subscriptions SET vpn_uuid = gen_random_uuid(), key_reissued_at = now() WHERE id = $1",
      [id],
    );
    const issued = await sql<{ uuid: string; retired: boolean; subscription_id: string }>(
      "SELECT uuid, retired_at IS NOT NULL AS retired, subscription_id FROM issued_uuids WHERE user_id = $1 ORDER BY issued_at, retired_at NULLS LAST",
      [u],
    );
    expect(issued.rows).toHaveLength(2);
    expect(issued.rows.find((r) => r.uuid === original)?.retired).toBe(true);
    expect(issued.rows.every((r) => Number(r.subscription_id) === id)).toBe(true);

    await rejects(
      sql("UPDATE subscriptions SET vpn_uuid = $2 WHERE id = $1", [id, original]),
      UNIQUE,
      "issued_uuids_never_reused",
    );
    await rejects(
      sql("DELETE FROM issued_uuids WHERE uuid = $1", [original]),
      RESTRICT,
      "issued_uuids_append_only",
    );
    await rejects(
      sql("UPDATE issued_uuids SET retired_at = NULL WHERE uuid = $1", [original]),
      RESTRICT,
      "issued_uuids_append_only",
    );
    await rejects(
      sql(
        "UPDATE issued_uuids SET retired_at = now() WHERE uuid = (SELECT vpn_uuid FROM subscriptions WHERE id = $1)",
        [id],
      ),
      CHECK,
      "issued_uuids_current_not_retired",
    );
    await sql("UPDATE issued_uuids SET removed_at = now() WHERE uuid = $1", [original]);
  });

  it("adopts a UUID pre-registered for the same user but not another user's", async () => {
    const u = await newUser();
    const other = await newUser();
    const id = await trial(u);
    const mine = first(
      await sql<{ uuid: string }>(
        "INSERT INTO issued_uuids (uuid, user_id) VALUES (gen_random_uuid(), $1) RETURNING uuid",
        [u],
      ),
    ).uuid;
    const theirs = first(
      await sql<{ uuid: string }>(
        "INSERT INTO issued_uuids (uuid, user_id) VALUES (gen_random_uuid(), $1) RETURNING uuid",
        [other],
      ),
    ).uuid;
    await rejects(
      sql("UPDATE subscriptions SET vpn_uuid = $2 WHERE id = $1", [id, theirs]),
      UNIQUE,
      "issued_uuids_never_reused",
    );
    await sql("UPDATE subscriptions SET vpn_uuid = $2 WHERE id = $1", [id, mine]);
  });
});

describe("notifications", () => {
  it("sends once per subscription, kind and cycle", async () => {
    const u = await newUser();
    const id = await trial(u);
    const insert = (kind: string, cycle: string) =>
      sql(
        "INSERT INTO notifications (user_id, subscription_id, kind, cycle) VALUES ($1, $2, $3, $4::timestamptz)",
        [u, id, kind, cycle],
      );
    await insert("reminder_3d", "2030-01-01T00:00:00Z");
    await insert("reminder_24h", "2030-01-01T00:00:00Z");
    await insert("reminder_3d", "2030-02-01T00:00:00Z"); // renewed: a new cycle
    await rejects(
      insert("reminder_3d", "2030-01-01T00:00:00Z"),
      UNIQUE,
      "notifications_once_per_cycle",
    );
  });

  it("dedupes notifications without a subscription per user, kind and cycle", async () => {
    const u = await newUser();
    await sql("INSERT INTO notifications (user_id, kind) VALUES ($1, 'welcome')", [u]);
    await rejects(
      sql("INSERT INTO notifications (user_id, kind) VALUES ($1, 'welcome')", [u]),
      UNIQUE,
      "notifications_user_once_per_cycle",
    );
    await rejects(
      sql("INSERT INTO notifications (user_id, kind, status) VALUES ($1, 'other', 'queued')", [u]),
      CHECK,
      "notifications_status_valid",
    );
    const other = await newUser();
    const theirs = await trial(other);
    await rejects(
      sql("INSERT INTO notifications (user_id, subscription_id, kind) VALUES ($1, $2, 'x')", [
        u,
        theirs,
      ]),
      FOREIGN_KEY,
      "notifications_subscription_fk",
    );
  });
});

describe("promo codes", () => {
  it("refuses a duplicate code differing only in case", async () => {
    const code = `Summer${nextId()}`;
    await newPromo(null, 20, code);
    await rejects(newPromo(null, 10, code.toUpperCase()), UNIQUE, "promo_codes_code_ci_key");
    await rejects(newPromo(null, 0), CHECK, "promo_codes_percent_range");
    await rejects(newPromo(0), CHECK, "promo_codes_max_uses_positive");
    await rejects(newPromo(null, 10, "ЛЕТО"), CHECK, "promo_codes_code_format");
  });

  it("takes a percent or a fixed amount off, exactly one, and names a valid plan", async () => {
    const insert = (percent: number | null, amount: number | null, plan: string | null = null) =>
      sql(
        "INSERT INTO promo_codes (code, percent, amount_off_kopecks, plan) VALUES ($1, $2, $3, $4)",
        [`F${nextId()}`, percent, amount, plan],
      );
    await insert(null, 15_000, "plus");
    await rejects(insert(10, 15_000), CHECK, "promo_codes_one_kind_of_discount");
    await rejects(insert(null, null), CHECK, "promo_codes_one_kind_of_discount");
    await rejects(insert(null, 0), CHECK, "promo_codes_amount_off_positive");
    await rejects(insert(10, null, "Plus!"), CHECK, "promo_codes_plan_format");
  });

  it("refuses to reserve beyond max_uses and frees a slot when a purchase expires", async () => {
    const promo = await newPromo(2);
    const u = await newUser();
    await reservePromo(u, promo);
    const second = await reservePromo(u, promo);
    await rejects(reservePromo(u, promo), CHECK, "promo_codes_within_limit");
    expect(await promoCounters(promo)).toEqual({ reserved: 2, used: 0 });
    await sql("UPDATE purchases SET status = 'expired' WHERE id = $1", [second]);
    expect(await promoCounters(promo)).toEqual({ reserved: 1, used: 0 });
    await reservePromo(u, promo);
    expect(await promoCounters(promo)).toEqual({ reserved: 2, used: 0 });
  });

  it("holds the limit when reservations race", async () => {
    const promo = await newPromo(3);
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser()));
    const results = await Promise.allSettled(users.map((u) => reservePromo(u, promo)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toMatchObject({ code: CHECK, constraint: "promo_codes_within_limit" });
      }
    }
    expect(await promoCounters(promo)).toEqual({ reserved: 3, used: 0 });
  });

  it("marks the use when paid, and honours a late payment over the limit", async () => {
    const promo = await newPromo(1, 20);
    const u = await newUser();
    const purchaseId = await reservePromo(u, promo);
    await sql("UPDATE purchases SET status = 'expired' WHERE id = $1", [purchaseId]);
    const other = await reservePromo(u, promo); // the freed slot is taken again
    await tx(async (c) => {
      await markPaid(c, other);
      await insertPayment(c, u, other, 11920);
      await grant(c, u, "purchase", 30 * 86400, other);
    });
    expect(await promoCounters(promo)).toEqual({ reserved: 1, used: 1 });
    // The first purchase's payment arrives late: credited at the shown price, over the limit.
    await tx(async (c) => {
      await markPaid(c, purchaseId);
      await insertPayment(c, u, purchaseId, 11920);
      await grant(c, u, "purchase", 30 * 86400, purchaseId);
    });
    expect(await promoCounters(promo)).toEqual({ reserved: 1, used: 2 });
    const late = first(
      await sql<{ status: string; over_limit: boolean }>(
        "SELECT status, over_limit FROM promo_reservations WHERE purchase_id = $1",
        [purchaseId],
      ),
    );
    expect(late).toEqual({ status: "used", over_limit: true });
  });

  it("refuses counter edits, stale codes, unreserved promo purchases and status edits", async () => {
    const promo = await newPromo(5);
    await rejects(
      sql("UPDATE promo_codes SET reserved_count = 3 WHERE id = $1", [promo]),
      RESTRICT,
      "promo_codes_counters_by_trigger_only",
    );
    await sql("UPDATE promo_codes SET active = false WHERE id = $1", [promo]);
    const u = await newUser();
    await rejects(reservePromo(u, promo), CHECK, "promo_codes_available");
    const live = await newPromo(5);
    await rejects(
      tx((c) => insertPurchase(u, { discountSource: "promo", percent: 20, promoCodeId: live }, c)),
      CHECK,
      "purchases_promo_reserved",
    );
    const purchaseId = await reservePromo(u, live);
    await rejects(
      sql("UPDATE promo_reservations SET status = 'released' WHERE purchase_id = $1", [purchaseId]),
      RESTRICT,
      "promo_reservations_follow_purchase",
    );
    await rejects(
      sql("DELETE FROM promo_reservations WHERE purchase_id = $1", [purchaseId]),
      RESTRICT,
      "promo_reservations_follow_purchase",
    );
    // A reservation must carry the purchase's own code.
    const purchase2 = await insertPurchase(u, { discountSource: "vip", percent: 30 });
    await rejects(
      sql(
        "INSERT INTO promo_reservations (promo_code_id, user_id, purchase_id) VALUES ($1, $2, $3)",
        [live, u, purchase2],
      ),
      FOREIGN_KEY,
      "promo_reservations_same_code_fk",
    );
  });
});

describe("referral rewards", () => {
  it("credits cashback once per payment, within its percentage", async () => {
    const referrer = await newUser();
    const referred = await newUser(referrer);
    const { paymentId } = await topUp(referred, 100000);
    const withCredit = (amount: number, percent = 10, base = 100000) =>
      tx(async (c) => {
        const id = await reward(c, referrer, referred, paymentId, base, percent, amount);
        await c.query(
          "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, referral_reward_id) VALUES ($1, $2, 'cashback', $3)",
          [referrer, amount, id],
        );
      });
    await rejects(withCredit(10001), CHECK, "referral_rewards_amount_within_percent");
    await rejects(withCredit(0), CHECK, "referral_rewards_amount_within_percent");
    await rejects(withCredit(20000, 20, 100001), CHECK, "referral_rewards_base_within_payment");
    await withCredit(10000);
    await rejects(withCredit(5000), UNIQUE, "referral_rewards_once_per_payment");
    expect(await balanceOf(referrer)).toBe(10000);
  });

  it("rewards only the real referrer, only real money, and only with its credit", async () => {
    const referrer = await newUser();
    const referred = await newUser(referrer);
    const stranger = await newUser();
    const { paymentId } = await topUp(referred, 50000);
    await rejects(
      tx((c) => reward(c, stranger, referred, paymentId, 50000, 10, 5000)),
      CHECK,
      "referral_rewards_matches_referrer",
    );
    await rejects(
      tx((c) => reward(c, referrer, referred, paymentId, 50000, 10, 5000)),
      CHECK,
      "referral_rewards_credited",
    );
    const balancePayment = await insertPayment(
      auto,
      referred,
      null,
      14900,
      "balance",
      `b${nextId()}`,
    );
    await rejects(
      tx((c) => reward(c, referrer, referred, balancePayment, 14900, 10, 1490)),
      CHECK,
      "referral_rewards_real_money",
    );
    const strangersPayment = (await topUp(stranger, 50000)).paymentId;
    await rejects(
      tx((c) => reward(c, referrer, referred, strangersPayment, 50000, 10, 5000)),
      FOREIGN_KEY,
      "referral_rewards_payment_fk",
    );
  });

  it("credits exactly the reward amount, to the referrer only", async () => {
    const referrer = await newUser();
    const referred = await newUser(referrer);
    const { paymentId } = await topUp(referred, 50000);
    await rejects(
      tx(async (c) => {
        const id = await reward(c, referrer, referred, paymentId, 50000, 10, 5000);
        await c.query(
          "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, referral_reward_id) VALUES ($1, 6000, 'cashback', $2)",
          [referrer, id],
        );
      }),
      CHECK,
      "balance_ledger_matches_reference",
    );
    await rejects(
      tx(async (c) => {
        const id = await reward(c, referrer, referred, paymentId, 50000, 10, 5000);
        await c.query(
          "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, referral_reward_id) VALUES ($1, 5000, 'cashback', $2)",
          [referred, id],
        );
      }),
      FOREIGN_KEY,
      "balance_ledger_reward_fk",
    );
  });
});

describe("withdrawals", () => {
  async function requestWithdrawal(userId: number, amount: number, c?: DbClient) {
    const run = async (client: DbClient) => {
      const id = Number(
        first(
          await client.query<{ id: string }>(
            "INSERT INTO withdrawals (user_id, amount_kopecks, requisites) VALUES ($1, $2, 'card 4276 ****') RETURNING id",
            [userId, amount],
          ),
        ).id,
      );
      await client.query(
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, withdrawal_id) VALUES ($1, $2, 'withdrawal_reserve', $3)",
        [userId, -amount, id],
      );
      return id;
    };
    return c ? run(c) : tx(run);
  }

  it("cashes out referral earnings only, never topped-up money", async () => {
    const referrer = await referrerWithEarnings(60000);
    await topUp(referrer, 100000);
    expect(await balanceOf(referrer)).toBe(160000);
    await rejects(requestWithdrawal(referrer, 60001), CHECK, "withdrawals_within_earnings");
    await requestWithdrawal(referrer, 50000);
    await rejects(requestWithdrawal(referrer, 10001), CHECK, "withdrawals_within_earnings");
    await requestWithdrawal(referrer, 10000);
    expect(await balanceOf(referrer)).toBe(100000);
  });

  it("holds the earnings limit when requests race", async () => {
    const referrer = await referrerWithEarnings(100000);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => requestWithdrawal(referrer, 40000)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await balanceOf(referrer)).toBe(20000);
  });

  it("reserves at once, refunds a rejection and decides once", async () => {
    const referrer = await referrerWithEarnings(80000);
    await rejects(
      tx((c) =>
        c.query(
          "INSERT INTO withdrawals (user_id, amount_kopecks, requisites) VALUES ($1, 50000, 'iban')",
          [referrer],
        ),
      ),
      CHECK,
      "withdrawals_reserved",
    );
    const id = await requestWithdrawal(referrer, 50000);
    expect(await balanceOf(referrer)).toBe(30000);
    const refund = (c: DbClient) =>
      c.query(
        "INSERT INTO balance_ledger (user_id, delta_kopecks, reason, withdrawal_id) VALUES ($1, 50000, 'withdrawal_refund', $2)",
        [referrer, id],
      );
    await rejects(tx(refund), CHECK, "balance_ledger_matches_reference"); // still pending
    const reject = (c: DbClient) =>
      c.query(
        "UPDATE withdrawals SET status = 'rejected', decided_by = 1, decided_at = now() WHERE id = $1",
        [id],
      );
    await rejects(tx(reject), CHECK, "withdrawals_rejected_refunded");
    await tx(async (c) => {
      await reject(c);
      await refund(c);
    });
    expect(await balanceOf(referrer)).toBe(80000);
    await rejects(tx(refund), UNIQUE, "balance_ledger_once_per_withdrawal_step");
    await rejects(
      sql("UPDATE withdrawals SET status = 'approved' WHERE id = $1", [id]),
      RESTRICT,
      "withdrawals_decided_once",
    );
    await rejects(
      sql("UPDATE withdrawals SET amount_kopecks = 1 WHERE id = $1", [id]),
      RESTRICT,
      "withdrawals_decided_once",
    );
  });

  it("checks amount, requisites, status and decision shape", async () => {
    const u = await referrerWithEarnings(100000);
    const insert = (amount: number, requisites: string, status = "pending", decided = false) =>
      sql(
        `INSERT INTO withdrawals (user_id, amount_kopecks, requisites, status, decided_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)`,
        [u, amount, requisites, status, decided],
      );
    await rejects(insert(0, "card"), CHECK, "withdrawals_amount_positive");
    await rejects(insert(100, "   "), CHECK, "withdrawals_requisites_present");
    await rejects(insert(100, "card", "paid", true), CHECK, "withdrawals_status_valid");
    await rejects(insert(100, "card", "approved"), CHECK, "withdrawals_decision_shape");
  });
});

describe("leases, settings, audit log", () => {
  it("checks names and keeps the audit log append-only", async () => {
    await sql("INSERT INTO worker_leases (name) VALUES ('activation') ON CONFLICT DO NOTHING");
    await rejects(
      sql("INSERT INTO worker_leases (name) VALUES ('Fast Expiry')"),
      CHECK,
      "worker_leases_name_format",
    );
    await sql(
      `INSERT INTO settings (key, value) VALUES ('incident.banner', '{"on": true}')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    );
    await rejects(
      sql("INSERT INTO settings (key, value) VALUES ('', '1')"),
      CHECK,
      "settings_key_format",
    );
    const id = first(
      await sql<{ id: string }>(
        "INSERT INTO audit_log (actor_id, action, target_user_id, details) VALUES (1, 'grant_days', 2, '{\"days\": 7}') RETURNING id",
      ),
    ).id;
    await rejects(
      sql("UPDATE audit_log SET action = 'x' WHERE id = $1", [id]),
      RESTRICT,
      "audit_log_append_only",
    );
    await rejects(
      sql("DELETE FROM audit_log WHERE id = $1", [id]),
      RESTRICT,
      "audit_log_append_only",
    );
  });
});
