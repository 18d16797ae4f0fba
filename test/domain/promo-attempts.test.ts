import { describe, expect, it } from "vitest";
import { attemptPromoCode } from "../../src/domain/billing/promo.js";
import { domainHarness, newCustomer } from "./support.js";

const { db } = await domainHarness(14);
const limit = { maxRefusals: 5, windowSeconds: 600 };

describe("promo code attempts", () => {
  it("twelve parallel wrong codes (as from several replicas): five looked up, seven refused", async () => {
    const user = await newCustomer(db);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attemptPromoCode(db, `WRONG${i}`, user, limit)),
    );
    expect(results.filter((r) => r.outcome === "not_found")).toHaveLength(5);
    const limited = results.filter((r) => r.outcome === "rate_limited");
    expect(limited).toHaveLength(7);
    for (const r of limited) {
      expect(r).toMatchObject({ outcome: "rate_limited" });
      const after = "retryAfterSeconds" in r ? r.retryAfterSeconds : 0;
      expect(after).toBeGreaterThan(590);
      expect(after).toBeLessThanOrEqual(600);
    }
  });

  it("attempts older than the window no longer count; 0 turns the limit off", async () => {
    const user = await newCustomer(db);
    const short = { maxRefusals: 1, windowSeconds: 1 };
    expect((await attemptPromoCode(db, "NOPE", user, short)).outcome).toBe("not_found");
    expect((await attemptPromoCode(db, "NOPE", user, short)).outcome).toBe("rate_limited");
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await attemptPromoCode(db, "NOPE", user, short)).outcome).toBe("not_found");
    const off = { maxRefusals: 0, windowSeconds: 600 };
    for (let i = 0; i < 3; i++) {
      expect((await attemptPromoCode(db, "NOPE", user, off)).outcome).toBe("not_found");
    }
  });
});
