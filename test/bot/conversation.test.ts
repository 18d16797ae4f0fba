import { describe, expect, it } from "vitest";
import { ConversationStore } from "../../src/bot/conversation.js";
import { testDb } from "../support/db.js";

const db = await testDb();
const store = () => new ConversationStore(db, { promptTtlMs: 60_000, sessionTtlMs: 60_000 });
const expire = (column: "prompt_until" | "promo_until", userId: number) =>
  db.query("age", `UPDATE conversation_state SET ${column} = now() WHERE user_id = $1`, [userId]);

describe("conversation state", () => {
  it("keeps the open question and the promo code per customer, shared by every replica", async () => {
    const replicaA = store();
    const replicaB = store();
    await replicaA.expect(1, { kind: "withdraw_requisites", amountKopecks: 50_000 });
    await replicaA.remember(1, { promoCode: "SPRING" });
    // The customer's next update reaches the other replica.
    expect(await replicaB.prompt(1)).toEqual({
      kind: "withdraw_requisites",
      amountKopecks: 50_000,
    });
    expect(await replicaB.session(1)).toEqual({ promoCode: "SPRING" });
    expect(await replicaB.prompt(2)).toBeUndefined();
    expect(await replicaB.session(2)).toEqual({ promoCode: null });

    await replicaB.clearPrompt(1);
    expect(await replicaA.prompt(1)).toBeUndefined();
    expect(await replicaA.session(1)).toEqual({ promoCode: "SPRING" });
    await replicaA.remember(1, { promoCode: null });
    expect(await replicaB.session(1)).toEqual({ promoCode: null });
    // Nothing to remember: nothing written.
    await replicaA.remember(3, {});
    const { rows } = await db.query(
      "rows",
      "SELECT user_id FROM conversation_state WHERE user_id = 3",
    );
    expect(rows).toEqual([]);
  });

  it("forgets each value after its time to live", async () => {
    const s = store();
    await s.expect(4, { kind: "topup_amount" });
    await s.remember(4, { promoCode: "AUTUMN" });
    await expire("prompt_until", 4);
    expect(await s.prompt(4)).toBeUndefined();
    expect(await s.session(4)).toEqual({ promoCode: "AUTUMN" });
    await expire("promo_until", 4);
    expect(await s.session(4)).toEqual({ promoCode: null });
    // A new question overwrites the expired one.
    await s.expect(4, { kind: "promo_code" });
    expect(await s.prompt(4)).toEqual({ kind: "promo_code" });
  });
});
