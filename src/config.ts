import { z } from "zod";

const CRYPTOPAY_MAINNET_URL = "https://pay.crypt.bot/api/";

/** Worker names as they appear in `WORKER_<NAME>_…` variables (contracts/operations.md). */
export const WORKER_NAMES = [
  "ACTIVATION",
  "FAST_EXPIRY",
  "AUTO_RENEWAL",
  "REMINDERS",
  "TRIAL_NOTIFICATIONS",
  "CRYPTO_WATCHER",
  "RECONCILE",
  "BROADCAST",
  "STARS_BACKSTOP",
  "NOTICES",
] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

/**
 * Default cadence and grid offset per worker. Every interval is a multiple of 30 s and the
 * offsets are pairwise distinct modulo 30 s (at least 3 s apart), so no two grids ever meet:
 * the aligned 600 s burst that froze the previous service cannot happen by construction.
 */
export const WORKER_DEFAULTS: Record<WorkerName, { intervalMs: number; offsetMs: number }> = {
  ACTIVATION: { intervalMs: 30_000, offsetMs: 2_000 },
  AUTO_RENEWAL: { intervalMs: 600_000, offsetMs: 5_000 },
  FAST_EXPIRY: { intervalMs: 60_000, offsetMs: 9_000 },
  REMINDERS: { intervalMs: 900_000, offsetMs: 13_000 },
  CRYPTO_WATCHER: { intervalMs: 30_000, offsetMs: 17_000 },
  RECONCILE: { intervalMs: 600_000, offsetMs: 21_000 },
  TRIAL_NOTIFICATIONS: { intervalMs: 300_000, offsetMs: 24_000 },
  BROADCAST: { intervalMs: 5_000, offsetMs: 1_000 },
  STARS_BACKSTOP: { intervalMs: 120_000, offsetMs: 27_000 },
  NOTICES: { intervalMs: 10_000, offsetMs: 3_500 },
};

/** Workers that skip the start gate (small, frequent batches); the rest are heavy (R4). */
export const LIGHT_WORKERS: readonly WorkerName[] = ["BROADCAST", "NOTICES"];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], {
    error: "must be true or false",
  })
  .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on");

const url = z.url({ error: "must be a URL (http://… or https://…)" });

const idList = z
  .string()
  .regex(/^\s*(\d+\s*(,\s*\d+\s*)*)?$/, { error: "must be comma-separated Telegram ids" })
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number),
  );

const uuidList = z
  .string()
  .regex(/^\s*([0-9a-fA-F-]{36}\s*(,\s*[0-9a-fA-F-]{36}\s*)*)?$/, {
    error: "must be comma-separated squad uuids",
  })
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );

/** Where keys live (contracts/vpn-panels.md): the VPN API or a panel. */
const VPN_BACKENDS = ["xray-api", "remnawave", "marzban", "3x-ui"] as const;
export type VpnBackendName = (typeof VPN_BACKENDS)[number];
/** Backends this version can drive; the others are refused at start with a clear message. */

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const workerShape = Object.fromEntries(
  WORKER_NAMES.flatMap((name) => [
    [`WORKER_${name}_INTERVAL_MS`, int(10).default(WORKER_DEFAULTS[name].intervalMs)],
    [`WORKER_${name}_OFFSET_MS`, int(0).default(WORKER_DEFAULTS[name].offsetMs)],
    [`WORKER_${name}_ENABLED`, bool.default(true)],
  ]),
) as Record<string, z.ZodType>;

/** The whole environment, validated in one place. Every tunable has a default here. */
const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    LOG_BUFFER_MAX_BYTES: int(16 * 1024).default(4 * 1024 * 1024),

    PORT: int(0, 65535).default(8080),
    HOST: z.string().min(1).default("0.0.0.0"),
    SHUTDOWN_TIMEOUT_MS: int(1000).default(20_000),
    HTTP_REQUEST_TIMEOUT_MS: int(100).default(15_000),
    HTTP_IDLE_TIMEOUT_MS: int(100).default(30_000),
    METRICS_PORT: int(0, 65535).optional(),
    METRICS_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]{16,}$/, { error: "must be at least 16 printable characters, no spaces" })
      .optional(),

    BOT_TOKEN: z
      .string()
      .regex(/^\d+:[\w-]+$/, { error: "must look like 123456:ABC… (from @BotFather)" })
      .optional(),
    BOT_MODE: z.enum(["polling", "webhook"]).default("polling"),
    TELEGRAM_API_ROOT: url.default("https://api.telegram.org"),
    PUBLIC_URL: url.optional(),
    TELEGRAM_WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, { error: "must be 1–256 characters of A-Z a-z 0-9 _ -" })
      .optional(),
    ADMIN_IDS: idList.default([]),

    DATABASE_URL: z.string().min(1).optional(),
    DB_POOL_MAX: int(2, 1000).default(10),
    DB_POOL_WORKER_MAX: int(1, 1000).default(3),
    DB_ACQUIRE_TIMEOUT_MS: int(100).default(5_000),
    DB_STATEMENT_TIMEOUT_MS: int(100).default(15_000),
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(100).default(20_000),
    DB_IDLE_TIMEOUT_MS: int(100).default(30_000),
    DB_LONG_HOLD_WARN_MS: int(1).default(2_000),
    DB_POOL_REPORT_INTERVAL_MS: int(100).default(60_000),
    DB_APPLICATION_NAME: z.string().min(1).max(63).default("vpn-bot"),
    EMBEDDED_PG_DIR: z.string().min(1).optional(),
    EMBEDDED_PG_PORT: int(1, 65535).default(54329),

    VPN_API_URL: url.optional(),
    VPN_API_KEY: z.string().min(1).optional(),
    VPN_API_TIMEOUT_MS: int(100).default(5_000),
    VPN_BACKEND: z.enum(VPN_BACKENDS).default("xray-api"),
    REMNAWAVE_URL: url.optional(),
    REMNAWAVE_TOKEN: z.string().min(1).optional(),
    REMNAWAVE_SQUADS: uuidList.default([]),
    MARZBAN_URL: url.optional(),
    MARZBAN_USERNAME: z.string().min(1).optional(),
    MARZBAN_PASSWORD: z.string().min(1).optional(),
    MARZBAN_INBOUNDS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    XUI_URL: url.optional(),
    XUI_TOKEN: z.string().min(1).optional(),
    XUI_INBOUND_IDS: z
      .string()
      .default("")
      .refine((v) => v.split(",").every((s) => s.trim() === "" || /^\d+$/.test(s.trim())), {
        error: "must be comma-separated inbound ids (numbers)",
      })
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
          .map(Number),
      ),
    XUI_SUB_URL: url.optional(),

    CRYPTOPAY_TOKEN: z.string().min(1).optional(),
    CRYPTOPAY_API_URL: url.optional(),
    CRYPTOPAY_ASSETS: z
      .string()
      .regex(/^[A-Z0-9]+(,[A-Z0-9]+)*$/, { error: "must be comma-separated asset codes" })
      .default("USDT,TON,BTC"),

    TG_PROVIDER_TOKEN: z.string().min(1).optional(),
    SANDBOX_PORT: int(0, 65535).default(8090),
    SANDBOX_STATE_DIR: z.string().min(1).optional(),

    DIGEST_ENABLED: bool.default(true),
    DIGEST_TIME: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a time of day, HH:MM" })
      .default("09:00"),
    DIGEST_TIMEZONE: z
      .string()
      .refine(isTimeZone, { error: "must be an IANA time zone such as Europe/Moscow" })
      .default("Europe/Moscow"),

    RECONCILE_DRY_RUN: bool.default(false),
    RECONCILE_REMOVE_FOREIGN: bool.default(false),
    RECONCILE_GRACE_MS: int(0).default(10 * 60_000),
    RECONCILE_MAX_REMOVALS: int(1).default(200),

    TRIAL_DAYS: int(1, 365).default(3),
    KEY_REISSUE_COOLDOWN_SECONDS: int(0).default(3_600),
    INVOICE_TTL_SECONDS: int(60, 86_400).default(3_600),
    // Crypto Pay accepts expires_in up to 2 678 400 s (31 days).
    CRYPTO_INVOICE_TTL_SECONDS: int(60, 2_678_400).default(1_800),
    REPEAT_PURCHASE_WINDOW_SECONDS: int(0, 3_600).default(30),
    PROMO_ATTEMPTS_MAX: int(0, 1_000).default(5),
    PROMO_ATTEMPTS_WINDOW_SECONDS: int(1, 86_400).default(600),
    WITHDRAWAL_MIN_RUB: int(1).default(500),
    SETTINGS_CACHE_MS: int(0).default(10_000),
    AUTO_RENEW_WINDOW_HOURS: int(1, 72).default(6),
    ACTIVATION_ALERT_AFTER_ATTEMPTS: int(1).default(10),
    STARS_BACKSTOP_GRACE_SECONDS: int(0).default(600),

    BOT_API_TIMEOUT_MS: int(1_000).default(10_000),
    BOT_CONCURRENCY: int(1, 10_000).default(100),
    BOT_INBOX_LEASE_MS: int(1_000).default(60_000),
    BOT_RATE_LIMIT_BURST: int(1).default(6),
    BOT_RATE_LIMIT_PER_MINUTE: int(1).default(30),
    BOT_TIMEZONE: z
      .string()
      .refine(isTimeZone, { error: "must be an IANA time zone such as Europe/Moscow" })
      .default("UTC"),

    START_GATE_INTERVAL_MS: int(0).default(1_000),
    WORKER_JITTER_MS: int(0).default(250),
    WORKER_BATCH_SIZE: int(1, 10_000).default(50),
    WORKER_CONCURRENCY: int(1, 100).default(4),
    NOTICES_BATCH_SIZE: int(1, 10_000).default(100),
    NOTICES_CONCURRENCY: int(1, 100).default(4),
    NOTICES_PER_SECOND: int(1, 1_000).default(25),

    WATCHDOG_ENABLED: bool.default(true),
    WATCHDOG_CHECK_INTERVAL_MS: int(50).default(1_000),
    WATCHDOG_EVENT_LOOP_MAX_MS: int(50).default(10_000),
    WATCHDOG_BLOCKED_MS: int(100).default(30_000),
    WATCHDOG_POOL_STUCK_MS: int(100).default(30_000),
    WATCHDOG_DB_PROBE_TIMEOUT_MS: int(100).default(3_000),
    WATCHDOG_WORKER_STUCK_FACTOR: int(2).default(4),
    WATCHDOG_WORKER_STUCK_MIN_MS: int(100).default(60_000),
    WATCHDOG_POLLING_GRACE_MS: int(100).default(30_000),
    WATCHDOG_EXIT_DELAY_MS: int(0).default(250),

    ...workerShape,
  })
  .superRefine((env, ctx) => {
    if (env.DB_POOL_WORKER_MAX >= env.DB_POOL_MAX) {
      ctx.addIssue({
        code: "custom",
        path: ["DB_POOL_WORKER_MAX"],
        message: "must be below DB_POOL_MAX so customer handlers always find a connection",
      });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["METRICS_PORT"],
        message: "must differ from PORT (leave it unset to serve /metrics on PORT)",
      });
    }
  });

/**
 * Variables required by other variables' values. Checked on the raw environment so that they
 * are reported together with type errors (a failed parse skips refinements).
 */
function requiredTogether(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV === "production") {
    if (!env.DATABASE_URL)
      problems.push(
        "DATABASE_URL: is required in production (an embedded ledger would not survive a deploy)",
      );
    if (!env.BOT_TOKEN) problems.push("BOT_TOKEN: is required in production");
  }
  if (env.BOT_MODE === "webhook") {
    if (!env.PUBLIC_URL) problems.push("PUBLIC_URL: is required when BOT_MODE=webhook");
    if (!env.TELEGRAM_WEBHOOK_SECRET)
      problems.push("TELEGRAM_WEBHOOK_SECRET: is required when BOT_MODE=webhook");
  }
  if (Boolean(env.VPN_API_URL) !== Boolean(env.VPN_API_KEY)) {
    problems.push(
      `${env.VPN_API_URL ? "VPN_API_KEY" : "VPN_API_URL"}: is required with ${env.VPN_API_URL ? "VPN_API_URL" : "VPN_API_KEY"}`,
    );
  }
  problems.push(...backendProblems(env));
  return problems;
}

/**
 * The chosen backend's own settings, one problem per missing one. Sandbox mode (no BOT_TOKEN,
 * outside production) fills a panel left unconfigured with its stand-in; a half-configured one
 * is refused there too.
 */
function backendProblems(env: Record<string, string | undefined>): string[] {
  const backend = (env.VPN_BACKEND || "xray-api") as VpnBackendName;
  if (!VPN_BACKENDS.includes(backend)) return [];
  const required: Record<VpnBackendName, string[]> = {
    "xray-api": [],
    remnawave: ["REMNAWAVE_URL", "REMNAWAVE_TOKEN"],
    marzban: ["MARZBAN_URL", "MARZBAN_USERNAME", "MARZBAN_PASSWORD"],
    "3x-ui": ["XUI_URL", "XUI_TOKEN", "XUI_INBOUND_IDS", "XUI_SUB_URL"],
  };
  const names = required[backend];
  const sandbox = !env.BOT_TOKEN && env.NODE_ENV !== "production";
  const given = names.filter((n) => env[n]);
  if (sandbox && given.length === 0) return [];
  return names.filter((n) => !env[n]).map((n) => `${n}: is required when VPN_BACKEND=${backend}`);
}

type Env = z.infer<typeof envSchema>;

export interface WorkerSchedule {
  intervalMs: number;
  offsetMs: number;
  enabled: boolean;
}

/**
 * How updates reach the bot: long polling (one leader among the replicas), or Telegram posting
 * to `<publicUrl>/webhooks/telegram` with the secret header.
 */
export type BotDelivery =
  | { mode: "polling" }
  | { mode: "webhook"; publicUrl: string; webhookSecret: string };

/** The validated configuration: what `toConfig` makes of the parsed environment schema. */
export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError with one line per bad or missing variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most deploy dashboards.
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const parsed = envSchema.safeParse(cleaned);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = i.path.join(".") || "environment";
        const given = i.path.length === 1 ? source[String(i.path[0])] : undefined;
        const shown = given !== undefined && !isSecret(name) ? ` (got "${given}")` : "";
        const message =
          i.code === "invalid_value" ? `must be one of ${i.values.join(", ")}` : i.message;
        return `${name}: ${message}${shown}`;
      });
  problems.push(...requiredTogether(cleaned));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function isSecret(name: string): boolean {
  return /TOKEN|KEY|SECRET|PASSWORD|DATABASE_URL/.test(name);
}

function botDelivery(env: Env): BotDelivery {
  if (env.BOT_MODE === "polling") return { mode: "polling" };
  // loadConfig has already refused webhook mode without these two (requiredTogether).
  if (!env.PUBLIC_URL || !env.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(["BOT_MODE=webhook needs PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET"]);
  }
  return { mode: "webhook", publicUrl: env.PUBLIC_URL, webhookSecret: env.TELEGRAM_WEBHOOK_SECRET };
}

/** The configuration's shape, field by field from the parsed environment. */
function toConfig(env: Env) {
  const raw = env as Env & Record<string, unknown>;
  const workers = Object.fromEntries(
    WORKER_NAMES.map((name) => [
      name,
      {
        intervalMs: raw[`WORKER_${name}_INTERVAL_MS`] as number,
        offsetMs: raw[`WORKER_${name}_OFFSET_MS`] as number,
        enabled: raw[`WORKER_${name}_ENABLED`] as boolean,
      },
    ]),
  ) as Record<WorkerName, WorkerSchedule>;

  return {
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, bufferMaxBytes: env.LOG_BUFFER_MAX_BYTES },
    http: {
      port: env.PORT,
      host: env.HOST,
      /** The whole request (headers and body) must arrive within this; then 408 and closed. */
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      /** A socket with no traffic for this long is closed. */
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS,
    },
    metrics: {
      /** Serve `/metrics` on its own port instead of `PORT`; undefined = on `PORT`. */
      port: env.METRICS_PORT,
      /** Require `Authorization: Bearer <token>` on `/metrics`. */
      token: env.METRICS_TOKEN,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    bot: {
      token: env.BOT_TOKEN,
      delivery: botDelivery(env),
      /** Bot API base URL: Telegram's, a local Bot API server, or the sandbox stand-in. */
      apiRoot: env.TELEGRAM_API_ROOT,
      adminIds: env.ADMIN_IDS,
      providerToken: env.TG_PROVIDER_TOKEN,
      /** Timeout of an ordinary Bot API call (sends, edits, answers). */
      apiTimeoutMs: env.BOT_API_TIMEOUT_MS,
      /** Updates handled at once by the long-polling runner. */
      concurrency: env.BOT_CONCURRENCY,
      /** A stored update whose handler stopped renewing its claim this long ago is run again. */
      inboxLeaseMs: env.BOT_INBOX_LEASE_MS,
      /** Per-customer token bucket for expensive actions. */
      rateLimitBurst: env.BOT_RATE_LIMIT_BURST,
      rateLimitPerMinute: env.BOT_RATE_LIMIT_PER_MINUTE,
      /** Time zone of dates in messages. */
      timeZone: env.BOT_TIMEZONE,
    },
    /** Business tunables of the customer flows and workers (SPEC defaults). */
    business: {
      trialDays: env.TRIAL_DAYS,
      keyReissueCooldownSeconds: env.KEY_REISSUE_COOLDOWN_SECONDS,
      invoiceTtlSeconds: env.INVOICE_TTL_SECONDS,
      cryptoInvoiceTtlSeconds: env.CRYPTO_INVOICE_TTL_SECONDS,
      /** The same plan bought from the balance again within this window is a double tap. */
      repeatPurchaseWindowSeconds: env.REPEAT_PURCHASE_WINDOW_SECONDS,
      /** Refused promo codes a customer may type within the window (0: no limit). */
      promoAttemptsMax: env.PROMO_ATTEMPTS_MAX,
      promoAttemptsWindowSeconds: env.PROMO_ATTEMPTS_WINDOW_SECONDS,
      withdrawalMinKopecks: env.WITHDRAWAL_MIN_RUB * 100,
      /** Operator content and incident banner are re-read at most this often. */
      settingsCacheMs: env.SETTINGS_CACHE_MS,
      /** Auto-renewal starts this long before expiry and retries until it. */
      autoRenewWindowSeconds: env.AUTO_RENEW_WINDOW_HOURS * 3_600,
      /** The admins are alerted once activation has failed this many times for a subscription. */
      activationAlertAfterAttempts: env.ACTIVATION_ALERT_AFTER_ATTEMPTS,
      /** The Stars backstop credits a Star transaction with no payment row once it is this old. */
      starsBackstopGraceSeconds: env.STARS_BACKSTOP_GRACE_SECONDS,
    },
    db: {
      url: env.DATABASE_URL,
      poolMax: env.DB_POOL_MAX,
      workerMax: env.DB_POOL_WORKER_MAX,
      acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      idleTimeoutMs: env.DB_IDLE_TIMEOUT_MS,
      longHoldWarnMs: env.DB_LONG_HOLD_WARN_MS,
      reportIntervalMs: env.DB_POOL_REPORT_INTERVAL_MS,
      applicationName: env.DB_APPLICATION_NAME,
      embeddedDir: env.EMBEDDED_PG_DIR,
      embeddedPort: env.EMBEDDED_PG_PORT,
    },
    vpn: {
      /** Which backend holds the keys (VPN_BACKEND). */
      backend: env.VPN_BACKEND,
      /** The VPN API (backend `xray-api`). */
      url: env.VPN_API_URL,
      apiKey: env.VPN_API_KEY,
      /** Whole-call timeout of every backend's calls. */
      timeoutMs: env.VPN_API_TIMEOUT_MS,
      remnawave: {
        url: env.REMNAWAVE_URL,
        token: env.REMNAWAVE_TOKEN,
        squads: env.REMNAWAVE_SQUADS,
      },
      marzban: {
        url: env.MARZBAN_URL,
        username: env.MARZBAN_USERNAME,
        password: env.MARZBAN_PASSWORD,
        inbounds: env.MARZBAN_INBOUNDS,
      },
      xui: {
        url: env.XUI_URL,
        token: env.XUI_TOKEN,
        inboundIds: env.XUI_INBOUND_IDS,
        subUrl: env.XUI_SUB_URL,
      },
    },
    cryptopay: {
      token: env.CRYPTOPAY_TOKEN,
      apiUrl: env.CRYPTOPAY_API_URL ?? CRYPTOPAY_MAINNET_URL,
      /** Whether CRYPTOPAY_API_URL was set: sandbox mode keeps its stand-in otherwise. */
      apiUrlExplicit: env.CRYPTOPAY_API_URL !== undefined,
      assets: env.CRYPTOPAY_ASSETS.split(","),
    },
    sandbox: { port: env.SANDBOX_PORT, stateDir: env.SANDBOX_STATE_DIR },
    digest: { enabled: env.DIGEST_ENABLED, time: env.DIGEST_TIME, timezone: env.DIGEST_TIMEZONE },
    reconcile: {
      dryRun: env.RECONCILE_DRY_RUN,
      removeForeign: env.RECONCILE_REMOVE_FOREIGN,
      graceMs: env.RECONCILE_GRACE_MS,
      maxRemovals: env.RECONCILE_MAX_REMOVALS,
    },
    scheduling: {
      startGateIntervalMs: env.START_GATE_INTERVAL_MS,
      jitterMs: env.WORKER_JITTER_MS,
      /** Rows a worker claims per iteration, and how many of them it handles at once. */
      batchSize: env.WORKER_BATCH_SIZE,
      concurrency: env.WORKER_CONCURRENCY,
      /**
       * The `NOTICES` worker: notices it claims per pass (passes repeat within its budget while
       * they come back full), sends at once, and sends started per second.
       */
      notices: {
        batchSize: env.NOTICES_BATCH_SIZE,
        concurrency: env.NOTICES_CONCURRENCY,
        perSecond: env.NOTICES_PER_SECOND,
      },
      workers,
    },
    watchdog: {
      enabled: env.WATCHDOG_ENABLED,
      checkIntervalMs: env.WATCHDOG_CHECK_INTERVAL_MS,
      eventLoopMaxMs: env.WATCHDOG_EVENT_LOOP_MAX_MS,
      blockedMs: env.WATCHDOG_BLOCKED_MS,
      poolStuckMs: env.WATCHDOG_POOL_STUCK_MS,
      /** Budget of the fresh-connection probe that tells a database outage from a stuck pool. */
      dbProbeTimeoutMs: env.WATCHDOG_DB_PROBE_TIMEOUT_MS,
      workerStuckFactor: env.WATCHDOG_WORKER_STUCK_FACTOR,
      workerStuckMinMs: env.WATCHDOG_WORKER_STUCK_MIN_MS,
      pollingGraceMs: env.WATCHDOG_POLLING_GRACE_MS,
      exitDelayMs: env.WATCHDOG_EXIT_DELAY_MS,
    },
  };
}
