import type { Dispatcher } from "undici";
import type { Logger } from "../logger.js";
import type { CircuitBreaker } from "../net/circuit-breaker.js";
import type { Metrics } from "../ops/metrics.js";
import { type VpnApi, VpnApiError, type VpnUserInput } from "./api.js";
import { PanelHttp } from "./panel-http.js";

export interface HttpVpnApiOptions {
  baseUrl: string;
  apiKey: string;
  /** Whole-call timeout (VPN_API_TIMEOUT_MS). */
  timeoutMs: number;
  /** Connect timeout, at most 3 s (contract). */
  connectTimeoutMs?: number;
  /** Extra attempts after a retryable failure; every operation is idempotent. */
  retries?: number;
  retryBaseDelayMs?: number;
  breaker: CircuitBreaker;
  metrics: Metrics;
  logger: Logger;
  /** The R2 guard: refuses the call while a database connection is held. */
  assertNoDbScope(what: string): void;
  dispatcher?: Dispatcher;
  /**
   * The server refused our key (401/403): a configuration error, not an outage. Called on every
   * refusal; the breaker never sees it, so it neither opens the circuit nor hides the cause.
   */
  onKeyRejected?(status: number, detail: string): void;
  /** A keyed call succeeded: the key works (again). */
  onKeyAccepted?(): void;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The VPN API over HTTP (contracts/vpn-api.md), through the request helper every backend
 * shares (timeouts, retries, the circuit breaker, the R2 guard, metrics and logs).
 */
export class HttpVpnApi implements VpnApi {
  readonly #http: PanelHttp;
  readonly #key: Record<string, string>;

  constructor(options: HttpVpnApiOptions) {
    this.#key = { "x-api-key": options.apiKey };
    this.#http = new PanelHttp({
      panel: "xray-api",
      operationPrefix: "",
      logComponent: "vpn_api",
      logMessage: "vpn api call",
      credentials: "VPN_API_KEY",
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(options.retryBaseDelayMs === undefined
        ? {}
        : { retryBaseDelayMs: options.retryBaseDelayMs }),
      breaker: options.breaker,
      metrics: options.metrics,
      logger: options.logger,
      assertNoDbScope: (what) => options.assertNoDbScope(what),
      // The server answered: a rejected key is a configuration error, never an outage.
      rejectionIsAnswer: true,
      ...(options.onKeyRejected ? { onRejected: options.onKeyRejected } : {}),
      ...(options.onKeyAccepted ? { onAccepted: options.onKeyAccepted } : {}),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  }

  async add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }> {
    const body = await this.#call("add", "POST", "/add-user", signal, {
      uuid: checkUuid(input.uuid),
      telegram_id: input.telegramId,
      expiry_timestamp_ms: input.expiresAt.getTime(),
    });
    const b = body as { uuid?: unknown; vless_link?: unknown; link?: unknown };
    const link = typeof b.vless_link === "string" ? b.vless_link : b.link;
    if (typeof link !== "string" || !link.startsWith("vless://")) {
      throw new VpnApiError("bad_response", "add-user answered without a vless:// link");
    }
    if (typeof b.uuid === "string" && b.uuid.toLowerCase() !== input.uuid.toLowerCase()) {
      throw new VpnApiError("bad_response", `add-user answered for another uuid (${b.uuid})`);
    }
    return { uuid: input.uuid, link };
  }

  async update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void> {
    await this.#call("update", "POST", "/update-user", signal, {
      uuid: checkUuid(input.uuid),
      expiry_timestamp_ms: input.expiresAt.getTime(),
    });
  }

  async remove(uuid: string, signal?: AbortSignal): Promise<void> {
    await this.#call(
      "remove",
      "POST",
      `/remove-user/${encodeURIComponent(checkUuid(uuid))}`,
      signal,
    );
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const body = (await this.#call("list", "GET", "/list-users", signal)) as { uuids?: unknown };
    if (!Array.isArray(body?.uuids) || !body.uuids.every((u) => typeof u === "string")) {
      throw new VpnApiError("bad_response", "list-users answered without a uuids array");
    }
    return body.uuids as string[];
  }

  /** Unauthenticated and outside the breaker: a probe, not a use of the key. */
  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.#http.call("health", { method: "GET", path: "/health" }, signal, {
        countsForBreaker: false,
      });
      return true;
    } catch {
      return false;
    }
  }

  async #call(
    operation: "add" | "update" | "remove" | "list",
    method: "GET" | "POST",
    path: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<unknown> {
    const res = await this.#http.call(
      operation,
      { method, path, headers: this.#key, ...(body === undefined ? {} : { body }) },
      signal,
    );
    return res.body;
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}

function checkUuid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new VpnApiError("bad_request", `malformed uuid "${uuid}"`);
  return uuid;
}
