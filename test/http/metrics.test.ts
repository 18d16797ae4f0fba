import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startService } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { buildHttpServer } from "../../src/http/server.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";
import { testDatabaseUrl } from "../support/db.js";
import { captureLogs } from "../support/logs.js";

const TOKEN = "metrics-token-0123456789";
const logs = captureLogs("info");
// /metrics on its own port, behind a bearer token.
const service = await startService(
  loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: testDatabaseUrl(),
    PORT: "0",
    HOST: "127.0.0.1",
    METRICS_PORT: "0",
    METRICS_TOKEN: TOKEN,
    WATCHDOG_ENABLED: "false",
  }),
  { appLogger: { logger: logs.logger, flush: async () => {} } },
);
afterAll(() => service.shutdown("test finished"));

const scrape = (url: string, authorization?: string) =>
  fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });

/**
 * The exposition rules Prometheus tooling enforces (promtool check metrics), checked here so
 * they hold on machines without promtool: every family has HELP and TYPE, counters end in
 * `_total` and nothing else does, only histograms and summaries end in `_count`, `_sum` or
 * `_bucket`, and every sample belongs to a declared family.
 */
function expositionProblems(text: string): string[] {
  const problems: string[] = [];
  const help = new Set<string>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "HELP") help.add(meta[2] as string);
      else types.set(meta[2] as string, meta[3] as string);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1] ?? line;
    const family = [...types.keys()].find(
      (name) =>
        sample === name ||
        (["histogram", "summary"].includes(types.get(name) ?? "") &&
          ["_bucket", "_sum", "_count"].some((s) => sample === `${name}${s}`)),
    );
    if (!family) problems.push(`${sample}: sample without a TYPE line`);
  }
  for (const [name, type] of types) {
    if (!help.has(name)) problems.push(`${name}: no HELP`);
    if (type === "counter" && !name.endsWith("_total"))
      problems.push(`${name}: counter without _total`);
    if (type !== "counter" && name.endsWith("_total"))
      problems.push(`${name}: ${type} ending in _total`);
    if (!["histogram", "summary"].includes(type) && /_(count|sum|bucket)$/.test(name))
      problems.push(`${name}: ${type} with a histogram suffix`);
  }
  return problems;
}

function promtool(): string | undefined {
  if (existsSync("/usr/bin/promtool")) return "/usr/bin/promtool";
  const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

describe("GET /metrics", () => {
  it("is valid exposition text: own rules, and promtool check metrics where installed", async () => {
    await service.db.query("metrics_probe", "SELECT 1");
    const res = await scrape(service.metricsUrl, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(expositionProblems(text)).toEqual([]);
    // The default process metrics stay, the gauges misnamed `_total` do not.
    expect(text).toContain("# TYPE nodejs_eventloop_lag_p99_seconds gauge");
    expect(text).toContain("# TYPE nodejs_active_handles gauge");
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).not.toContain("nodejs_active_handles_total");

    const tool = promtool();
    if (tool) {
      const checked = spawnSync(tool, ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(`${checked.stdout}${checked.stderr}`).toBe("");
      expect(checked.status).toBe(0);
    } else if (process.env.CI) {
      throw new Error("promtool is not installed (Debian: apt-get install prometheus)");
    }
  });

  it("has sub-millisecond wait and hold buckets, and a timeouts series at 0 for every kind", async () => {
    const text = await (await scrape(service.metricsUrl, `Bearer ${TOKEN}`)).text();
    for (const le of ["0.0001", "0.00025", "0.0005", "0.001"]) {
      expect(text).toContain(
        `db_client_connection_wait_time_seconds_bucket{le="${le}",label="metrics_probe",kind="handler"}`,
      );
      expect(text).toContain(
        `db_client_connection_use_time_seconds_bucket{le="${le}",label="metrics_probe",kind="handler"}`,
      );
    }
    for (const kind of ["handler", "worker", "system"]) {
      expect(text).toContain(`db_client_connection_timeouts_total{kind="${kind}"} 0`);
    }
  });

  it("with METRICS_PORT is served there only; METRICS_TOKEN turns a missing or wrong token away", async () => {
    expect(service.metricsUrl).not.toBe(service.httpUrl);
    expect((await scrape(service.httpUrl, `Bearer ${TOKEN}`)).status).toBe(404);
    expect((await fetch(`${service.httpUrl}/health`)).status).toBe(200);
    const missing = await scrape(service.metricsUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await scrape(service.metricsUrl, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(service.metricsUrl, TOKEN)).status).toBe(401);
    expect((await scrape(service.metricsUrl, `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it("with a token on the public port, refuses scrapes without it and keeps the probes open", async () => {
    const app = buildHttpServer({
      logger: silentLogger(),
      metrics: createMetrics(),
      readiness: new Readiness(),
      health: () => ({ ok: true, stuck: [] }),
      startedAt: Date.now(),
      timeouts: { requestMs: 5_000, idleMs: 5_000 },
      serveMetrics: true,
      metricsToken: TOKEN,
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, "Bearer wrong")).status).toBe(401);
      expect((await scrape(url, `Bearer ${TOKEN}`)).status).toBe(200);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
