import { describe, expect, it } from "vitest";
import { botOptionsFrom } from "../../src/bot/options.js";
import { flowLimitsFrom } from "../../src/bot-services.js";
import {
  ConfigError,
  LIGHT_WORKERS,
  loadConfig,
  WORKER_DEFAULTS,
  WORKER_NAMES,
} from "../../src/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("configuration", () => {
  it("has working defaults for development", () => {
    const config = loadConfig({});
    expect(config.env).toBe("development");
    expect(config.http.port).toBe(8080);
    expect(config.db.url).toBeUndefined();
    expect(config.db.poolMax).toBeGreaterThan(config.db.workerMax);
    expect(config.sandbox.port).toBe(8090);
    expect(config.shutdownTimeoutMs).toBeLessThan(30_000);
    expect(config.scheduling.workers.FAST_EXPIRY).toEqual({
      intervalMs: 60_000,
      offsetMs: 9_000,
      enabled: true,
    });
  });

  it("maps the business and bot tunables onto the flows' limits and the bot's options", () => {
    const config = loadConfig({
      TRIAL_DAYS: "7",
      KEY_REISSUE_COOLDOWN_SECONDS: "600",
      WITHDRAWAL_MIN_RUB: "1000",
      AUTO_RENEW_WINDOW_HOURS: "12",
      BOT_RATE_LIMIT_PER_MINUTE: "90",
      BOT_TIMEZONE: "Europe/Moscow",
    });
    expect(flowLimitsFrom(config)).toMatchObject({
      trialSeconds: 7 * 86_400,
      reissueCooldownSeconds: 600,
      minWithdrawalKopecks: 100_000,
      invoiceTtlSeconds: 3_600,
      cryptoInvoiceTtlSeconds: 1_800,
    });
    expect(config.business.autoRenewWindowSeconds).toBe(12 * 3_600);
    expect(botOptionsFrom(config)).toMatchObject({
      rateLimitCapacity: 6,
      rateLimitRefillPerSecond: 1.5,
      timeZone: "Europe/Moscow",
      requestTimeoutMs: 10_000,
    });
    expect(
      problemsOf({ CRYPTO_INVOICE_TTL_SECONDS: "9999999", BOT_TIMEZONE: "Mars/Base" }),
    ).toEqual([
      'CRYPTO_INVOICE_TTL_SECONDS: must be at most 2678400 (got "9999999")',
      'BOT_TIMEZONE: must be an IANA time zone such as Europe/Moscow (got "Mars/Base")',
    ]);
  });

  it("reads every worker's cadence, offset and switch", () => {
    const config = loadConfig({
      WORKER_RECONCILE_INTERVAL_MS: "1500",
      WORKER_RECONCILE_OFFSET_MS: "20",
      WORKER_RECONCILE_ENABLED: "false",
    });
    expect(config.scheduling.workers.RECONCILE).toEqual({
      intervalMs: 1500,
      offsetMs: 20,
      enabled: false,
    });
  });

  it("names each bad variable once, with what it expects", () => {
    expect(problemsOf({ PORT: "http", DB_POOL_MAX: "0", LOG_LEVEL: "loud" })).toEqual([
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'PORT: must be a number (got "http")',
      'DB_POOL_MAX: must be at least 2 (got "0")',
    ]);
  });

  it("requires DATABASE_URL and BOT_TOKEN in production", () => {
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([
      "DATABASE_URL: is required in production (an embedded ledger would not survive a deploy)",
      "BOT_TOKEN: is required in production",
    ]);
    expect(
      problemsOf({ NODE_ENV: "production", DATABASE_URL: "postgres://x/y", BOT_TOKEN: "123:abc" }),
    ).toEqual([]);
  });

  it("requires webhook settings in webhook mode and keeps the worker bulkhead below the pool", () => {
    expect(problemsOf({ BOT_MODE: "webhook", DB_POOL_MAX: "4", DB_POOL_WORKER_MAX: "4" })).toEqual([
      'DB_POOL_WORKER_MAX: must be below DB_POOL_MAX so customer handlers always find a connection (got "4")',
      "PUBLIC_URL: is required when BOT_MODE=webhook",
      "TELEGRAM_WEBHOOK_SECRET: is required when BOT_MODE=webhook",
    ]);
  });

  it("reads the bot's delivery as polling or webhook, the webhook with its URL and secret", () => {
    expect(loadConfig({}).bot.delivery).toEqual({ mode: "polling" });
    const webhook = loadConfig({
      BOT_MODE: "webhook",
      PUBLIC_URL: "https://bot.example.com",
      TELEGRAM_WEBHOOK_SECRET: "s3cret-value",
    }).bot.delivery;
    expect(webhook).toEqual({
      mode: "webhook",
      publicUrl: "https://bot.example.com",
      webhookSecret: "s3cret-value",
    });
  });

  it("never echoes a secret's value", () => {
    const problems = problemsOf({ BOT_TOKEN: "not a token at all" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^BOT_TOKEN: must look like/);
    expect(problems[0]).not.toContain("not a token at all");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", VPN_API_URL: " " }).http.port).toBe(8080);
  });

  it("places heavy workers on grids that never meet", () => {
    // Two grids offset_a + n·a and offset_b + m·b meet iff gcd(a, b) divides offset_a − offset_b.
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const heavy = WORKER_NAMES.filter((n) => !LIGHT_WORKERS.includes(n));
    for (const a of heavy) {
      for (const b of heavy) {
        if (a >= b) continue;
        const wa = WORKER_DEFAULTS[a];
        const wb = WORKER_DEFAULTS[b];
        const g = gcd(wa.intervalMs, wb.intervalMs);
        const distance = Math.abs(wa.offsetMs - wb.offsetMs) % g;
        expect(Math.min(distance, g - distance), `${a} vs ${b}`).toBeGreaterThanOrEqual(3_000);
      }
    }
  });

  describe("VPN backend configuration (contracts/vpn-panels.md)", () => {
    const live = { BOT_TOKEN: "1:x" };

    it("defaults to the VPN API and reads a panel's settings under their contract names", () => {
      expect(loadConfig({}).vpn.backend).toBe("xray-api");
      const squad = "3f1c2b7e-9a4d-4c1e-8b2a-5d6e7f809a1b";
      const config = loadConfig({
        ...live,
        VPN_BACKEND: "remnawave",
        REMNAWAVE_URL: "https://panel.example",
        REMNAWAVE_TOKEN: "t0ken",
        REMNAWAVE_SQUADS: ` ${squad.toUpperCase()} `,
      });
      expect(config.vpn).toMatchObject({
        backend: "remnawave",
        remnawave: { url: "https://panel.example", token: "t0ken", squads: [squad] },
      });
    });

    it("names each missing setting of the chosen panel", () => {
      expect(problemsOf({ ...live, VPN_BACKEND: "remnawave" })).toEqual([
        "REMNAWAVE_URL: is required when VPN_BACKEND=remnawave",
        "REMNAWAVE_TOKEN: is required when VPN_BACKEND=remnawave",
      ]);
      expect(
        problemsOf({ ...live, VPN_BACKEND: "remnawave", REMNAWAVE_URL: "https://panel.example" }),
      ).toEqual(["REMNAWAVE_TOKEN: is required when VPN_BACKEND=remnawave"]);
      expect(problemsOf({ VPN_BACKEND: "remnawave-2" })[0]).toMatch(/^VPN_BACKEND: /);
      expect(problemsOf({ ...live, VPN_BACKEND: "remnawave", REMNAWAVE_SQUADS: "nope" })).toContain(
        'REMNAWAVE_SQUADS: must be comma-separated squad uuids (got "nope")',
      );
    });

    it("reads 3x-ui's four settings and names each missing one", () => {
      const config = loadConfig({
        ...live,
        VPN_BACKEND: "3x-ui",
        XUI_URL: "https://xui.example/secret-path",
        XUI_TOKEN: "t0ken",
        XUI_INBOUND_IDS: " 3, 7 ",
        XUI_SUB_URL: "https://sub.example:2096",
      });
      expect(config.vpn).toMatchObject({
        backend: "3x-ui",
        xui: {
          url: "https://xui.example/secret-path",
          token: "t0ken",
          inboundIds: [3, 7],
          subUrl: "https://sub.example:2096",
        },
      });
      expect(problemsOf({ ...live, VPN_BACKEND: "3x-ui", XUI_TOKEN: "t" })).toEqual([
        "XUI_URL: is required when VPN_BACKEND=3x-ui",
        "XUI_INBOUND_IDS: is required when VPN_BACKEND=3x-ui",
        "XUI_SUB_URL: is required when VPN_BACKEND=3x-ui",
      ]);
      expect(problemsOf({ ...live, XUI_INBOUND_IDS: "1,two" })[0]).toMatch(/^XUI_INBOUND_IDS: /);
      expect(problemsOf({ VPN_BACKEND: "3x-ui" })).toEqual([]);
    });

    it("sandbox mode fills an unconfigured panel with its stand-in, but not a half-configured one", () => {
      expect(problemsOf({ VPN_BACKEND: "remnawave" })).toEqual([]);
      expect(problemsOf({ VPN_BACKEND: "remnawave", REMNAWAVE_TOKEN: "t" })).toEqual([
        "REMNAWAVE_URL: is required when VPN_BACKEND=remnawave",
      ]);
    });
  });
});
