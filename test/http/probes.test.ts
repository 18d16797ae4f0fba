import { afterAll, describe, expect, it } from "vitest";
import { startService } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { testDatabaseUrl } from "../support/db.js";
import { captureLogs } from "../support/logs.js";

const logs = captureLogs("info");
const service = await startService(
  loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: testDatabaseUrl(),
    PORT: "0",
    HOST: "127.0.0.1",
    WATCHDOG_ENABLED: "false",
  }),
  { appLogger: { logger: logs.logger, flush: async () => {} } },
);
afterAll(() => service.shutdown("test finished"));

const get = (path: string) => fetch(`${service.httpUrl}${path}`);

describe("HTTP probes", () => {
  it("GET /health answers 200 without touching the pool", async () => {
    const before = service.db.stats();
    const res = await get("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", stuck: [] });
    expect(service.db.stats().lastAcquiredAt).toBe(before.lastAcquiredAt);
  });

  it("GET /health answers 503 naming the stuck part", async () => {
    let stuck = true;
    service.watchdog.register({
      name: "probe_part",
      check: () => (stuck ? { stuck: true, detail: "no progress for 40 s" } : { stuck: false }),
    });
    const res = await get("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "stuck",
      stuck: [{ part: "probe_part", detail: "no progress for 40 s" }],
    });
    stuck = false;
    expect((await get("/health")).status).toBe(200);
  });

  it("GET /ready is 200 once migrated, lists dependency outages by name, 503 with reasons", async () => {
    let res = await get("/ready");
    expect(res.status).toBe(200);
    service.readiness.dependency("vpn_api", false, "circuit open: connect ECONNREFUSED");
    res = await get("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ready",
      dependencies: { vpn_api: { ok: false, detail: "circuit open: connect ECONNREFUSED" } },
    });
    service.readiness.unmet("loops", "not started");
    res = await get("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "not_ready",
      reasons: ["loops: not started"],
    });
    service.readiness.met("loops");
  });

  it("GET /metrics exposes the pool histograms with label and kind, and process metrics", async () => {
    await service.db.query("metrics_probe", "SELECT 1");
    const res = await get("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      'db_client_connection_wait_time_seconds_bucket{le="0.005",label="metrics_probe",kind="handler"}',
      'db_client_connection_use_time_seconds_count{label="metrics_probe",kind="handler"} 1',
      'db_client_connections_usage{state="idle"}',
      "db_client_connection_pending_requests 0",
      "db_client_connection_max 10",
      "db_client_connection_held_during_network_call_total 0",
      "log_lines_dropped_total 0",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(text).toContain(name);
    }
  });
});
