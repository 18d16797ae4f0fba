import type { WorkerDb } from "../db/pool.js";
import type { FinalizeOutcome } from "../domain/billing/finalizer.js";
import { type PaymentEvent, recordedStarsCharges } from "../domain/billing/finalizer.js";
import { parseInvoicePayload } from "../domain/billing/purchases.js";
import { advanceCursor, readCursor } from "./cursor.js";
import type { IterationContext, IterationReport } from "./loop.js";

/** The parts of a Telegram StarTransaction the backstop reads. */
export interface StarTransaction {
  id: string;
  amount: number;
  /** Unix seconds. */
  date: number;
  source?: { type: string; transaction_type?: string; invoice_payload?: string };
}

/** Telegram's getStarTransactions (chronological order; `offset` transactions skipped). */
export type StarTransactionsSource = (
  offset: number,
  limit: number,
  signal: AbortSignal,
) => Promise<StarTransaction[]>;

export interface StarsBackstopDeps {
  db: WorkerDb;
  transactions: StarTransactionsSource;
  /** The finalizer path of payments that arrive outside the chat (announces the result). */
  credit(event: PaymentEvent): Promise<FinalizeOutcome>;
  /**
   * A transaction younger than this is left for the next iteration: its update is normally
   * still being handled (or waits in the inbox), and the chat should tell the customer.
   */
  graceMs: number;
  /** Pages of 100 read per iteration at most. */
  maxPages: number;
  now?: () => number;
}

const PAGE = 100;
const CURSOR = "stars_backstop";

/**
 * The Stars backstop, like the crypto watcher for Crypto Pay: reads the bot's Star transactions
 * from where it stopped and credits, through the same finalizer, every incoming invoice payment
 * that no payment row records — a `successful_payment` update that never reached the bot, or
 * one given up by the inbox. The finalizer is idempotent on the charge id, so a payment the chat
 * records at the same moment is credited once. The cursor moves past a transaction only once it
 * is older than the grace and was checked, so each is judged once (an unmatched payment alerts
 * the admins once).
 */
export function starsBackstopIteration(deps: StarsBackstopDeps) {
  const now = deps.now ?? Date.now;
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const counts = { scanned: 0, checked: 0, credited: 0, already_recorded: 0 };
    let position = await readCursor(deps.db, CURSOR);
    const settledBefore = Math.floor((now() - deps.graceMs) / 1000);
    for (let page = 0; page < deps.maxPages && !ctx.signal.aborted; page++) {
      if (Date.now() > ctx.deadline) break;
      const batch = await deps.transactions(position, PAGE, ctx.signal);
      counts.scanned += batch.length;
      const settled: StarTransaction[] = [];
      for (const tx of batch) {
        if (tx.date > settledBefore) break;
        settled.push(tx);
      }
      const payments = settled.filter(isInvoicePayment);
      counts.checked += payments.length;
      const recorded = await recordedStarsCharges(
        deps.db,
        payments.map((tx) => tx.id),
      );
      counts.already_recorded += recorded.size;
      for (const tx of payments) {
        if (recorded.has(tx.id)) continue;
        const outcome = await deps.credit({
          method: "stars",
          purchaseId: parseInvoicePayload(tx.source?.invoice_payload),
          telegramChargeId: tx.id,
          totalAmount: tx.amount,
          currency: "XTR",
          raw: tx,
        });
        if (!outcome.replayed) counts.credited++;
      }
      position += settled.length;
      await advanceCursor(deps.db, CURSOR, position);
      if (settled.length < batch.length || batch.length < PAGE) break;
    }
    return { counts };
  };
}

function isInvoicePayment(tx: StarTransaction): boolean {
  return (
    tx.source?.type === "user" &&
    (tx.source.transaction_type ?? "invoice_payment") === "invoice_payment" &&
    tx.source.invoice_payload !== undefined &&
    tx.amount > 0
  );
}
