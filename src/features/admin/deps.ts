import type { Config } from "../../config.js";
import type { Db } from "../../db/pool.js";
import type { ProvisioningDeps } from "../../domain/subscriptions/provisioning.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../ops/metrics.js";

/** The one line of system health on the dashboard. */
export interface SystemHealth {
  /** p99 of the handler pool's acquire wait over the last minutes, ms; null before any sample. */
  handlerWaitP99Ms: number | null;
  /** Worker loops behind their schedule (names). */
  workersLate: string[];
  /** "ok", or why the VPN backend is not usable (as /ready names it). */
  vpn: string;
  /** "ok", "not configured", or why Crypto Pay is not usable. */
  cryptopay: string;
}

/**
 * What the console's screen groups are given by the composition root. Every action goes through
 * the domain (the three-phase VPN work through `provisioning`, money through the ledger) on the
 * handler pool `db`; notices to customers go through `ctx.notifier`.
 */
export interface AdminDeps {
  config: Config;
  /** Handler checkouts (the console is a bot feature). */
  db: Db;
  logger: Logger;
  metrics: Metrics;
  /** Provisioning as the bot runs it (grants, revokes and reissues reach the VPN backend). */
  provisioning: ProvisioningDeps;
  /** The dashboard's health line; absent where no service runs around the bot. */
  health?: () => Promise<SystemHealth>;
}
