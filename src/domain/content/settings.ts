import type { DbClient } from "../../db/pool.js";

/**
 * The `settings` table (key → jsonb): operator content, the incident banner and the price
 * override live here. Written only through these functions, inside the caller's transaction
 * (which writes the audit row beside it).
 */
export async function writeSetting(
  client: DbClient,
  key: string,
  value: unknown,
  adminId: number,
): Promise<void> {
  await client.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), $3)
     ON CONFLICT (key) DO UPDATE
       SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [key, JSON.stringify(value), adminId],
  );
}

/**
 * The setting's stored value under its row's lock, for a read-modify-write in the caller's
 * transaction. The row is created empty first when missing, so even the first edit has a row
 * to lock and a concurrent edit of the same key waits for this one to commit (then reads its
 * value) instead of both starting from nothing.
 */
export async function lockedSetting(
  client: DbClient,
  key: string,
  adminId: number,
): Promise<unknown> {
  await client.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, '{}'::jsonb, now(), $2)
     ON CONFLICT (key) DO NOTHING`,
    [key, adminId],
  );
  const { rows } = await client.query<{ value: unknown }>(
    "SELECT value FROM settings WHERE key = $1 FOR UPDATE",
    [key],
  );
  return rows[0]?.value;
}
