import type { Context } from "grammy";

/**
 * The `sequentialize` constraint: one queue per chat, so a customer's updates are handled in
 * order. Pre-checkout queries get none — they carry no chat, must be answered within 10 s, and
 * must never wait behind the customer's other (possibly slow) updates.
 */
export function sequentialKey(ctx: Context): string | undefined {
  if (ctx.update.pre_checkout_query !== undefined) return undefined;
  const id = ctx.chat?.id ?? ctx.from?.id;
  return id === undefined ? undefined : String(id);
}
