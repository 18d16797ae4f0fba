import type { Db, DbAccess, DbClient } from "../../src/db/pool.js";
import { DbScope } from "../../src/db/scope.js";
import type { PaymentEvent } from "../../src/domain/billing/finalizer.js";
import type { Purchase } from "../../src/domain/billing/purchases.js";
import type { Provisioner } from "../../src/domain/subscriptions/after-commit.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics, type Metrics } from "../../src/ops/metrics.js";
import { registerOnStart } from "../support/customers.js";
import { testDb } from "../support/db.js";

/**
 * A stand-in for the VPN side's provisioner: records every call, counts calls made while a
 * database connection is held (R2: must stay 0), and — like the real one after a successful
 * add-user — marks the subscription active and in sync.
 */
export class FakeProvisioner implements Provisioner {
  readonly calls: number[] = [];
  callsInsideDbScope = 0;
  /** When false, provisioning "fails" (VPN API down): nothing changes. */
  vpnUp = true;

  constructor(
    private readonly scope: DbScope,
    private readonly db: DbAccess,
  ) {}

  async provision(subscriptionId: number): Promise<void> {
    if (this.scope.current() !== undefined) this.callsInsideDbScope++;
    this.calls.push(subscriptionId);
    if (!this.vpnUp) throw new Error("vpn api down");
    await this.db.query(
      "fake_provision",
      `UPDATE subscriptions
          SET status = 'active', vless_link = 'vless://' || vpn_uuid || '@vpn.test:443',
              provisioned_expires_at = expires_at, provisioned_at = now()
        WHERE id = $1 AND status IN ('pending', 'active') AND expires_at > now()`,
      [subscriptionId],
    );
  }
}

export interface DomainHarness {
  db: Db;
  scope: DbScope;
  metrics: Metrics;
  provisioner: FakeProvisioner;
  /** What the finalizer and the balance purchase take. */
  deps: {
    db: Db;
    provisioner: FakeProvisioner;
    metrics: Metrics;
    logger: ReturnType<typeof silentLogger>;
  };
}

export async function domainHarness(poolMax = 6): Promise<DomainHarness> {
  const scope = new DbScope();
  const metrics = createMetrics();
  const db = await testDb({ poolMax, scope, metrics });
  const provisioner = new FakeProvisioner(scope, db);
  return {
    db,
    scope,
    metrics,
    provisioner,
    deps: { db, provisioner, metrics, logger: silentLogger() },
  };
}

let lastId = 7_000_000;
export const nextId = () => ++lastId;

export async function newCustomer(db: DbAccess, referrerId: number | null = null) {
  const id = nextId();
  await registerOnStart(db, {
    telegramId: id,
    username: `u${id}`,
    firstName: "Test",
    referrerId,
  });
  return id;
}

/** The provider event that pays `p` exactly as priced. */
export function exactEvent(p: Purchase, chargeId = `charge-${nextId()}`): PaymentEvent {
  switch (p.method) {
    case "stars":
      return {
        method: "stars",
        purchaseId: p.id,
        telegramChargeId: chargeId,
        totalAmount: p.starsAmount ?? 0,
        currency: "XTR",
      };
    case "card":
      return {
        method: "card",
        purchaseId: p.id,
        telegramChargeId: chargeId,
        totalAmount: p.amountKopecks,
        currency: "RUB",
      };
    case "crypto":
      return {
        method: "crypto",
        invoiceId: p.cryptoInvoiceId ?? nextId(),
        purchaseId: p.id,
        amountKopecks: p.amountKopecks,
        fiat: "RUB",
      };
    default:
      throw new Error(`no provider event for ${p.method}`);
  }
}

export async function count(db: DbAccess, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>("test_count", sql, params);
  return Number(rows[0]?.n ?? 0);
}

export async function balanceOf(db: DbAccess, userId: number): Promise<number> {
  const { rows } = await db.query<{ b: string }>(
    "test_balance",
    "SELECT balance_kopecks AS b FROM users WHERE telegram_id = $1",
    [userId],
  );
  return Number(rows[0]?.b);
}

/** Test-only time travel: the purchase's payable time is over, then the expiry job runs. */
export async function forcePurchaseExpired(client: DbClient, purchaseId: number): Promise<void> {
  await client.query(
    "UPDATE purchases SET expires_at = now() - interval '1 second' WHERE id = $1",
    [purchaseId],
  );
}

// ----------------------------------------------------------------------------------------------
// Money invariants, checked against the whole database
// ----------------------------------------------------------------------------------------------

const TIER_PERCENTS = new Set([10, 25, 45]);

/** Every violated money invariant, as readable strings (empty = all hold). */
export async function moneyInvariantViolations(db: DbAccess): Promise<string[]> {
  const v: string[] = [];

  // Ledger sum = cached balance ≥ 0. (Not "the highest id's balance_after": ids are drawn
  // before the row lock that orders concurrent ledger inserts of one user.)
  const balances = await db.query<{ id: string; balance: string; ledger_sum: string }>(
    "inv_balances",
    `SELECT u.telegram_id AS id, u.balance_kopecks AS balance,
            (SELECT coalesce(sum(delta_kopecks), 0) FROM balance_ledger l
              WHERE l.user_id = u.telegram_id) AS ledger_sum
       FROM users u`,
  );
  for (const r of balances.rows) {
    const balance = Number(r.balance);
    if (balance !== Number(r.ledger_sum)) {
      v.push(`user ${r.id}: balance ${balance} ≠ ledger ${r.ledger_sum}`);
    }
    if (balance < 0) v.push(`user ${r.id}: negative balance ${balance}`);
  }
  const negativeRunning = await count(
    db,
    "SELECT count(*) AS n FROM balance_ledger WHERE balance_after < 0",
  );
  if (negativeRunning > 0) v.push(`${negativeRunning} ledger rows with a negative running balance`);

  // One payment ↔ one grant or credit (and the balance debit), one cashback at most.
  const payments = await db.query<{
    id: string;
    provider: string;
    ppid: string;
    purchase_id: string | null;
    amount: string;
    kind: string | null;
    grants: string;
    credits: string;
    debits: string;
    rewards: string;
    has_referrer: boolean;
  }>(
    "inv_payments",
    `SELECT p.id, p.provider, p.provider_payment_id AS ppid, p.purchase_id,
            p.amount_kopecks AS amount, pu.kind,
            (SELECT count(*) FROM subscription_grants g
              WHERE g.purchase_id = p.purchase_id) AS grants,
            (SELECT count(*) FROM balance_ledger l WHERE l.payment_id = p.id
                AND l.reason IN ('topup', 'late_payment_credit')) AS credits,
            (SELECT count(*) FROM balance_ledger l WHERE l.purchase_id = p.purchase_id
                AND l.reason = 'subscription_payment') AS debits,
            (SELECT count(*) FROM referral_rewards r WHERE r.payment_id = p.id) AS rewards,
            (SELECT referrer_id IS NOT NULL FROM users WHERE telegram_id = p.user_id)
              AS has_referrer
       FROM payments p LEFT JOIN purchases pu ON pu.id = p.purchase_id`,
  );
  for (const p of payments.rows) {
    const tag = `payment ${p.provider}:${p.ppid}`;
    const amount = Number(p.amount);
    const grants = Number(p.grants);
    const credits = Number(p.credits);
    const debits = Number(p.debits);
    const rewards = Number(p.rewards);
    if (p.purchase_id !== null && p.kind === "subscription") {
      if (grants !== 1) v.push(`${tag}: ${grants} grants`);
      if (credits !== 0) v.push(`${tag}: ${credits} credits for a subscription`);
      const wantDebit = p.provider === "balance" && amount > 0 ? 1 : 0;
      if (debits !== wantDebit) v.push(`${tag}: ${debits} debits, want ${wantDebit}`);
    } else if (p.purchase_id !== null && p.kind === "topup") {
      if (credits !== 1) v.push(`${tag}: ${credits} top-up credits`);
    } else if (credits !== (amount > 0 ? 1 : 0)) {
      v.push(`${tag}: unmatched money credited ${credits} times`);
    }
    const real = p.provider !== "balance" && amount >= 10;
    const wantReward = real && p.has_referrer ? 1 : 0;
    if (rewards !== wantReward) v.push(`${tag}: ${rewards} cashback rows, want ${wantReward}`);
  }

  const unpaidGrants = await count(
    db,
    `SELECT count(*) AS n FROM subscription_grants g JOIN purchases p ON p.id = g.purchase_id
      WHERE p.status <> 'paid'`,
  );
  if (unpaidGrants > 0) v.push(`${unpaidGrants} grants for unpaid purchases`);
  const paidWithoutPayment = await count(
    db,
    `SELECT count(*) AS n FROM purchases p WHERE p.status = 'paid'
        AND NOT EXISTS (SELECT 1 FROM payments y WHERE y.purchase_id = p.id)`,
  );
  if (paidWithoutPayment > 0) v.push(`${paidWithoutPayment} paid purchases without a payment`);

  // expires_at is the fold of the recorded grants (microsecond-exact, in BigInt).
  const grants = await db.query<{
    sub: string;
    kind: string;
    seconds: string | null;
    granted: string;
    before: string | null;
    after: string;
    current: string;
  }>(
    "inv_grants",
    `SELECT g.subscription_id AS sub, g.kind, g.seconds,
            (extract(epoch FROM g.granted_at) * 1000000)::bigint::text AS granted,
            (extract(epoch FROM g.expires_before) * 1000000)::bigint::text AS before,
            (extract(epoch FROM g.expires_after) * 1000000)::bigint::text AS after,
            (extract(epoch FROM s.expires_at) * 1000000)::bigint::text AS current
       FROM subscription_grants g JOIN subscriptions s ON s.id = g.subscription_id
      ORDER BY g.subscription_id, g.id`,
  );
  const folds = new Map<string, { expiry: bigint | null; current: bigint }>();
  for (const g of grants.rows) {
    const f = folds.get(g.sub) ?? { expiry: null, current: BigInt(g.current) };
    const before = g.before === null ? null : BigInt(g.before);
    if (before !== f.expiry) v.push(`subscription ${g.sub}: grant's expires_before ≠ fold`);
    const granted = BigInt(g.granted);
    const from = f.expiry !== null && f.expiry > granted ? f.expiry : granted;
    if (g.kind === "revoke") {
      if (BigInt(g.after) > from) v.push(`subscription ${g.sub}: revoke extended the expiry`);
      f.expiry = BigInt(g.after);
    } else {
      f.expiry = from + BigInt(g.seconds ?? 0) * 1_000_000n;
      if (f.expiry !== BigInt(g.after)) v.push(`subscription ${g.sub}: grant arithmetic off`);
    }
    folds.set(g.sub, f);
  }
  for (const [sub, f] of folds) {
    if (f.expiry !== f.current) v.push(`subscription ${sub}: expires_at ≠ fold of grants`);
  }
  const ungranted = await count(
    db,
    `SELECT count(*) AS n FROM subscriptions s
      WHERE NOT EXISTS (SELECT 1 FROM subscription_grants g WHERE g.subscription_id = s.id)`,
  );
  if (ungranted > 0) v.push(`${ungranted} subscriptions without grants`);

  // Cashback never exceeds its percentage of real money paid, and is credited exactly.
  const rewards = await db.query<{
    id: string;
    percent: number;
    base: string;
    amount: string;
    paid: string;
    provider: string;
    credited: string;
  }>(
    "inv_rewards",
    `SELECT r.id, r.percent, r.base_kopecks AS base, r.amount_kopecks AS amount,
            p.amount_kopecks AS paid, p.provider,
            (SELECT coalesce(sum(delta_kopecks), 0) FROM balance_ledger l
              WHERE l.referral_reward_id = r.id AND l.reason = 'cashback') AS credited
       FROM referral_rewards r JOIN payments p ON p.id = r.payment_id`,
  );
  for (const r of rewards.rows) {
    const base = Number(r.base);
    const amount = Number(r.amount);
    const paid = Number(r.paid);
    const credited = Number(r.credited);
    if (!TIER_PERCENTS.has(r.percent)) v.push(`reward ${r.id}: percent ${r.percent}`);
    if (r.provider === "balance") v.push(`reward ${r.id}: cashback on balance money`);
    if (base > paid) v.push(`reward ${r.id}: base ${base} above paid ${paid}`);
    if (amount > Math.floor((base * r.percent) / 100)) v.push(`reward ${r.id}: above its percent`);
    if (credited !== amount) v.push(`reward ${r.id}: credited ${credited} ≠ ${amount}`);
  }
  const perReferrer = await db.query<{ referrer: string; earned: string; real: string }>(
    "inv_referrer_totals",
    `SELECT u.telegram_id AS referrer,
            (SELECT coalesce(sum(amount_kopecks), 0) FROM referral_rewards
              WHERE referrer_id = u.telegram_id) AS earned,
            (SELECT coalesce(sum(p.amount_kopecks), 0) FROM payments p
               JOIN users r ON r.telegram_id = p.user_id
              WHERE r.referrer_id = u.telegram_id AND p.provider <> 'balance') AS real
       FROM users u`,
  );
  for (const r of perReferrer.rows) {
    if (Number(r.earned) * 100 > Number(r.real) * 45) {
      v.push(`referrer ${r.referrer}: earned ${r.earned} > 45 % of ${r.real}`);
    }
  }

  // Withdrawals: only earnings, each reserved, each rejection refunded.
  const withdrawals = await db.query<{ user_id: string; committed: string; earned: string }>(
    "inv_withdrawals",
    `SELECT w.user_id, sum(w.amount_kopecks) FILTER (WHERE w.status <> 'rejected') AS committed,
            (SELECT coalesce(sum(amount_kopecks), 0) FROM referral_rewards
              WHERE referrer_id = w.user_id) AS earned
       FROM withdrawals w GROUP BY w.user_id`,
  );
  for (const r of withdrawals.rows) {
    if (Number(r.committed ?? 0) > Number(r.earned)) {
      v.push(`user ${r.user_id}: withdrew ${r.committed} of ${r.earned} earned`);
    }
  }
  const unreserved = await count(
    db,
    `SELECT count(*) AS n FROM withdrawals w WHERE
        (SELECT count(*) FROM balance_ledger l
          WHERE l.withdrawal_id = w.id AND l.reason = 'withdrawal_reserve') <> 1
     OR (SELECT count(*) FROM balance_ledger l
          WHERE l.withdrawal_id = w.id AND l.reason = 'withdrawal_refund')
        <> CASE WHEN w.status = 'rejected' THEN 1 ELSE 0 END`,
  );
  if (unreserved > 0) v.push(`${unreserved} withdrawals with wrong reserve/refund rows`);

  // Promo limits and counters.
  const promos = await db.query<{
    id: string;
    max_uses: number | null;
    reserved_count: number;
    used_count: number;
    holding: string;
    used: string;
  }>(
    "inv_promos",
    `SELECT c.id, c.max_uses, c.reserved_count, c.used_count,
            (SELECT count(*) FROM promo_reservations r WHERE r.promo_code_id = c.id
                AND (r.status = 'reserved' OR (r.status = 'used' AND NOT r.over_limit))) AS holding,
            (SELECT count(*) FROM promo_reservations r WHERE r.promo_code_id = c.id
                AND r.status = 'used') AS used
       FROM promo_codes c`,
  );
  for (const p of promos.rows) {
    if (p.reserved_count !== Number(p.holding)) v.push(`promo ${p.id}: reserved_count drifted`);
    if (p.used_count !== Number(p.used)) v.push(`promo ${p.id}: used_count drifted`);
    if (p.max_uses !== null && p.reserved_count > p.max_uses) v.push(`promo ${p.id}: over limit`);
  }
  return v;
}
