/**
 * Advisory lock classes for the two-key form `pg_advisory_*lock(class, key)` (R5): one class per
 * purpose, so a lock on a Telegram id can never collide with a lock of another kind.
 */
export const LockClass = {
  migrations: 1,
  pollingLeader: 2,
  telegramUser: 3,
  subscription: 4,
  workerLease: 5,
} as const;
export type LockClass = (typeof LockClass)[keyof typeof LockClass];
