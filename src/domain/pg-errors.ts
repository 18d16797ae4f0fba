/**
 * The schema names every constraint, including trigger-raised ones, so expected rule violations
 * are recognised by SQLSTATE + constraint name alone (migrations/001_core.sql header).
 */

export const SqlState = {
  uniqueViolation: "23505",
  checkViolation: "23514",
  foreignKeyViolation: "23503",
  restrictViolation: "23001",
  deadlockDetected: "40P01",
} as const;

interface PgErrorShape {
  code?: unknown;
  constraint?: unknown;
}

/** True when `err` is a PostgreSQL error with this SQLSTATE (and constraint, when given). */
export function isPgError(err: unknown, code: string, constraint?: string): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as PgErrorShape;
  return e.code === code && (constraint === undefined || e.constraint === constraint);
}

/** The overdraft guard: a ledger row that would take the balance below zero. */
export function isInsufficientBalance(err: unknown): boolean {
  return (
    isPgError(err, SqlState.checkViolation, "users_balance_nonnegative") ||
    isPgError(err, SqlState.checkViolation, "balance_ledger_balance_after_nonnegative")
  );
}
