import type { DbAccess } from "../db/pool.js";

/**
 * Leases (R5) for work that should run on one replica per slot (reconcile, the crypto watcher,
 * the Stars backstop, broadcasts, the digest). A row per worker in `worker_leases`, taken with a
 * compare-and-set: free when expired or already ours, and — when a slot is given — only for a
 * slot later than the last one taken. Replicas share the grid (epoch-anchored), so the replica
 * whose timer fires a moment later finds the slot taken even after the first one released the
 * lease: one run per slot, not one run at a time.
 */
export interface LeaseStore {
  tryTake(name: string, holder: string, ttlMs: number, slot?: number): Promise<boolean>;
  release(name: string, holder: string, succeeded: boolean): Promise<void>;
}

export function sqlLeaseStore(db: DbAccess): LeaseStore {
  return {
    async tryTake(name, holder, ttlMs, slot) {
      const { rowCount } = await db.query(
        "lease_take",
        `INSERT INTO worker_leases (name, holder, lease_until, iteration, slot)
         VALUES ($1, $2, now() + make_interval(secs => $3), 1, $4)
         ON CONFLICT (name) DO UPDATE
           SET holder = $2, lease_until = now() + make_interval(secs => $3),
               iteration = worker_leases.iteration + 1, updated_at = now(),
               slot = COALESCE($4, worker_leases.slot)
         WHERE (worker_leases.lease_until < now() OR worker_leases.holder = $2)
           AND ($4::bigint IS NULL OR worker_leases.slot IS NULL OR worker_leases.slot < $4)`,
        [name, holder, ttlMs / 1000, slot ?? null],
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
