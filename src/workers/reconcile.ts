import type { DbAccess } from "../db/pool.js";
import type { Metrics } from "../ops/metrics.js";
import type { VpnApi } from "../vpn/api.js";
import type { IterationContext, IterationReport } from "./loop.js";

export interface ReconcileOptions {
  /** Only count and log what would change. */
  dryRun: boolean;
  /** Remove clients this service never issued (off by default: an operator switching over from
   * the previous bot keeps its clients until they are imported). */
  removeForeign: boolean;
  /** A key this service retired or expired stays this long before it may be removed. */
  graceMs: number;
  /** Removals per iteration. */
  maxRemovals: number;
}

export interface ReconcileDeps {
  db: DbAccess;
  vpn: VpnApi;
  metrics: Metrics;
  options: ReconcileOptions;
}

/**
 * The server's keys in the one spelling every comparison here uses: lowercase, as PostgreSQL
 * prints a `uuid` (a panel may list them in capitals). Each maps back to the server's own
 * spelling, which is what a removal sends.
 */
function normaliseServerKeys(listed: string[]): Map<string, string> {
  return new Map(listed.map((uuid) => [uuid.toLowerCase(), uuid]));
}

/** The database's clock, read just before the server's list is taken. */
async function databaseNow(db: DbAccess): Promise<string> {
  const { rows } = await db.query<{ now: string }>(
    "reconcile_clock",
    "SELECT clock_timestamp()::text AS now",
  );
  return rows[0]?.now ?? "-infinity";
}

/**
 * Live subscriptions whose key the VPN server does not list: provisioning puts them back. Only
 * keys provisioned before the list was taken count: one added meanwhile is simply not in it.
 */
async function markMissingForProvisioning(
  db: DbAccess,
  onServer: string[],
  listedAfter: string,
): Promise<number> {
  const { rowCount } = await db.query(
    "reconcile_mark_missing",
    `UPDATE subscriptions SET provisioned_expires_at = NULL, next_activation_at = NULL
      WHERE status = 'active' AND expires_at > now()
        AND NOT (vpn_uuid::text = ANY($1::text[]))
        AND provisioned_expires_at IS NOT NULL
        AND provisioned_at < $2::timestamptz`,
    [onServer, listedAfter],
  );
  return rowCount ?? 0;
}

interface ServerKeyVerdicts {
  foreign: string[];
  removable: string[];
}

/**
 * Sorts the server's keys: unknown to this service (foreign), or issued by it and no longer
 * live for longer than the grace period (removable). Everything else is left alone.
 */
async function classifyServerKeys(
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
async function stillRemovable(db: DbAccess, uuid: string): Promise<boolean> {
  const { rows } = await db.query<{ live: boolean }>(
    "reconcile_recheck",
    `SELECT EXISTS (SELECT 1 FROM subscriptions
                     WHERE vpn_uuid::text = $1 AND status IN ('pending', 'active')
                       AND expires_at > now()) AS live`,
    [uuid],
  );
  return rows[0]?.live === false;
}

async function recordRemoved(db: DbAccess, uuid: string): Promise<void> {
  await db.query(
    "reconcile_record_removed",
    "UPDATE issued_uuids SET removed_at = now() WHERE uuid::text = $1",
    [uuid],
  );
}

/**
 * Reconcile: compares the VPN server's clients with the database. Live keys missing on the
 * server are queued for provisioning; keys this service issued and later expired or retired
 * are removed after a grace period and a live re-check; clients it never issued are reported
 * and left alone unless removal is opted in. With `dryRun` nothing changes.
 */
export function reconcileIteration(deps: ReconcileDeps) {
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const { options } = deps;
    const listedAfter = await databaseNow(deps.db);
    const serverSpelling = normaliseServerKeys(await deps.vpn.list(ctx.signal));
    // Normalised once: every comparison below (SQL and in memory) sees lowercase keys.
    const onServer = [...serverSpelling.keys()];
    const verdicts = await classifyServerKeys(deps.db, onServer, options.graceMs);
    const toRemove = [
      ...verdicts.removable,
      ...(options.removeForeign ? verdicts.foreign : []),
    ].slice(0, options.maxRemovals);
    const counts = {
      on_server: onServer.length,
      missing_requeued: 0,
      foreign: verdicts.foreign.length,
      removable: verdicts.removable.length,
      removed: 0,
      dry_run: options.dryRun ? 1 : 0,
    };
    if (!options.dryRun) {
      counts.missing_requeued = await markMissingForProvisioning(deps.db, onServer, listedAfter);
      for (const uuid of toRemove) {
        if (ctx.signal.aborted || Date.now() >= ctx.deadline) break;
        const foreign = verdicts.foreign.includes(uuid);
        if (!foreign && !(await stillRemovable(deps.db, uuid))) continue;
        await deps.vpn.remove(serverSpelling.get(uuid) ?? uuid, ctx.signal);
        if (!foreign) await recordRemoved(deps.db, uuid);
        counts.removed++;
      }
    }
    for (const [state, value] of Object.entries({
      on_server: counts.on_server,
      foreign: counts.foreign,
      removable: counts.removable,
    })) {
      deps.metrics.reconcileKeys.set({ state }, value);
    }
    if (verdicts.foreign.length > 0) {
      ctx.logger.warn(
        {
          foreign: verdicts.foreign.length,
          sample: verdicts.foreign.slice(0, 5),
          removed: options.removeForeign,
        },
        "VPN server has clients this service did not issue",
      );
    }
    return { counts };
  };
}
