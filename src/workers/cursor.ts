import type { DbAccess } from "../db/pool.js";

/** SQL of `worker_cursors`: how far a worker has read an append-only list from a provider. */
export async function readCursor(db: DbAccess, name: string): Promise<number> {
  const { rows } = await db.query<{ position: string }>(
    "cursor.read",
    "SELECT position FROM worker_cursors WHERE name = $1",
    [name],
  );
  return Number(rows[0]?.position ?? 0);
}

/** Moves the cursor forward (never back: two replicas writing at once keep the larger). */
export async function advanceCursor(db: DbAccess, name: string, position: number): Promise<void> {
  await db.query(
    "cursor.advance",
    `INSERT INTO worker_cursors (name, position) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE
       SET position = GREATEST(worker_cursors.position, EXCLUDED.position), updated_at = now()`,
    [name, position],
  );
}
