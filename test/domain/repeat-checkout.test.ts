import { describe, expect, it } from "vitest";
import { finalizePayment } from "../../src/domain/billing/finalizer.js";
import {
  attachCryptoInvoice,
  type CreatePurchaseInput,
  createPurchase,
} from "../../src/domain/billing/purchases.js";
import { count, domainHarness, exactEvent, newCustomer } from "./support.js";

const h = await domainHarness(12);
const { db, deps } = h;

const checkout = (
  userId: number,
  over: Partial<Extract<CreatePurchaseInput, { kind: "subscription" }>> = {},
) =>
  createPurchase(
    db,
    {
      kind: "subscription",
      userId,
      plan: "basic",
      periodDays: 30,
      method: "stars",
      repeatWindowSeconds: 30,
      ...over,
    },
    3600,
  );

const pending = (userId: number) =>
  count(db, "SELECT count(*) AS n FROM purchases WHERE user_id = $1 AND status = 'pending'", [
    userId,
  ]);

describe("a repeated checkout while its invoice is open", () => {
  it("eight parallel taps (as from several replicas) make one invoice", async () => {
    const user = await newCustomer(db);
    const results = await Promise.all(Array.from({ length: 8 }, () => checkout(user)));
    expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "open")).toHaveLength(7);
    const ids = new Set(results.map((r) => ("purchase" in r ? r.purchase.id : 0)));
    expect(ids.size).toBe(1);
    expect(await pending(user)).toBe(1);
  });

  it("another period, method or price is a new checkout; a paid one is not reopened", async () => {
    const user = await newCustomer(db);
    const first = await checkout(user);
    if (first.outcome !== "created") throw new Error(first.outcome);
    expect((await checkout(user, { periodDays: 90 })).outcome).toBe("created");
    expect((await checkout(user, { method: "card" })).outcome).toBe("created");
    expect(await checkout(user)).toMatchObject({
      outcome: "open",
      purchase: { id: first.purchase.id },
    });
    await finalizePayment(deps, exactEvent(first.purchase));
    const next = await checkout(user);
    expect(next.outcome).toBe("created");
    expect("purchase" in next && next.purchase.id).not.toBe(first.purchase.id);
  });

  it("a window of 0 turns the guard off", async () => {
    const user = await newCustomer(db);
    await checkout(user, { repeatWindowSeconds: 0 });
    await checkout(user, { repeatWindowSeconds: 0 });
    expect(await pending(user)).toBe(2);
  });

  it("crypto: reopened once its invoice exists; being created meanwhile is in flight", async () => {
    const user = await newCustomer(db);
    const first = await checkout(user, { method: "crypto" });
    if (first.outcome !== "created") throw new Error(first.outcome);
    expect(await checkout(user, { method: "crypto" })).toEqual({ outcome: "in_flight" });
    await attachCryptoInvoice(db, first.purchase.id, {
      invoiceId: 880_000 + user,
      url: "https://t.me/CryptoBot?start=x",
    });
    expect(await checkout(user, { method: "crypto" })).toMatchObject({
      outcome: "open",
      purchase: { id: first.purchase.id, cryptoInvoiceUrl: "https://t.me/CryptoBot?start=x" },
    });
    // One left without an invoice past the window (its creation failed midway) is ignored.
    const user2 = await newCustomer(db);
    const quick = { method: "crypto", repeatWindowSeconds: 1 } as const;
    expect((await checkout(user2, quick)).outcome).toBe("created");
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await checkout(user2, quick)).outcome).toBe("created");
  });
});
