import type { DbAccess } from "../../db/pool.js";

/**
 * What reconcile asks of the subscriptions aggregate: which of the VPN server's keys are ours
 * and live, which are foreign, which may go, and the records it keeps about them.
 */

/** The database's clock, read just before the server's list is taken. */
export async function databaseNow(db: DbAccess): Promise<string> {
  const { rows } = await db.query<{ now: string }>(
    "reconcile_clock",
    "SELECT clock_timestamp()::text AS now",
  );
  return rows[0]?.now ?? "-infinity";
}

/**
 * Live subscriptions whose key the VPN server does not list: provisioning puts them back. Only
 * keys provisioned before the list was taken count: one added meanwhile is simply not in it.
 * Walks the live subscriptions in keyset batches of `batchSize` (one short statement each, the
 * comparison with the list made here), so no checkout grows with the number of customers.
 */
export async function markMissingForProvisioning(
  db: DbAccess,
  onServer: string[],
  listedAfter: string,
  batchSize = 2_000,
): Promise<number> {
  const listed = new Set(onServer);
  let after = "0";
  let marked = 0;
  for (;;) {
    const { rows } = await db.query<{ id: string; uuid: string }>(
      "reconcile_live_keys",
      `SELECT id, vpn_uuid::text AS uuid FROM subscriptions
        WHERE id > $1::bigint AND status = 'active' AND expires_at > now()
          AND provisioned_expires_at IS NOT NULL AND provisioned_at < $2::timestamptz
        ORDER BY id LIMIT $3`,
      [after, listedAfter, batchSize],
    );
    const missing = rows.filter((r) => !listed.has(r.uuid));
    if (missing.length > 0) {
      // Re-checked on write: the same key (no reissue since the read), still live and unchanged.
      const { rowCount } = await db.query(
        "reconcile_mark_missing",
        `UPDATE subscriptions s SET provisioned_expires_at = NULL, next_activation_at = NULL
           FROM unnest($1::bigint[], $2::text[]) AS m(id, uuid)
          WHERE s.id = m.id AND s.vpn_uuid::text = m.uuid
            AND s.status = 'active' AND s.expires_at > now()
            AND s.provisioned_expires_at IS NOT NULL
            AND s.provisioned_at < $3::timestamptz`,
        [missing.map((r) => r.id), missing.map((r) => r.uuid), listedAfter],
      );
      marked += rowCount ?? 0;
    }
    if (rows.length < batchSize) return marked;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

/**
 * Live subscriptions whose key a panel holds with another expiry (later or earlier, beyond the
 * panel's rounding): provisioning sets the database's expiry again. As for missing keys, only
 * keys provisioned before the list was taken count.
 */
export async function markDriftedForProvisioning(
  db: DbAccess,
  onPanel: Array<{ uuid: string; expiresAt: Date }>,
  listedAfter: string,
): Promise<number> {
  if (onPanel.length === 0) return 0;
  const { rowCount } = await db.query(
    "reconcile_mark_drifted",
    `UPDATE subscriptions s SET provisioned_expires_at = NULL, next_activation_at = NULL
       FROM unnest($1::text[], $2::timestamptz[]) AS k(uuid, expires_at)
      WHERE s.vpn_uuid::text = k.uuid
        AND s.status = 'active' AND s.expires_at > now()
        AND s.provisioned_expires_at IS NOT NULL
        AND s.provisioned_at < $3::timestamptz
        AND abs(extract(epoch FROM k.expires_at - s.expires_at)) >= $4`,
    [
      onPanel.map((k) => k.uuid.toLowerCase()),
      onPanel.map((k) => k.expiresAt.toISOString()),
      listedAfter,
      EXPIRY_TOLERANCE_SECONDS,
    ],
  );
  return rowCount ?? 0;
}

/** Marzban keeps whole seconds (rounded up): a difference below this is not drift. */
const EXPIRY_TOLERANCE_SECONDS = 2;

export interface ServerKeyVerdicts {
  foreign: string[];
  removable: string[];
}

/**
 * Sorts the server's keys: unknown to this service (foreign), or issued by it and no longer
 * live for longer than the grace period (removable). Everything else is left alone.
 */
export async function classifyServerKeys(
  db: DbAccess,
  onServer: string[],
  graceMs: number,
): Promise<ServerKeyVerdicts> {
  const { rows } = await db.query<{ uuid: string; verdict: "foreign" | "removable" | "keep" }>(
    "reconcile_classify",
    `SELECT k.uuid,
            CASE WHEN i.uuid IS NULL THEN 'foreign'
                 WHEN (i.retired_at IS NOT NULL AND i.retired_at < now() - make_interval(secs => $2))
                   OR (s.id IS NOT NULL AND s.vpn_uuid = i.uuid
                       AND (s.status IN ('expired', 'revoked') OR s.expires_at <= now())
                       AND s.expires_at < now() - make_interval(secs => $2)
                       AND s.claim_token IS NULL)
                 THEN 'removable' ELSE 'keep' END AS verdict
       FROM unnest($1::text[]) AS k(uuid)
       LEFT JOIN issued_uuids i ON i.uuid::text = k.uuid
       LEFT JOIN subscriptions s ON s.id = i.subscription_id`,
    [onServer, graceMs / 1000],
  );
  return {
    foreign: rows.filter((r) => r.verdict === "foreign").map((r) => r.uuid),
    removable: rows.filter((r) => r.verdict === "removable").map((r) => r.uuid),
  };
}

/** Right before removing: the key is still not live (nobody renewed or reissued meanwhile). */
export async function stillRemovable(db: DbAccess, uuid: string): Promise<boolean> {
  const { rows } = await db.query<{ live: boolean }>(
    "reconcile_recheck",
    `SELECT EXISTS (SELECT 1 FROM subscriptions
                     WHERE vpn_uuid::text = $1 AND status IN ('pending', 'active')
                       AND expires_at > now()) AS live`,
    [uuid],
  );
  return rows[0]?.live === false;
}

export async function recordRemoved(db: DbAccess, uuid: string): Promise<void> {
  await db.query(
    "reconcile_record_removed",
    "UPDATE issued_uuids SET removed_at = now() WHERE uuid::text = $1",
    [uuid],
  );
}
