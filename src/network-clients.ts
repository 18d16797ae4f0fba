import type { Config } from "./config.js";
import type { DbScope } from "./db/scope.js";
import type { Logger } from "./logger.js";
import { CircuitBreaker } from "./net/circuit-breaker.js";
import type { Metrics } from "./ops/metrics.js";
import type { Readiness } from "./ops/readiness.js";
import { type CryptoPayApi, HttpCryptoPayApi } from "./payments/cryptopay.js";
import { UnconfiguredVpnApi, type VpnApi } from "./vpn/api.js";
import { HttpVpnApi } from "./vpn/http-client.js";
import { MarzbanBackend } from "./vpn/marzban.js";
import { PanelHttp } from "./vpn/panel-http.js";
import { RemnawaveBackend } from "./vpn/remnawave.js";
import { XuiBackend } from "./vpn/xui.js";

export interface NetworkClients {
  vpn: VpnApi;
  /** Undefined when CRYPTOPAY_TOKEN is not set: crypto payments are then not offered. */
  cryptopay: CryptoPayApi | undefined;
  /**
   * Checks the VPN backend once at start (reachable, credentials accepted, version supported)
   * and sends configuration errors, found now or later, to `alert` — each one once.
   */
  verify(alert: (text: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Consecutive failures that open a dependency's circuit, and how long it stays open. */
const BREAKER = { failureThreshold: 5, openMs: 15_000 };

/**
 * The VPN API and Crypto Pay clients, each behind a circuit breaker whose state is reported
 * by name in `/ready` (an outage is listed there and never stops the process).
 */
export function createNetworkClients(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  scope: DbScope;
  readiness: Readiness;
  /** Tells the admins about a configuration error (logged and sent in the background). */
  alertOperator?: (text: string) => Promise<void>;
}): NetworkClients {
  const { config, logger, metrics, scope, readiness } = deps;
  const guard = (what: string) => scope.assertNoDbScope(what);
  const breakerFor = (name: string) => {
    readiness.dependency(name, true);
    return new CircuitBreaker(name, {
      ...BREAKER,
      onStateChange: (state, detail) => {
        readiness.dependency(
          name,
          state === "closed",
          state === "closed" ? undefined : `circuit ${state}: ${detail}`,
        );
        logger.warn({ dependency: name, state, detail }, "circuit breaker changed state");
      },
    });
  };

  // A credential or version the backend refuses is a configuration error: named in /ready,
  // alerted once, not an outage (the breaker does not count it).
  const configurationErrors = new Set<string>();
  let alertSink: ((text: string) => void) | undefined;
  const onConfigurationError = (name: string) => (detail: string) => {
    readiness.dependency(name, false, `configuration error: ${detail}`);
    if (configurationErrors.has(detail)) return;
    configurationErrors.add(detail);
    logger.error({ dependency: name, detail }, "VPN backend configuration error");
    alertSink?.(`VPN backend configuration error: ${detail}`);
  };

  let vpn: VpnApi;
  let closeVpn = async () => {};
  const backend = config.vpn.backend;
  if (backend === "remnawave" && config.vpn.remnawave.url && config.vpn.remnawave.token) {
    const http = new PanelHttp({
      panel: "remnawave",
      credentials: "REMNAWAVE_TOKEN",
      baseUrl: config.vpn.remnawave.url,
      timeoutMs: config.vpn.timeoutMs,
      breaker: breakerFor("vpn_api"),
      metrics,
      logger,
      assertNoDbScope: guard,
      onConfigurationError: onConfigurationError("vpn_api"),
    });
    vpn = new RemnawaveBackend({
      http,
      token: config.vpn.remnawave.token,
      squads: config.vpn.remnawave.squads,
    });
    closeVpn = () => http.close();
  } else if (
    backend === "marzban" &&
    config.vpn.marzban.url &&
    config.vpn.marzban.username &&
    config.vpn.marzban.password
  ) {
    const http = new PanelHttp({
      panel: "marzban",
      credentials: "MARZBAN_USERNAME and MARZBAN_PASSWORD",
      baseUrl: config.vpn.marzban.url,
      timeoutMs: config.vpn.timeoutMs,
      breaker: breakerFor("vpn_api"),
      metrics,
      logger,
      assertNoDbScope: guard,
      onConfigurationError: onConfigurationError("vpn_api"),
    });
    vpn = new MarzbanBackend({
      http,
      baseUrl: config.vpn.marzban.url,
      username: config.vpn.marzban.username,
      password: config.vpn.marzban.password,
      inbounds: config.vpn.marzban.inbounds,
    });
    closeVpn = () => http.close();
  } else if (
    backend === "3x-ui" &&
    config.vpn.xui.url &&
    config.vpn.xui.token &&
    config.vpn.xui.subUrl &&
    config.vpn.xui.inboundIds.length > 0
  ) {
    const http = new PanelHttp({
      panel: "3x-ui",
      credentials: "XUI_TOKEN",
      baseUrl: config.vpn.xui.url,
      timeoutMs: config.vpn.timeoutMs,
      breaker: breakerFor("vpn_api"),
      metrics,
      logger,
      assertNoDbScope: guard,
      onConfigurationError: onConfigurationError("vpn_api"),
    });
    vpn = new XuiBackend({
      http,
      token: config.vpn.xui.token,
      inboundIds: config.vpn.xui.inboundIds,
      subUrl: config.vpn.xui.subUrl,
    });
    closeVpn = () => http.close();
  } else if (backend === "xray-api" && config.vpn.url && config.vpn.apiKey) {
    const client = new HttpVpnApi({
      baseUrl: config.vpn.url,
      apiKey: config.vpn.apiKey,
      timeoutMs: config.vpn.timeoutMs,
      breaker: breakerFor("vpn_api"),
      metrics,
      logger,
      assertNoDbScope: guard,
      ...vpnKeyReporting(readiness, logger, deps.alertOperator),
    });
    vpn = client;
    closeVpn = () => client.close();
  } else {
    vpn = new UnconfiguredVpnApi();
    readiness.dependency(
      "vpn_api",
      false,
      backend === "xray-api"
        ? "not configured (VPN_API_URL, VPN_API_KEY): activations stay pending"
        : `not configured (VPN_BACKEND=${backend}): activations stay pending`,
    );
  }

  let cryptopay: HttpCryptoPayApi | undefined;
  if (config.cryptopay.token) {
    cryptopay = new HttpCryptoPayApi({
      baseUrl: config.cryptopay.apiUrl,
      token: config.cryptopay.token,
      assets: config.cryptopay.assets,
      timeoutMs: config.vpn.timeoutMs,
      breaker: breakerFor("cryptopay"),
      metrics,
      logger,
      assertNoDbScope: guard,
    });
  }

  return {
    vpn,
    cryptopay,
    async verify(alert) {
      alertSink = alert;
      for (const detail of configurationErrors) alert(`VPN backend configuration error: ${detail}`);
      // The VPN API's own checks are its client's; a panel is asked for its version and token.
      if (backend === "xray-api") return;
      const ok = await vpn.health();
      logger.info({ backend, ok }, "VPN backend checked at start");
    },
    async close() {
      await Promise.all([closeVpn(), cryptopay?.close()]);
    },
  };
}

/**
 * A VPN API that refuses VPN_API_KEY (401/403) is misconfigured, not down: `/ready` names it at
 * the first refusal, the admins are told once per episode, and the first accepted call clears it.
 */
function vpnKeyReporting(
  readiness: Readiness,
  logger: Logger,
  alertOperator: ((text: string) => Promise<void>) | undefined,
) {
  let rejected = false;
  return {
    onKeyRejected(status: number, detail: string) {
      readiness.dependency(
        "vpn_api",
        false,
        `VPN API rejected the key (${status} ${detail}): check VPN_API_KEY`,
      );
      if (rejected) return;
      rejected = true;
      logger.error(
        { event: "vpn_api_key_rejected", dependency: "vpn_api", status, detail },
        "VPN API rejected the key",
      );
      void alertOperator?.(
        `VPN API rejected the key (HTTP ${status}: ${detail}). Check VPN_API_KEY: activations and renewals stay pending until it is accepted.`,
      ).catch(() => undefined);
    },
    onKeyAccepted() {
      if (!rejected) return;
      rejected = false;
      readiness.dependency("vpn_api", true);
      logger.warn(
        { event: "vpn_api_key_accepted", dependency: "vpn_api" },
        "VPN API accepts the key again",
      );
    },
  };
}
