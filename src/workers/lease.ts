import type { DbAccess } from "../db/pool.js";

/**
 * Per-iteration leases (R5) for work that should run on one replica at a time (reconcile, the
 * crypto watcher, broadcasts, the digest). A row per worker in `worker_leases`, taken with a
 * compare-and-set: free when expired, or already ours.
 */
export interface LeaseStore {
  tryTake(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string, succeeded: boolean): Promise<void>;
}

export function sqlLeaseStore(db: DbAccess): LeaseStore {
  return {
    async tryTake(name, holder, ttlMs) {
      const { rowCount } = await db.query(
        "lease_take",
        `INSERT INTO worker_leases (name, holder, lease_until, iteration)
         VALUES ($1, $2, now() + make_interval(secs => $3), 1)
         ON CONFLICT (name) DO UPDATE
           SET holder = $2, lease_until = now() + make_interval(secs => $3),
               iteration = worker_leases.iteration + 1, updated_at = now()
         WHERE worker_leases.lease_until < now() OR worker_leases.holder = $2`,
        [name, holder, ttlMs / 1000],
      );
      return rowCount === 1;
    },
    async release(name, holder, succeeded) {
      await db.query(
        "lease_release",
        `UPDATE worker_leases
            SET lease_until = now(), updated_at = now(),
                last_success_at = CASE WHEN $3 THEN now() ELSE last_success_at END
          WHERE name = $1 AND holder = $2`,
        [name, holder, succeeded],
      );
    },
  };
}
