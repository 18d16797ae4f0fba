import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Buckets for connection wait/hold: fine below 0.25 s, where a healthy pool lives, and below
 * 1 ms, where most waits of a healthy pool are (an idle connection is handed over in ≈ 0.1 ms).
 */
const DB_TIME_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5,
  10, 30,
];

/** Every `kind` of database checkout: their counters exist at 0 from the start. */
const DB_KINDS = ["handler", "worker", "system"] as const;

/**
 * prom-client's default collectors, less the gauges whose names end in `_total`
 * (`nodejs_active_handles_total`, `…_requests_total`, `…_resources_total`): a gauge must not
 * carry the counter suffix (promtool refuses them), and the same numbers are the sum of the
 * per-type gauges `nodejs_active_handles`, `…_requests`, `…_resources` that stay.
 */
function registerDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (type === "gauge" && name.endsWith("_total")) registry.removeSingleMetric(name);
  }
}
const NETWORK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ITERATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Every metric the service exports, in one registry owned by the composition root. Names are an
 * interface (contracts/operations.md): dashboards depend on them.
 */
export function createMetrics() {
  const registry = new Registry();
  registerDefaultMetrics(registry);

  const metrics = {
    registry,
    dbWait: new Histogram({
      name: "db_client_connection_wait_time_seconds",
      help: "Time from requesting a pooled connection to having it, per caller label and kind",
      labelNames: ["label", "kind"] as const,
      buckets: DB_TIME_BUCKETS,
      registers: [registry],
    }),
    dbUse: new Histogram({
      name: "db_client_connection_use_time_seconds",
      help: "How long a checked-out connection was held, per caller label and kind",
      labelNames: ["label", "kind"] as const,
      buckets: DB_TIME_BUCKETS,
      registers: [registry],
    }),
    // OpenTelemetry's `db.client.connections.usage`: a gauge may not end in `_count` (promtool),
    // so not `db_client_connection_count` (the name until 2026-12).
    dbCount: new Gauge({
      name: "db_client_connections_usage",
      help: "Pooled connections by state",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    dbPending: new Gauge({
      name: "db_client_connection_pending_requests",
      help: "Checkout requests waiting for a pooled connection",
      registers: [registry],
    }),
    dbMax: new Gauge({
      name: "db_client_connection_max",
      help: "Maximum pooled connections",
      registers: [registry],
    }),
    dbTimeouts: new Counter({
      name: "db_client_connection_timeouts_total",
      help: "Checkouts that gave up waiting for a connection",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    dbHeldDuringNetwork: new Counter({
      name: "db_client_connection_held_during_network_call_total",
      help: "Network calls attempted while a database connection was held (R2); stays 0",
      registers: [registry],
    }),
    workerIteration: new Histogram({
      name: "worker_iteration_duration_seconds",
      help: "Duration of worker iterations by outcome",
      labelNames: ["worker", "outcome"] as const,
      buckets: ITERATION_BUCKETS,
      registers: [registry],
    }),
    workerLastSuccess: new Gauge({
      name: "worker_last_success_timestamp_seconds",
      help: "Unix time of the last successful iteration per worker",
      labelNames: ["worker"] as const,
      registers: [registry],
    }),
    vpnRequest: new Histogram({
      name: "vpn_api_request_duration_seconds",
      help: "VPN API calls by operation and outcome",
      labelNames: ["operation", "outcome"] as const,
      buckets: NETWORK_BUCKETS,
      registers: [registry],
    }),
    cryptopayRequest: new Histogram({
      name: "cryptopay_api_request_duration_seconds",
      help: "Crypto Pay API calls by method and outcome",
      labelNames: ["method", "outcome"] as const,
      buckets: NETWORK_BUCKETS,
      registers: [registry],
    }),
    telegramRequest: new Histogram({
      name: "telegram_api_request_duration_seconds",
      help: "Telegram Bot API calls by method and outcome",
      labelNames: ["method", "outcome"] as const,
      buckets: NETWORK_BUCKETS,
      registers: [registry],
    }),
    botUpdate: new Histogram({
      name: "bot_update_duration_seconds",
      help: "Time to handle one Telegram update, by update type",
      labelNames: ["type"] as const,
      buckets: NETWORK_BUCKETS,
      registers: [registry],
    }),
    botInbox: new Counter({
      name: "bot_inbox_updates_total",
      help: "Telegram updates through the durable inbox: stored, redelivery (already stored), recovered (run again after a lapsed lease), failed (gave up), store_failed (not acknowledged)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    payments: new Counter({
      name: "payments_total",
      help: "Payments by method and outcome",
      labelNames: ["method", "outcome"] as const,
      registers: [registry],
    }),
    reconcileKeys: new Gauge({
      name: "reconcile_vpn_keys",
      help: "Keys on the VPN server at the last reconcile: all, foreign (not issued here), removable",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    logLinesDropped: new Counter({
      name: "log_lines_dropped_total",
      help: "Log lines dropped because stdout did not keep up (R7)",
      registers: [registry],
    }),
    watchdogStuck: new Gauge({
      name: "watchdog_stuck_parts",
      help: "Parts the watchdog currently considers stuck",
      registers: [registry],
    }),
  };
  // A series per kind from the start: `rate()` and alerts on it need a 0 before the first timeout.
  for (const kind of DB_KINDS) metrics.dbTimeouts.inc({ kind }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
