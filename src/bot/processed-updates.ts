import { createHash } from "node:crypto";
import type { Db } from "../db/pool.js";

/**
 * SQL of the `processed_updates` table (migrations/002_bot.sql): claim an update before
 * handling it, mark it done after, prune old rows. Each statement is its own short checkout.
 */
export class ProcessedUpdates {
  #lastPruneAt = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: { leaseMs: number; retentionMs: number; pruneEveryMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * True when this delivery should be handled: the id is new, or its earlier claim is for a
   * different update (id reuse), or that claim was abandoned (not done within the lease).
   */
  async claim(updateId: number, fingerprint: string): Promise<boolean> {
    const res = await this.db.query(
      "bot.claim_update",
      `INSERT INTO processed_updates (update_id, fingerprint) VALUES ($1, $2)
       ON CONFLICT (update_id) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, status = 'processing', claimed_at = now(),
             finished_at = NULL
         WHERE processed_updates.fingerprint <> EXCLUDED.fingerprint
            OR (processed_updates.status = 'processing'
                AND processed_updates.claimed_at < now() - make_interval(secs => $3))
       RETURNING update_id`,
      [updateId, fingerprint, this.opts.leaseMs / 1000],
      "handler",
    );
    return res.rowCount === 1;
  }

  async finish(updateId: number, fingerprint: string): Promise<void> {
    await this.db.query(
      "bot.finish_update",
      `UPDATE processed_updates SET status = 'done', finished_at = now()
       WHERE update_id = $1 AND fingerprint = $2 AND status = 'processing'`,
      [updateId, fingerprint],
      "handler",
    );
  }

  /** Deletes one batch of rows past the retention; returns how many. */
  async prune(batch = 5_000): Promise<number> {
    this.#lastPruneAt = this.now();
    const res = await this.db.query(
      "bot.prune_updates",
      `DELETE FROM processed_updates WHERE update_id IN (
         SELECT update_id FROM processed_updates
         WHERE claimed_at < now() - make_interval(secs => $1)
         LIMIT $2)`,
      [this.opts.retentionMs / 1000, batch],
      "system",
    );
    return res.rowCount ?? 0;
  }

  /** Whether a prune is due (at most once per `pruneEveryMs` per process). */
  pruneDue(): boolean {
    return this.now() - this.#lastPruneAt >= this.opts.pruneEveryMs;
  }
}

/** Identifies an update's content: a redelivery has the same bytes, a reused id does not. */
export function fingerprintOf(update: object): string {
  return createHash("sha256").update(JSON.stringify(update)).digest("base64url").slice(0, 22);
}
