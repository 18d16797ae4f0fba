import type { DbAccess } from "../db/pool.js";
import { type FinalizeOutcome, finalizePayment } from "../domain/finalizer.js";
import { parseInvoicePayload } from "../domain/purchases.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../ops/metrics.js";
import { amountToKopecks, type CryptoInvoice } from "./cryptopay.js";

export interface CryptoPaymentDeps {
  db: DbAccess;
  metrics: Metrics;
  logger: Logger;
  /** Puts the key on the VPN server (three-phase, no connection held). */
  provision(subscriptionId: number): Promise<unknown>;
  /** Tells the customer (and referrer, admins) what the payment did; after provisioning. */
  announce(outcome: FinalizeOutcome): Promise<void>;
}

/**
 * Credits paid Crypto Pay invoices: the webhook and the watcher both come here, so both go
 * through the same idempotent finalizer keyed on `invoice_id`. The money is committed before
 * the caller answers; provisioning and the customer's message follow in the background so the
 * provider gets its 200 quickly. `drain()` waits for that background work at shutdown.
 */
export class CryptoPaymentProcessor {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: CryptoPaymentDeps) {}

  /** Finalizes a paid invoice; resolves once the money is committed. */
  async credit(invoice: CryptoInvoice): Promise<FinalizeOutcome> {
    let provisionId: number | undefined;
    const outcome = await finalizePayment(
      {
        db: this.deps.db,
        metrics: this.deps.metrics,
        logger: this.deps.logger,
        // Only noted here: the VPN call happens after the answer, in the background.
        provisioner: {
          provision: async (id) => {
            provisionId = id;
          },
        },
      },
      {
        method: "crypto",
        invoiceId: invoice.invoice_id,
        purchaseId: parseInvoicePayload(invoice.payload),
        amountKopecks: amountToKopecks(invoice.amount),
        fiat: invoice.fiat ?? "",
        raw: invoice,
      },
    );
    if (!outcome.replayed) this.#background(outcome, provisionId);
    return outcome;
  }

  #background(outcome: FinalizeOutcome, subscriptionId: number | undefined): void {
    const task = (async () => {
      if (subscriptionId !== undefined) {
        await this.deps
          .provision(subscriptionId)
          .catch((err) =>
            this.deps.logger.warn(
              { subscription_id: subscriptionId, err: (err as Error).message },
              "provisioning after a crypto payment failed; the activation worker will retry",
            ),
          );
      }
      await this.deps
        .announce(outcome)
        .catch((err) =>
          this.deps.logger.warn(
            { err: (err as Error).message },
            "could not announce a crypto payment",
          ),
        );
    })();
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  /** Waits for background provisioning and announcements (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }
}
