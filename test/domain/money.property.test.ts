import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { adjustBalanceByAdmin } from "../../src/domain/billing/admin-balance.js";
import { purchaseWithBalance } from "../../src/domain/billing/balance-purchase.js";
import {
  type FinalizeResult,
  finalizePayment,
  type PaymentEvent,
} from "../../src/domain/billing/finalizer.js";
import { createPromoCode } from "../../src/domain/billing/promo.js";
import {
  attachCryptoInvoice,
  createPurchase,
  expireStalePurchases,
  type Purchase,
} from "../../src/domain/billing/purchases.js";
import {
  approveWithdrawal,
  getWithdrawable,
  requestWithdrawal,
} from "../../src/domain/billing/withdrawals.js";
import { setAutoRenew } from "../../src/domain/subscriptions/auto-renew.js";
import { grantByAdmin, revokeSubscription } from "../../src/domain/subscriptions/grants.js";
import { reissueKey } from "../../src/domain/subscriptions/reissue.js";
import { activateTrial } from "../../src/domain/subscriptions/trial.js";
import { getPurchase, rejectWithdrawal } from "../support/billing.js";
import { registerOnStart } from "../support/customers.js";
import {
  domainHarness,
  exactEvent,
  forcePurchaseExpired,
  moneyInvariantViolations,
} from "./support.js";

// Random interleavings of everything that moves money or time, on the real database, with the
// money invariants checked after every step: ledger sum = cached balance ≥ 0 for every user,
// one payment ↔ one grant or credit, expires_at = fold of the recorded grants, cashback within
// its percentage. Payment events are delivered late, out of order, twice, concurrently.
//
// Reproduce a failure with FC_SEED=<seed printed in the failure> npx vitest run <this file>;
// FC_NUM_RUNS=<n> runs more cases (a longer soak).

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 40);
const SEED = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : Date.now() ^ (Math.random() * 2 ** 31);

const h = await domainHarness(10);
const { db, deps } = h;

// 101 ← 102, 101 ← 103, 103 ← 104; 105 has no referrer.
const USERS = [101, 102, 103, 104, 105] as const;
const REFERRER: Record<number, number | null> = {
  101: null,
  102: 101,
  103: 101,
  104: 103,
  105: null,
};
const PROMOS = ["P1", "P2"] as const;

/** Across all runs: proof that the generator really exercised these paths. */
const seen = {
  firstDeliveries: 0,
  duplicates: 0,
  concurrentDuplicates: 0,
  reorders: 0,
  late: 0,
  mismatched: 0,
  secondCharges: 0,
  balancePurchases: 0,
  cashbacks: 0,
  withdrawals: 0,
  revokes: 0,
};

// ----------------------------------------------------------------------------------------------
// Commands
// ----------------------------------------------------------------------------------------------

const user = fc.constantFrom(...USERS);
const planPeriod = fc.record({
  plan: fc.constantFrom("basic", "plus"),
  days: fc.constantFrom(30, 90, 180, 365),
});
const ref = fc.nat({ max: 1000 });

const command = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant("buy" as const),
      user,
      pp: planPeriod,
      method: fc.constantFrom("stars" as const, "card" as const, "crypto" as const),
      promo: fc.option(fc.constantFrom(...PROMOS), { freq: 3 }),
      // Crypto only: the invoice is paid with another amount or fiat currency.
      mismatch: fc.constantFrom(null, null, "amount" as const, "fiat" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("topup" as const),
      user,
      amount: fc.constantFrom(10_000, 25_000, 75_000, 99_900),
      method: fc.constantFrom("card" as const, "crypto" as const),
    }),
  },
  { weight: 6, arbitrary: fc.record({ t: fc.constant("pay" as const), ref }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("burst" as const),
      refs: fc.array(fc.nat({ max: 6 }), { minLength: 2, maxLength: 5 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("secondCharge" as const), ref }) },
  {
    // A customer's payment arrives while they also spend from their balance (and a promo).
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("rush" as const),
      ref,
      pp: planPeriod,
      promo: fc.option(fc.constantFrom(...PROMOS), { freq: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("expire" as const), ref }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("balanceBuy" as const),
      user,
      pp: planPeriod,
      promo: fc.option(fc.constantFrom(...PROMOS), { freq: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("autoRenew" as const), user, on: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("trial" as const), user }) },
  {
    // 105 opens a friend's link later: attached only while they have not paid.
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("refer" as const), referrer: fc.constantFrom(102, 104) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("adminGrant" as const),
      user,
      seconds: fc.constantFrom(60, 3_600, 7 * 86_400),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("revoke" as const), user }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("expireOverdue" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("adjust" as const),
      user,
      delta: fc.integer({ min: -30_000, max: 60_000 }).filter((d) => d !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("withdraw" as const),
      user: fc.constantFrom(101, 103),
      amount: fc.constantFrom(100, 300, 1_000, 5_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("decide" as const), ref, approve: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("reissue" as const), user }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("vpn" as const), up: fc.boolean() }) },
);

type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

const scenario = fc.record({
  commands: fc.array(command, { minLength: 8, maxLength: 28 }),
  // At the end: some unpaid purchases expire, every undelivered event arrives (newest first),
  // and some delivered ones are replayed.
  finaleExpire: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  finaleReplay: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
});

// ----------------------------------------------------------------------------------------------
// Running a scenario
// ----------------------------------------------------------------------------------------------

interface Entry {
  purchase: Purchase;
  event: PaymentEvent;
}

class Run {
  readonly entries: Entry[] = [];
  readonly delivered = new Set<string>();
  readonly firstResult = new Map<string, FinalizeResult>();
  readonly withdrawals: number[] = [];
  chargeSeq = 0;

  static key(e: PaymentEvent): string {
    return e.method === "crypto" ? `crypto:${e.invoiceId}` : `${e.method}:${e.telegramChargeId}`;
  }

  pick<T>(list: readonly T[], n: number): T | undefined {
    return list.length === 0 ? undefined : list[n % list.length];
  }

  /** Delivers events concurrently; checks each event's first result is what every replay gets. */
  async deliver(batch: Entry[]): Promise<void> {
    const byKey = new Map<string, number>();
    for (const e of batch) {
      const key = Run.key(e.event);
      const before = byKey.get(key) ?? 0;
      byKey.set(key, before + 1);
      if (before > 0) {
        seen.concurrentDuplicates++;
        seen.duplicates++;
        continue;
      }
      if (this.delivered.has(key)) {
        seen.duplicates++;
        continue;
      }
      seen.firstDeliveries++;
      const index = this.entries.indexOf(e);
      if (this.entries.some((o, j) => j < index && !this.delivered.has(Run.key(o.event)))) {
        seen.reorders++;
      }
      const now = await getPurchase(db, e.purchase.id);
      if (
        now &&
        (now.status === "expired" ||
          now.status === "cancelled" ||
          (now.status === "pending" && now.expiresAt !== null && now.expiresAt <= new Date()))
      ) {
        seen.late++;
      }
    }
    const outcomes = await Promise.all(batch.map((e) => finalizePayment(deps, e.event)));
    const fresh = new Map<string, number>();
    outcomes.forEach((o, i) => {
      const key = Run.key((batch[i] as Entry).event);
      if (!o.replayed) fresh.set(key, (fresh.get(key) ?? 0) + 1);
      const first = this.firstResult.get(key);
      if (first) expect(o.result).toEqual(first);
      else this.firstResult.set(key, o.result);
      if (o.result.outcome !== "unmatched" && o.result.cashback && !o.replayed) seen.cashbacks++;
    });
    for (const [key, n] of byKey) {
      // Exactly one delivery of a new event does the work; every other one is a replay.
      expect(fresh.get(key) ?? 0).toBe(this.delivered.has(key) ? 0 : 1);
      this.delivered.add(key);
      expect(n).toBeGreaterThan(0);
    }
  }

  async exec(c: Command): Promise<void> {
    switch (c.t) {
      case "buy": {
        const r = await createPurchase(
          db,
          {
            kind: "subscription",
            userId: c.user,
            plan: c.pp.plan,
            periodDays: c.pp.days,
            method: c.method,
            promoCode: c.promo,
          },
          3_600,
        );
        if (r.outcome === "created")
          await this.add(r.purchase, c.method === "crypto" ? c.mismatch : null);
        return;
      }
      case "topup": {
        const r = await createPurchase(
          db,
          { kind: "topup", userId: c.user, amountKopecks: c.amount, method: c.method },
          3_600,
        );
        if (r.outcome === "created") await this.add(r.purchase, null);
        return;
      }
      case "pay": {
        const e = this.pick(this.entries, c.ref);
        if (e) await this.deliver([e]);
        return;
      }
      case "burst": {
        const batch = c.refs.flatMap((r) => {
          const e = this.pick(this.entries, r);
          return e ? [e] : [];
        });
        if (batch.length > 0) await this.deliver(batch);
        return;
      }
      case "rush": {
        const e = this.pick(this.entries, c.ref);
        if (!e) return;
        const [, bought] = await Promise.all([
          this.deliver([e]),
          purchaseWithBalance(deps, {
            source: "customer",
            userId: e.purchase.userId,
            plan: c.pp.plan,
            periodDays: c.pp.days,
            promoCode: c.promo,
          }),
        ]);
        if (bought.outcome === "paid") seen.balancePurchases++;
        return;
      }
      case "secondCharge": {
        const e = this.pick(
          this.entries.filter((x) => x.event.method !== "crypto"),
          c.ref,
        );
        if (!e || e.event.method === "crypto") return;
        seen.secondCharges++;
        const again: Entry = {
          purchase: e.purchase,
          event: { ...e.event, telegramChargeId: `${e.event.telegramChargeId}-again` },
        };
        if (!this.entries.some((x) => Run.key(x.event) === Run.key(again.event))) {
          this.entries.push(again);
        }
        await this.deliver([again]);
        return;
      }
      case "expire": {
        const e = this.pick(this.entries, c.ref);
        if (!e) return;
        await db.tx("t", (client) => forcePurchaseExpired(client, e.purchase.id));
        await expireStalePurchases(db, 100);
        return;
      }
      case "balanceBuy": {
        const r = await purchaseWithBalance(deps, {
          source: "customer",
          userId: c.user,
          plan: c.pp.plan,
          periodDays: c.pp.days,
          promoCode: c.promo,
        });
        if (r.outcome === "paid") seen.balancePurchases++;
        return;
      }
      case "autoRenew": {
        await setAutoRenew(db, c.user, c.on);
        const r = await purchaseWithBalance(deps, {
          source: "auto_renew",
          userId: c.user,
          dueWithinSeconds: 400 * 86_400,
        });
        if (r.outcome === "paid") seen.balancePurchases++;
        return;
      }
      case "refer":
        await registerOnStart(db, {
          telegramId: 105,
          username: "u105",
          firstName: null,
          referrerId: c.referrer,
        });
        return;
      case "trial":
        await activateTrial(db, c.user);
        return;
      case "adminGrant":
        await grantByAdmin(db, { adminId: 1, userId: c.user, seconds: c.seconds });
        return;
      case "revoke":
        if ((await revokeSubscription(db, { adminId: 1, userId: c.user })).outcome === "revoked") {
          seen.revokes++;
        }
        return;
      case "expireOverdue":
        // What the fast-expiry worker does once the key is off the server.
        await db.query(
          "t",
          `UPDATE subscriptions SET status = 'expired', provisioned_expires_at = NULL
            WHERE status IN ('pending', 'active') AND expires_at <= now()`,
        );
        return;
      case "adjust":
        await adjustBalanceByAdmin(db, { adminId: 1, userId: c.user, deltaKopecks: c.delta });
        return;
      case "withdraw": {
        const r = await requestWithdrawal(db, {
          userId: c.user,
          amountKopecks: c.amount,
          requisites: "card 0000",
          minKopecks: 100,
        });
        if (r.outcome === "requested") {
          seen.withdrawals++;
          this.withdrawals.push(r.withdrawalId);
        }
        return;
      }
      case "decide": {
        const id = this.pick(this.withdrawals, c.ref);
        if (id === undefined) return;
        await (c.approve ? approveWithdrawal(db, 1, id) : rejectWithdrawal(db, 1, id));
        return;
      }
      case "reissue":
        await reissueKey(db, c.user, 0);
        return;
      case "vpn":
        h.provisioner.vpnUp = c.up;
        return;
    }
  }

  async add(purchase: Purchase, mismatch: "amount" | "fiat" | null): Promise<void> {
    let p = purchase;
    if (p.method === "crypto") {
      const invoiceId = 500_000 + p.id;
      await attachCryptoInvoice(db, p.id, { invoiceId, url: null });
      p = { ...p, cryptoInvoiceId: invoiceId };
    }
    let event = exactEvent(p, `charge-${p.id}`);
    if (event.method === "crypto" && mismatch) {
      seen.mismatched++;
      event =
        mismatch === "amount"
          ? { ...event, amountKopecks: event.amountKopecks - 100 }
          : { ...event, fiat: "USD" };
    }
    this.entries.push({ purchase: p, event });
  }

  async finale(expire: boolean[], replay: boolean[]): Promise<void> {
    for (const [i, e] of this.entries.entries()) {
      if (expire[i % expire.length] && !this.delivered.has(Run.key(e.event))) {
        await db.tx("t", (client) => forcePurchaseExpired(client, e.purchase.id));
      }
    }
    await expireStalePurchases(db, 1000);
    await this.check("finale expiry");
    const undelivered = this.entries.filter((e) => !this.delivered.has(Run.key(e.event)));
    for (const e of undelivered.reverse()) {
      await this.deliver([e]);
      await this.check(`finale delivery of ${Run.key(e.event)}`);
    }
    const replays = this.entries.filter((_, i) => replay[i % replay.length]);
    if (replays.length > 0) await this.deliver(replays);
    await this.check("finale replays");

    // Referrers cash out what they can; the first request is rejected (refunded).
    for (const userId of [101, 103]) {
      const info = await getWithdrawable(db, userId);
      if (!info || info.withdrawableKopecks < 100) continue;
      const r = await requestWithdrawal(db, {
        userId,
        amountKopecks: Math.min(info.withdrawableKopecks, 5_000),
        requisites: "card 0000",
        minKopecks: 100,
      });
      expect(r.outcome).toBe("requested");
      if (r.outcome === "requested") {
        seen.withdrawals++;
        if (userId === 101) await rejectWithdrawal(db, 1, r.withdrawalId);
      }
    }
    await this.check("finale withdrawals");

    // Every distinct provider event that named a purchase of ours became exactly one payment.
    const { rows } = await db.query<{ n: string }>(
      "t",
      "SELECT count(*) AS n FROM payments WHERE provider <> 'balance'",
    );
    expect(Number(rows[0]?.n)).toBe(this.delivered.size);
  }

  async check(after: string): Promise<void> {
    const violations = await moneyInvariantViolations(db);
    if (violations.length > 0) throw new Error(`after ${after}:\n  ${violations.join("\n  ")}`);
  }
}

async function resetDatabase(): Promise<void> {
  await db.query(
    "t",
    `TRUNCATE users, subscriptions, issued_uuids, promo_codes, purchases, subscription_grants,
       payments, referral_rewards, withdrawals, balance_ledger, promo_reservations,
       notifications, audit_log, settings RESTART IDENTITY CASCADE`,
  );
  for (const id of USERS) {
    await registerOnStart(db, {
      telegramId: id,
      username: `u${id}`,
      firstName: null,
      referrerId: REFERRER[id] ?? null,
    });
  }
  await createPromoCode(db, { adminId: 1, code: "P1", percent: 20, maxUses: 2, expiresAt: null });
  await createPromoCode(db, {
    adminId: 1,
    code: "P2",
    percent: 100,
    maxUses: null,
    expiresAt: null,
  });
  h.provisioner.vpnUp = true;
}

describe("money invariants under random interleavings", () => {
  afterAll(() => {
    // Visible in the test output: what the random runs actually exercised.
    console.info(`money property (seed ${SEED}): ${JSON.stringify(seen)}`);
  });

  it("hold after every step", async () => {
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          await resetDatabase();
          const run = new Run();
          for (const [i, c] of s.commands.entries()) {
            await run.exec(c);
            await run.check(`step ${i} ${JSON.stringify(c)}`);
          }
          await run.finale(s.finaleExpire, s.finaleReplay);
        }),
        {
          seed: SEED,
          numRuns: NUM_RUNS,
          // No shrinking: each attempt is a whole database scenario, and the failing step is
          // named in the error. FC_PATH (printed with a failure) replays just that case.
          endOnFailure: true,
          ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
        },
      );
    } catch (err) {
      const cause = (err as Error).cause;
      throw new Error(
        `money property failed; reproduce with FC_SEED=${SEED}\n${(err as Error).message}` +
          (cause instanceof Error ? `\ncaused by: ${cause.stack ?? cause.message}` : ""),
      );
    }
    // Provisioning ran only after commit, with no connection held (R2).
    expect(h.provisioner.callsInsideDbScope).toBe(0);
    expect(h.provisioner.calls.length).toBeGreaterThan(0);
    // The generator really produced duplicates, reorders and late arrivals.
    expect(seen.duplicates).toBeGreaterThan(0);
    expect(seen.concurrentDuplicates).toBeGreaterThan(0);
    expect(seen.reorders).toBeGreaterThan(0);
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.mismatched).toBeGreaterThan(0);
    expect(seen.secondCharges).toBeGreaterThan(0);
    expect(seen.balancePurchases).toBeGreaterThan(0);
    expect(seen.cashbacks).toBeGreaterThan(0);
    expect(seen.withdrawals).toBeGreaterThan(0);
  }, 120_000);
});
