import type { WorkerDb } from "../db/pool.js";
import {
  classifyServerKeys,
  databaseNow,
  markDriftedForProvisioning,
  markMissingForProvisioning,
  recordRemoved,
  stillRemovable,
} from "../domain/subscriptions/server-keys.js";
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
  db: WorkerDb;
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

/**
 * Reconcile: compares the VPN server's clients with the database. Live keys missing on the
 * server are queued for provisioning; keys this service issued and later expired or retired
 * are removed after a grace period and a live re-check; clients it never issued are reported
 * and left alone unless removal is opted in. On a panel, users of ours whose expiry differs from
 * the database's are queued for provisioning too (the database wins, later or earlier), and the
 * panel's other users are reported and never touched, whatever `removeForeign` says. Foreign
 * clients are counted in the metric every run and logged when they change, not every run.
 * With `dryRun` nothing changes.
 */
export function reconcileIteration(deps: ReconcileDeps) {
  /** The foreign clients last logged, so an unchanged set is not logged again. */
  let reportedForeign = "";
  return async (ctx: IterationContext): Promise<IterationReport> => {
    const { options } = deps;
    const listedAfter = await databaseNow(deps.db);
    const inventory = deps.vpn.inventory ? await deps.vpn.inventory(ctx.signal) : undefined;
    const listed = inventory ? inventory.ours.map((k) => k.uuid) : await deps.vpn.list(ctx.signal);
    const serverSpelling = normaliseServerKeys(listed);
    // Normalised once: every comparison below (SQL and in memory) sees lowercase keys.
    const onServer = [...serverSpelling.keys()];
    const verdicts = await classifyServerKeys(deps.db, onServer, options.graceMs);
    // A panel user marked as ours that this database never issued belongs to another
    // installation sharing the panel: reported, never removed.
    const removeForeign = options.removeForeign && !inventory;
    const toRemove = [...verdicts.removable, ...(removeForeign ? verdicts.foreign : [])].slice(
      0,
      options.maxRemovals,
    );
    const foreignNames = [...verdicts.foreign, ...(inventory?.foreign ?? [])].sort();
    const counts = {
      on_server: onServer.length,
      missing_requeued: 0,
      drift_requeued: 0,
      foreign: foreignNames.length,
      removable: verdicts.removable.length,
      removed: 0,
      dry_run: options.dryRun ? 1 : 0,
    };
    if (!options.dryRun) {
      counts.missing_requeued = await markMissingForProvisioning(deps.db, onServer, listedAfter);
      if (inventory) {
        counts.drift_requeued = await markDriftedForProvisioning(
          deps.db,
          inventory.ours,
          listedAfter,
        );
      }
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
    const signature = foreignNames.join("\n");
    if (signature !== reportedForeign) {
      reportedForeign = signature;
      if (foreignNames.length > 0) {
        ctx.logger.warn(
          {
            foreign: foreignNames.length,
            sample: foreignNames.slice(0, 5),
            removed: removeForeign,
          },
          "VPN server has clients this service did not issue",
        );
      }
    }
    return { counts };
  };
}
