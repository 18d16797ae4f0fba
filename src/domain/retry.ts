import { isPgError, SqlState } from "./pg-errors.js";

/**
 * Runs a whole transaction again when PostgreSQL broke a deadlock by rolling it back (40P01).
 * Payment paths take row locks in different orders when a customer pays and spends at once
 * (purchase → promo → customer → referrer vs. customer → promo); the database detects such a
 * cycle and aborts one side, which is then simply retried. Only for functions whose work is a
 * single transaction, so a retry repeats nothing that committed.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isPgError(err, SqlState.deadlockDetected)) throw err;
    }
  }
}
