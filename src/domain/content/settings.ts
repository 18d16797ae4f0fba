import type { DbClient } from "../../db/pool.js";

/**
 * The `settings` table (key → jsonb): operator content, the incident banner and the price
 * override live here. Written only through this function, inside the caller's transaction
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
