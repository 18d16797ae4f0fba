import { describe, expect, it } from "vitest";
import { ConversationStore, promptFromStore } from "../../src/bot/conversation.js";
import { BuyPrompts } from "../../src/features/buy/codec.js";
import { WalletPrompts } from "../../src/features/wallet/codec.js";
import { testDb } from "../support/db.js";

const db = await testDb();
const store = () => new ConversationStore(db, { promptTtlMs: 60_000, sessionTtlMs: 60_000 });
const expire = (column: "prompt_until" | "promo_until", userId: number) =>
  db.query("age", `UPDATE conversation_state SET ${column} = now() WHERE user_id = $1`, [userId]);

describe("conversation state", () => {
  it("keeps the open question and the promo code per customer, shared by every replica", async () => {
    const replicaA = store();
    const replicaB = store();
    await replicaA.expect(1, WalletPrompts.withdrawRequisites(50_000));
    await replicaA.remember(1, { promoCode: "SPRING" });
    // The customer's next update reaches the other replica.
    expect(await replicaB.prompt(1)).toEqual({
      kind: "feature",
      feature: "wallet",
      step: "withdraw_requisites",
      data: { amountKopecks: 50_000 },
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
    await s.expect(4, WalletPrompts.topUpAmount());
    await s.remember(4, { promoCode: "AUTUMN" });
    await expire("prompt_until", 4);
    expect(await s.prompt(4)).toBeUndefined();
    expect(await s.session(4)).toEqual({ promoCode: "AUTUMN" });
    await expire("promo_until", 4);
    expect(await s.session(4)).toEqual({ promoCode: null });
    // A new question overwrites the expired one.
    await s.expect(4, BuyPrompts.promoCode());
    expect(await s.prompt(4)).toEqual(BuyPrompts.promoCode());
  });

  it("questions stored by an earlier version (their own kinds) are still answered", async () => {
    const s = store();
    const legacy = [
      [{ kind: "promo_code" }, { feature: "buy", step: "promo_code", data: {} }],
      [{ kind: "topup_amount" }, { feature: "wallet", step: "topup_amount", data: {} }],
      [{ kind: "withdraw_amount" }, { feature: "wallet", step: "withdraw_amount", data: {} }],
      [
        { kind: "withdraw_requisites", amountKopecks: 50_000 },
        { feature: "wallet", step: "withdraw_requisites", data: { amountKopecks: 50_000 } },
      ],
    ] as const;
    for (const [stored, asked] of legacy) {
      await db.query(
        "legacy",
        `INSERT INTO conversation_state (user_id, prompt, prompt_until)
         VALUES (5, $1, now() + interval '1 minute')
         ON CONFLICT (user_id) DO UPDATE SET prompt = EXCLUDED.prompt,
           prompt_until = EXCLUDED.prompt_until`,
        [JSON.stringify(stored)],
      );
      expect(await s.prompt(5)).toEqual({ kind: "feature", ...asked });
      expect(promptFromStore(stored)).toEqual({ kind: "feature", ...asked });
    }
    // A prompt of the current shape is read as it was stored.
    expect(promptFromStore(WalletPrompts.withdrawAmount())).toEqual(WalletPrompts.withdrawAmount());
  });
});
