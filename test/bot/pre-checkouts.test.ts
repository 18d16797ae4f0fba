import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import { PreCheckoutDispatch } from "../../src/bot/pre-checkouts.js";

const message = (id: number): Update =>
  ({
    update_id: id,
    message: { message_id: id, date: 0, chat: { id: 1, type: "private" } },
  }) as Update;
const preCheckout = (id: number, queryId: string): Update =>
  ({
    update_id: id,
    pre_checkout_query: {
      id: queryId,
      from: { id: 1, is_bot: false, first_name: "A" },
      currency: "XTR",
      total_amount: 83,
      invoice_payload: "p:1",
    },
  }) as Update;

describe("PreCheckoutDispatch", () => {
  it("runs each pre-checkout query once, in a batch fetched again too, and returns the rest", () => {
    const ran: number[] = [];
    const dispatch = new PreCheckoutDispatch(async (u) => {
      ran.push(u.update_id);
    });
    const batch = [message(1), preCheckout(2, "q2"), message(3)];
    expect(dispatch.take(batch).map((u) => u.update_id)).toEqual([1, 3]);
    expect(dispatch.take(batch).map((u) => u.update_id)).toEqual([1, 3]);
    expect(ran).toEqual([2]);
  });

  it("forgets the oldest query ids past a thousand", () => {
    const ran: string[] = [];
    const dispatch = new PreCheckoutDispatch(async (u) => {
      ran.push(u.pre_checkout_query?.id ?? "");
    });
    for (let i = 0; i <= 1_000; i++) dispatch.take([preCheckout(i, `q${i}`)]);
    expect(ran).toHaveLength(1_001);
    dispatch.take([preCheckout(2_000, "q1000")]);
    expect(ran).toHaveLength(1_001);
    dispatch.take([preCheckout(2_001, "q0")]);
    expect(ran.at(-1)).toBe("q0");
  });
});
