import type { WorkerDb } from "../db/pool.js";
import type { CryptoPaymentProcessor } from "../domain/billing/out-of-chat-payments.js";
import { listOpenCryptoInvoices, markCryptoInvoicesExpired } from "../domain/billing/purchases.js";
import type { CryptoPayApi } from "../payments/cryptopay.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface CryptoWatcherDeps {
  db: WorkerDb;
  cryptopay: CryptoPayApi;
  payments: CryptoPaymentProcessor;
  /** Open invoices polled per iteration (fetched from the provider in batches of ids). */
  batchSize: number;
}

/**
 * The crypto watcher, the backstop of the webhook: polls every invoice that is not final,
 * whatever its purchase's local state, credits paid ones through the same finalizer, stops
 * polling expired ones. A purchase the fast-expiry worker expired locally is still credited
 * when its invoice turns out paid.
 */
export function cryptoWatcherIteration(deps: CryptoWatcherDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const open = await listOpenCryptoInvoices(deps.db, deps.batchSize);
    const counts = {
      open: open.length,
      paid: 0,
      credited: 0,
      expired_invoices: 0,
    };
    if (open.length > 0) {
      const invoices = await deps.cryptopay.getInvoices(
        open.map((o) => o.invoiceId),
        ctx.signal,
      );
      const expired: number[] = [];
      for (const invoice of invoices) {
        if (invoice.status === "expired") expired.push(invoice.invoice_id);
        if (invoice.status !== "paid" || ctx.signal.aborted) continue;
        counts.paid++;
        const outcome = await deps.payments.credit(invoice);
        if (!outcome.replayed) counts.credited++;
      }
      counts.expired_invoices = await markCryptoInvoicesExpired(deps.db, expired);
    }
    return { counts };
  };
}
