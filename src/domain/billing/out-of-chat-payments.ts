import { requireWorkerDb, type WorkerDb } from "../../db/pool.js";
import { Semaphore } from "../../db/semaphore.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";
import { amountToKopecks, type CryptoInvoice } from "../../payments/cryptopay.js";
import { settlesWithin } from "../../util/delay.js";
import { toError } from "../../util/errors.js";
import type { CustomerNotifier } from "../notifications/notices.js";
import { provisionAfterCommit } from "../subscriptions/after-commit.js";
import { type ProvisioningDeps, provisionSubscription } from "../subscriptions/provisioning.js";
import { type FinalizeOutcome, finalizePayment, type PaymentEvent } from "./finalizer.js";
import { createPaymentAnnouncer } from "./payment-announcer.js";
import { parseInvoicePayload } from "./purchases.js";

export interface CryptoPaymentDeps {
  /** The crypto watcher and the Stars backstop drive this processor: the worker bulkhead. */
  db: WorkerDb;
  metrics: Metrics;
  logger: Logger;
  /** Puts the key on the VPN server (three-phase, no connection held). */
  provision(subscriptionId: number): Promise<unknown>;
  /** Tells the customer (and referrer, admins) what the payment did; after provisioning. */
  announce(outcome: FinalizeOutcome): Promise<void>;
}

/**
 * Credits payments that arrive outside the chat: paid Crypto Pay invoices (the webhook and the
 * watcher) and Stars payments whose update never reached the bot (the Stars backstop). All go
 * through the same idempotent finalizer, keyed on the provider's id of the money. The money is
 * committed before the caller answers; provisioning and the customer's message follow in the
 * background so the provider gets its 200 quickly. `drain()` waits for that background work at
 * shutdown.
 */
export class CryptoPaymentProcessor {
  /** Credits being finalized and their follow-up work: what `drain()` waits for. */
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Follow-up work (a VPN call, messages) runs a few at a time, however many invoices arrive. */
  readonly #followUps = new Semaphore(4);

  constructor(private readonly deps: CryptoPaymentDeps) {
    requireWorkerDb(deps.db, "the payment processor");
  }

  /** Finalizes a paid invoice; resolves once the money is committed. */
  credit(invoice: CryptoInvoice): Promise<FinalizeOutcome> {
    return this.creditEvent({
      method: "crypto",
      invoiceId: invoice.invoice_id,
      purchaseId: parseInvoicePayload(invoice.payload),
      amountKopecks: amountToKopecks(invoice.amount),
      fiat: invoice.fiat ?? "",
      raw: invoice,
    });
  }

  /** Finalizes any payment event the same way; resolves once the money is committed. */
  creditEvent(event: PaymentEvent): Promise<FinalizeOutcome> {
    return this.#track(this.#credit(event));
  }

  async #credit(event: PaymentEvent): Promise<FinalizeOutcome> {
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
      event,
    );
    if (!outcome.replayed) this.#background(outcome, provisionId);
    return outcome;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.then(
      () => this.#inFlight.delete(work),
      () => this.#inFlight.delete(work),
    );
    return work;
  }

  #background(outcome: FinalizeOutcome, subscriptionId: number | undefined): void {
    const task = (async () => {
      const release = await this.#followUps.acquire();
      try {
        await this.#followUp(outcome, subscriptionId);
      } finally {
        release();
      }
    })();
    void this.#track(task);
  }

  async #followUp(outcome: FinalizeOutcome, subscriptionId: number | undefined): Promise<void> {
    if (subscriptionId !== undefined) {
      await provisionAfterCommit(
        {
          provision: async (id) => {
            await this.deps.provision(id);
          },
        },
        this.deps.logger,
        subscriptionId,
      );
    }
    await this.deps
      .announce(outcome)
      .catch((err) =>
        this.deps.logger.warn({ err: toError(err).message }, "could not announce a payment"),
      );
  }

  /**
   * Waits, at most `timeoutMs`, until no credit is being finalized and no follow-up work runs —
   * including work a credit still in progress adds meanwhile (shutdown, before the pool closes).
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.deps.logger.warn(
          { in_flight: this.#inFlight.size },
          "crypto payment work still running at the drain deadline",
        );
        return;
      }
      await settlesWithin(Promise.allSettled([...this.#inFlight]), left);
    }
  }
}

export interface OutOfChatPaymentsDeps {
  db: WorkerDb;
  metrics: Metrics;
  logger: Logger;
  /** Provisioning for paid subscriptions, on the worker bulkhead like the rest of this path. */
  provisioning: ProvisioningDeps & { db: WorkerDb };
  /** The bot's notifier; without a bot the announcements are only logged. */
  notifier: CustomerNotifier | undefined;
  adminIds: number[];
}

/**
 * The one processor for payments that arrive outside the chat — the crypto webhook, the crypto
 * watcher, the Stars backstop: credited through the finalizer, then provisioned and announced.
 */
export function createOutOfChatPayments(deps: OutOfChatPaymentsDeps): CryptoPaymentProcessor {
  const provisioning = {
    ...deps.provisioning,
    db: requireWorkerDb(deps.provisioning.db, "payment provisioning"),
  };
  return new CryptoPaymentProcessor({
    db: deps.db,
    metrics: deps.metrics,
    logger: deps.logger,
    provision: (subscriptionId) => provisionSubscription(provisioning, subscriptionId),
    announce: createPaymentAnnouncer({
      db: deps.db,
      notifier: deps.notifier,
      logger: deps.logger,
      adminIds: deps.adminIds,
    }),
  });
}
