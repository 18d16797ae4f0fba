import type { DbAccess, DbClient } from "../../db/pool.js";
import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";
import { type VpnApi, VpnApiError, type VpnLimits } from "../../vpn/api.js";
import { loadCatalog } from "../billing/catalog.js";

/**
 * Keeping the VPN server in step with the database, in three phases (R2): *claim* the
 * subscription in a short transaction, *call* the VPN API with no connection held, *apply* in a
 * second short transaction with a compare-and-set on `version`, so a renewal, revoke or reissue
 * committed meanwhile is never overwritten.
 */
export interface ProvisioningDeps {
  db: DbAccess;
  vpn: VpnApi;
  logger: Logger;
  /** Who claims (replica and worker), for the claim columns and the logs. */
  claimant: string;
  /** How long a claim holds before another caller may take the row over (a crashed caller). */
  claimTtlMs: number;
  /** Delay before the activation worker retries a failed activation: base × 2^(attempts-1), capped. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** A claim outlives the VPN call it covers several times over (retries included): ≥ 1 min. */
export function claimTtlFor(vpnTimeoutMs: number): number {
  return Math.max(60_000, vpnTimeoutMs * 6);
}

export interface Claim {
  subscriptionId: number;
  userId: number;
  uuid: string;
  status: "pending" | "active" | "expired" | "revoked";
  isTrial: boolean;
  expiresAt: Date;
  /** The expiry as PostgreSQL prints it (microseconds), for exact comparisons in SQL. */
  expiresAtExact: string;
  version: string;
  token: string;
  /**
   * Keys of this subscription that were replaced (reissue) and whose removal from the server was
   * never confirmed. They come off before its current key goes on: never two live keys.
   */
  retiredKeys: string[];
  /** The limits of the subscription's last paid plan, read with the claim; none for a trial. */
  limits?: VpnLimits;
}

export type ProvisionResult =
  /** The key is live on the server with the current expiry; `activated` when it was pending. */
  | {
      outcome: "provisioned";
      activated: boolean;
      userId: number;
      subscriptionId: number;
      /** The expiry the server was given: the cycle of an activation notice. */
      cycle: Date;
      link: string;
    }
  /** Nothing to do: in sync, claimed by someone else, expired, revoked or unknown. */
  | { outcome: "skipped" }
  /** The row changed while the call was in flight; the newer state wins and is retried later. */
  | { outcome: "superseded"; userId: number }
  /**
   * The VPN API failed; the subscription stays pending / out of sync and is retried. `stage`
   * says which call: removing a replaced key (the new one was not issued) or adding the key.
   */
  | {
      outcome: "failed";
      userId: number;
      error: VpnApiError;
      attempts: number;
      stage: "retire" | "add";
    }
  /** Not attempted: the circuit breaker refused the call (not counted as an attempt). */
  | { outcome: "refused"; userId: number; error: VpnApiError };

export type ExpireResult =
  | { outcome: "expired"; userId: number; subscriptionId: number; isTrial: boolean; cycle: Date }
  | { outcome: "skipped" }
  | { outcome: "superseded"; userId: number }
  | { outcome: "failed"; userId: number; error: VpnApiError };

const CLAIM_COLUMNS = `id, user_id, vpn_uuid, status, is_trial, expires_at, last_plan,
  expires_at::text AS expires_at_exact, version::text AS version, claim_token,
  ARRAY(SELECT i.uuid::text FROM issued_uuids i
         WHERE i.subscription_id = subscriptions.id AND i.retired_at IS NOT NULL
           AND i.removed_at IS NULL
         ORDER BY i.retired_at) AS retired_keys`;

type ClaimRow = {
  id: string;
  user_id: string;
  vpn_uuid: string;
  status: Claim["status"];
  is_trial: boolean;
  expires_at: Date;
  expires_at_exact: string;
  version: string;
  claim_token: string;
  retired_keys: string[];
  last_plan: string | null;
};

function toClaim(row: ClaimRow): Claim {
  return {
    subscriptionId: Number(row.id),
    userId: Number(row.user_id),
    uuid: row.vpn_uuid,
    status: row.status,
    isTrial: row.is_trial,
    expiresAt: row.expires_at,
    expiresAtExact: row.expires_at_exact,
    version: row.version,
    token: row.claim_token,
    retiredKeys: row.retired_keys,
  };
}

/** Live, with its key missing or out of date on the VPN server. */
const NEEDS_PROVISIONING = `status IN ('pending', 'active') AND expires_at > now()
  AND (status = 'pending' OR provisioned_expires_at IS DISTINCT FROM expires_at)`;
/** Live by status, but past its end: its key must come off the server. */
const NEEDS_EXPIRY = `status IN ('pending', 'active') AND expires_at <= now()`;
/** Not held by another caller (a claim whose holder died expires). */
const UNCLAIMED = `(claim_token IS NULL OR claimed_until < now())`;

/**
 * Claims subscriptions matching `condition` (one of the constants above, plus the worker's
 * backoff): one by id, or a batch in `order`, skipping rows others hold (R5). The claim bumps
 * `version`, which the apply phase compares against.
 */
async function claimSubscriptions(
  client: DbClient,
  target: { id: number } | { limit: number; order: string; respectBackoff: boolean },
  condition: string,
  claimant: string,
  ttlMs: number,
): Promise<Claim[]> {
  const byId = "id" in target;
  const backoff =
    !byId && target.respectBackoff
      ? "AND (next_activation_at IS NULL OR next_activation_at <= now())"
      : "";
  const { rows } = await client.query<ClaimRow>(
    `UPDATE subscriptions
        SET claim_token = gen_random_uuid(), claimed_by = $1,
            claimed_until = now() + make_interval(secs => $2)
      WHERE id IN (
        SELECT id FROM subscriptions
         WHERE ${condition} AND ${UNCLAIMED} ${backoff} ${byId ? "AND id = $3" : ""}
         ORDER BY ${byId ? "id" : target.order}
         LIMIT ${byId ? 1 : "$3"}
         FOR UPDATE SKIP LOCKED)
      RETURNING ${CLAIM_COLUMNS}`,
    [claimant, ttlMs / 1000, byId ? target.id : target.limit],
  );
  const limitsOf = await planLimits(client, rows);
  return rows.map((row) => {
    const claim = toClaim(row);
    const limits = row.is_trial ? undefined : limitsOf(row.last_plan);
    return limits ? { ...claim, limits } : claim;
  });
}

/**
 * The plans' limits as the catalog in force says (an operator's change reaches each key at its
 * next provisioning). A catalog that does not parse gives no limits rather than stopping keys.
 */
async function planLimits(
  client: DbClient,
  rows: ClaimRow[],
): Promise<(plan: string | null) => VpnLimits | undefined> {
  if (!rows.some((r) => r.last_plan !== null && !r.is_trial)) return () => undefined;
  let catalog: Awaited<ReturnType<typeof loadCatalog>>;
  try {
    catalog = await loadCatalog(client);
  } catch {
    return () => undefined;
  }
  return (plan) => {
    const limits = catalog.plans.find((p) => p.id === plan)?.limits;
    if (!limits) return undefined;
    return {
      ...(limits.devices === undefined ? {} : { devices: limits.devices }),
      ...(limits.trafficGb === undefined ? {} : { trafficBytes: limits.trafficGb * 2 ** 30 }),
      trafficReset: limits.trafficReset,
    };
  };
}

/** Applies a successful add-user if nothing changed since the claim (version unchanged). */
async function applyProvisioned(client: DbClient, claim: Claim, link: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE subscriptions
        SET status = 'active', vless_link = $3, provisioned_expires_at = expires_at,
            provisioned_at = now(), activation_attempts = 0, next_activation_at = NULL,
            last_activation_error = NULL, claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND version = $2::bigint`,
    [claim.subscriptionId, claim.version, link],
  );
  if (rowCount === 1) {
    // The key is live again (e.g. a renewal after expiry): reconcile must not treat it as removed.
    await client.query(
      "UPDATE issued_uuids SET removed_at = NULL WHERE uuid = $1 AND removed_at IS NOT NULL",
      [claim.uuid],
    );
  }
  return rowCount === 1;
}

/**
 * The row changed meanwhile. If it still has the same key and is live, the server does have
 * that key now: record the link and what the server was told, so a later sync sends the new
 * expiry. Otherwise only the claim is released.
 */
async function applySuperseded(
  client: DbClient,
  claim: Claim,
  link: string | undefined,
): Promise<{ keyStillCurrent: boolean }> {
  const { rows } = await client.query<{ live: boolean }>(
    `UPDATE subscriptions
        SET vless_link = CASE WHEN vpn_uuid = $3 AND status IN ('pending', 'active') AND $4::text IS NOT NULL
                              THEN $4 ELSE vless_link END,
            status = CASE WHEN vpn_uuid = $3 AND status = 'pending' AND $4::text IS NOT NULL
                          THEN 'active' ELSE status END,
            provisioned_expires_at = CASE WHEN vpn_uuid = $3 AND $4::text IS NOT NULL
                                          THEN $5::timestamptz ELSE provisioned_expires_at END,
            claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND claim_token = $2
      RETURNING (vpn_uuid = $3 AND status IN ('pending', 'active')) AS live`,
    [claim.subscriptionId, claim.token, claim.uuid, link ?? null, claim.expiresAtExact],
  );
  return { keyStillCurrent: rows[0]?.live ?? false };
}

/** Confirmed off the server: replaced keys are never re-added, so no compare-and-set is needed. */
async function recordKeysRemoved(client: DbClient, uuids: string[]): Promise<void> {
  await client.query(
    `UPDATE issued_uuids SET removed_at = now()
      WHERE uuid = ANY($1::uuid[]) AND retired_at IS NOT NULL AND removed_at IS NULL`,
    [uuids],
  );
}

/** Records a failed attempt and when to retry; releases the claim. */
async function applyProvisioningFailure(
  client: DbClient,
  claim: Claim,
  error: string,
  retryBaseMs: number,
  retryMaxMs: number,
): Promise<number> {
  const { rows } = await client.query<{ activation_attempts: number }>(
    `UPDATE subscriptions
        SET activation_attempts = activation_attempts + 1,
            next_activation_at = now() + make_interval(secs => least($4::float8 * 2 ^ activation_attempts, $5::float8)),
            last_activation_error = left($3, 500),
            claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND claim_token = $2
      RETURNING activation_attempts`,
    [claim.subscriptionId, claim.token, error, retryBaseMs / 1000, retryMaxMs / 1000],
  );
  return rows[0]?.activation_attempts ?? 0;
}

/**
 * The call was refused before it was made (the circuit breaker is open, or lets only its one
 * trial call through while the backend recovers): not a failed attempt. The claim is released
 * and the subscription is due again at once, so it is activated in the first iteration after
 * the backend is back, and refusals never count towards the admin alert.
 */
async function applyProvisioningRefused(
  client: DbClient,
  claim: Claim,
  error: string,
): Promise<void> {
  await client.query(
    `UPDATE subscriptions
        SET next_activation_at = now(), last_activation_error = left($3, 500),
            claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND claim_token = $2`,
    [claim.subscriptionId, claim.token, error],
  );
}

/**
 * Puts a subscription's key on the VPN server with its current expiry (add-user is idempotent:
 * it creates or updates). Safe to call from anywhere, any number of times, concurrently.
 */
export async function provisionSubscription(
  deps: ProvisioningDeps,
  subscriptionId: number,
  signal?: AbortSignal,
): Promise<ProvisionResult> {
  const [claim] = await deps.db.tx("provision_claim", (c) =>
    claimSubscriptions(
      c,
      { id: subscriptionId },
      NEEDS_PROVISIONING,
      deps.claimant,
      deps.claimTtlMs,
    ),
  );
  if (!claim) return { outcome: "skipped" };
  return completeProvisioning(deps, claim, signal);
}

/** Claims a batch of due subscriptions; each is then finished with `completeProvisioning`. */
export function claimProvisioningBatch(deps: ProvisioningDeps, limit: number): Promise<Claim[]> {
  return deps.db.tx("provision_claim_batch", (c) =>
    claimSubscriptions(
      c,
      { limit, order: "next_activation_at NULLS FIRST, id", respectBackoff: true },
      NEEDS_PROVISIONING,
      deps.claimant,
      deps.claimTtlMs,
    ),
  );
}

/** The call and apply phases for a claimed subscription. */
export async function completeProvisioning(
  deps: ProvisioningDeps,
  claim: Claim,
  signal?: AbortSignal,
): Promise<ProvisionResult> {
  const log = deps.logger.child({ subscription_id: claim.subscriptionId });
  if (signal?.aborted) {
    await deps.db.tx("provision_release", (c) => releaseClaim(c, claim));
    return { outcome: "skipped" };
  }
  const fail = async (err: unknown, stage: "retire" | "add"): Promise<ProvisionResult> => {
    const error = err instanceof VpnApiError ? err : new VpnApiError("network_error", String(err));
    if (error.kind === "circuit_open") {
      await deps.db.tx("provision_apply", (c) =>
        applyProvisioningRefused(c, claim, `${error.kind}: ${error.message}`),
      );
      log.info(
        { user_id: claim.userId, stage },
        "provisioning refused by the circuit breaker; due again",
      );
      return { outcome: "refused", userId: claim.userId, error };
    }
    const attempts = await deps.db.tx("provision_apply", (c) =>
      applyProvisioningFailure(
        c,
        claim,
        `${stage === "retire" ? "removing the replaced key: " : ""}${error.kind}: ${error.message}`,
        deps.retryBaseMs ?? 15_000,
        deps.retryMaxMs ?? 15 * 60_000,
      ),
    );
    log.warn(
      { user_id: claim.userId, attempts, kind: error.kind, stage },
      stage === "retire"
        ? "provisioning waits: the replaced key's removal is not confirmed; will retry"
        : "provisioning failed; will retry",
    );
    return { outcome: "failed", userId: claim.userId, error, attempts, stage };
  };

  // A reissue's old key comes off first, confirmed, so the server never has two keys of one
  // customer (the VPN API names both after the Telegram id; Xray refuses two of one email).
  // A panel that revokes does it in one step with the add below: its user keeps one set of
  // credentials, renewed by the panel, and the old ones count as removed once that is done.
  const revokes = deps.vpn.revokesOnReissue === true && claim.retiredKeys.length > 0;
  if (claim.retiredKeys.length > 0 && !revokes) {
    try {
      for (const old of claim.retiredKeys) await deps.vpn.remove(old, signal);
    } catch (err) {
      return fail(err, "retire");
    }
    await deps.db.tx("provision_retired_removed", (c) => recordKeysRemoved(c, claim.retiredKeys));
    log.info(
      { user_id: claim.userId, removed: claim.retiredKeys.length },
      "replaced keys confirmed removed",
    );
  }

  let link: string;
  try {
    ({ link } = await deps.vpn.add(
      {
        uuid: claim.uuid,
        subscriptionId: claim.subscriptionId,
        telegramId: claim.userId,
        expiresAt: claim.expiresAt,
        ...(claim.limits ? { limits: claim.limits } : {}),
      },
      signal,
    ));
  } catch (err) {
    // Until the revoke is confirmed the old credentials may still work.
    return fail(err, revokes ? "retire" : "add");
  }
  if (revokes) {
    await deps.db.tx("provision_retired_removed", (c) => recordKeysRemoved(c, claim.retiredKeys));
    log.info(
      { user_id: claim.userId, revoked: claim.retiredKeys.length },
      "replaced keys revoked by the panel",
    );
  }

  const applied = await deps.db.tx("provision_apply", (c) => applyProvisioned(c, claim, link));
  if (applied) {
    log.info({ user_id: claim.userId, activated: claim.status === "pending" }, "key provisioned");
    return {
      outcome: "provisioned",
      activated: claim.status === "pending",
      userId: claim.userId,
      subscriptionId: claim.subscriptionId,
      cycle: claim.expiresAt,
      link,
    };
  }
  const { keyStillCurrent } = await deps.db.tx("provision_apply", (c) =>
    applySuperseded(c, claim, link),
  );
  if (!keyStillCurrent) {
    // Revoked, expired or reissued while add-user was in flight: take the key off again.
    await removeQuietly(deps, claim, log, signal);
  }
  log.info(
    { user_id: claim.userId, key_still_current: keyStillCurrent },
    "provisioning superseded",
  );
  return { outcome: "superseded", userId: claim.userId };
}

/**
 * The key was removed but the row changed meanwhile (a renewal): forget what the server was
 * told so the key is put back by the next provisioning, and release the claim.
 */
async function applyExpirySuperseded(client: DbClient, claim: Claim): Promise<void> {
  await client.query(
    `UPDATE subscriptions
        SET provisioned_expires_at = CASE WHEN vpn_uuid = $3 THEN NULL ELSE provisioned_expires_at END,
            claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND claim_token = $2`,
    [claim.subscriptionId, claim.token, claim.uuid],
  );
}

/** Releases claims not worked on (the iteration ran out of time), in one statement. */
export async function releaseClaims(deps: ProvisioningDeps, claims: Claim[]): Promise<void> {
  if (claims.length === 0) return;
  await deps.db.query(
    "expire_release_batch",
    `UPDATE subscriptions s SET claim_token = NULL, claimed_by = NULL, claimed_until = NULL
       FROM unnest($1::bigint[], $2::uuid[]) AS c(id, token)
      WHERE s.id = c.id AND s.claim_token = c.token`,
    [claims.map((c) => c.subscriptionId), claims.map((c) => c.token)],
  );
}

async function releaseClaim(client: DbClient, claim: Claim): Promise<void> {
  await client.query(
    `UPDATE subscriptions SET claim_token = NULL, claimed_by = NULL, claimed_until = NULL
      WHERE id = $1 AND claim_token = $2`,
    [claim.subscriptionId, claim.token],
  );
}

/**
 * Ends a subscription whose time is up: removes its key from the VPN server (this is what
 * actually ends access: Xray does not enforce expiry), then marks it expired — unless it was
 * renewed meanwhile, in which case the renewal wins and the key is put back.
 */
export async function expireSubscription(
  deps: ProvisioningDeps,
  subscriptionId: number,
  signal?: AbortSignal,
): Promise<ExpireResult> {
  const [claim] = await deps.db.tx("expire_claim", (c) =>
    claimSubscriptions(c, { id: subscriptionId }, NEEDS_EXPIRY, deps.claimant, deps.claimTtlMs),
  );
  if (!claim) return { outcome: "skipped" };
  return completeExpiry(deps, claim, signal);
}

/** Claims a batch of subscriptions past their end; each is then finished with `completeExpiry`. */
export function claimExpiryBatch(deps: ProvisioningDeps, limit: number): Promise<Claim[]> {
  return deps.db.tx("expire_claim_batch", (c) =>
    claimSubscriptions(
      c,
      { limit, order: "expires_at, id", respectBackoff: false },
      NEEDS_EXPIRY,
      deps.claimant,
      deps.claimTtlMs,
    ),
  );
}

/** The call and apply phases of an expiry. */
async function completeExpiry(
  deps: ProvisioningDeps,
  claim: Claim,
  signal?: AbortSignal,
): Promise<ExpireResult> {
  if (signal?.aborted) {
    await deps.db.tx("expire_release", (c) => releaseClaim(c, claim));
    return { outcome: "skipped" };
  }
  const removal = await removeExpiredKey(deps, claim, signal);
  if (!removal.removed) return { outcome: "failed", userId: claim.userId, error: removal.error };
  const { expired } = await recordExpiries(deps, [claim]);
  if (expired.length === 1) {
    deps.logger.info(
      { subscription_id: claim.subscriptionId, user_id: claim.userId },
      "subscription expired; key removed",
    );
    return {
      outcome: "expired",
      userId: claim.userId,
      subscriptionId: claim.subscriptionId,
      isTrial: claim.isTrial,
      cycle: claim.expiresAt,
    };
  }
  await settleSupersededExpiry(deps, claim, signal);
  return { outcome: "superseded", userId: claim.userId };
}

/**
 * The call phase of an expiry on its own, for callers that record many at once: removes the
 * key from the VPN server; on failure the claim is released (due again) and the error returned.
 */
export async function removeExpiredKey(
  deps: ProvisioningDeps,
  claim: Claim,
  signal?: AbortSignal,
): Promise<{ removed: true } | { removed: false; error: VpnApiError }> {
  try {
    await deps.vpn.remove(claim.uuid, signal, claim.subscriptionId);
    return { removed: true };
  } catch (err) {
    const error = err instanceof VpnApiError ? err : new VpnApiError("network_error", String(err));
    await deps.db.tx("expire_apply", (c) => releaseClaim(c, claim));
    deps.logger.warn(
      { subscription_id: claim.subscriptionId, user_id: claim.userId, kind: error.kind },
      "expiry: key removal failed; will retry",
    );
    return { removed: false, error };
  }
}

/**
 * The apply phase of many expiries whose keys are off the server, in one transaction: each is
 * marked expired unless it changed since its claim (the same compare-and-set on `version` as
 * `completeExpiry`), its key recorded removed, and `onExpired` run with the expired ones in the
 * same transaction. Returns the claims that were not expired (renewed meanwhile): pass them to
 * `settleSupersededExpiry`.
 */
export async function recordExpiries(
  deps: ProvisioningDeps,
  claims: Claim[],
  onExpired?: (client: DbClient, expired: Claim[]) => Promise<unknown>,
): Promise<{ expired: Claim[]; superseded: Claim[] }> {
  if (claims.length === 0) return { expired: [], superseded: [] };
  return deps.db.tx("expire_apply_batch", async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `WITH expired AS (
         UPDATE subscriptions s
            SET status = 'expired', provisioned_expires_at = NULL,
                claim_token = NULL, claimed_by = NULL, claimed_until = NULL
           FROM unnest($1::bigint[], $2::bigint[]) AS k(id, version)
          WHERE s.id = k.id AND s.version = k.version
          RETURNING s.id, s.vpn_uuid),
       removed AS (
         UPDATE issued_uuids i SET removed_at = now()
           FROM expired e WHERE i.uuid = e.vpn_uuid)
       SELECT id::text FROM expired`,
      [claims.map((k) => k.subscriptionId), claims.map((k) => k.version)],
    );
    const done = new Set(rows.map((r) => Number(r.id)));
    const expired = claims.filter((k) => done.has(k.subscriptionId));
    if (expired.length > 0 && onExpired) await onExpired(c, expired);
    return { expired, superseded: claims.filter((k) => !done.has(k.subscriptionId)) };
  });
}

/** An expiry whose row changed meanwhile (a renewal): the claim goes and the key is put back. */
export async function settleSupersededExpiry(
  deps: ProvisioningDeps,
  claim: Claim,
  signal?: AbortSignal,
): Promise<void> {
  await deps.db.tx("expire_apply", (c) => applyExpirySuperseded(c, claim));
  deps.logger.info(
    { subscription_id: claim.subscriptionId, user_id: claim.userId },
    "expiry superseded by a change; key will be put back",
  );
  await provisionSubscription(deps, claim.subscriptionId, signal);
}

async function removeQuietly(
  deps: ProvisioningDeps,
  { uuid, subscriptionId }: Claim,
  log: Logger,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await deps.vpn.remove(uuid, signal, subscriptionId);
  } catch (err) {
    // Reconcile removes keys this service issued and retired, so the key does not stay live.
    log.warn({ uuid, err: toError(err).message }, "could not remove a superseded key now");
  }
}
