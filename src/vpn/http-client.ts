import type { Dispatcher } from "undici";
import type { Logger } from "../logger.js";
import { type CircuitBreaker, CircuitOpenError } from "../net/circuit-breaker.js";
import {
  createAgent,
  type JsonResponse,
  requestJson,
  TransportError,
} from "../net/json-request.js";
import type { Metrics } from "../ops/metrics.js";
import { abortableDelay } from "../util/delay.js";
import { type VpnApi, VpnApiError, type VpnUserInput } from "./api.js";

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

type Operation = "add" | "update" | "remove" | "list" | "health";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The VPN API over HTTP (contracts/vpn-api.md), with timeouts, retries and a circuit breaker. */
export class HttpVpnApi implements VpnApi {
  readonly #o: HttpVpnApiOptions;
  readonly #dispatcher: Dispatcher;
  readonly #base: string;
  readonly #log: Logger;

  constructor(options: HttpVpnApiOptions) {
    this.#o = options;
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#log = options.logger.child({ component: "vpn_api" });
    this.#dispatcher =
      options.dispatcher ??
      createAgent({
        connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 3_000, 3_000),
        timeoutMs: options.timeoutMs,
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

  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.#call("health", "GET", "/health", signal);
      return true;
    } catch {
      return false;
    }
  }

  async #call(
    operation: Operation,
    method: "GET" | "POST",
    path: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<unknown> {
    this.#o.assertNoDbScope(`vpn.${operation}`);
    const attempts = 1 + (this.#o.retries ?? 2);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(operation, method, path, signal, body, attempt);
      } catch (err) {
        const retry =
          err instanceof VpnApiError &&
          err.retryable &&
          err.kind !== "circuit_open" &&
          err.kind !== "aborted" &&
          attempt < attempts &&
          !signal?.aborted;
        if (!retry) throw err;
        const base = this.#o.retryBaseDelayMs ?? 250;
        await abortableDelay(base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  async #attempt(
    operation: Operation,
    method: "GET" | "POST",
    path: string,
    signal: AbortSignal | undefined,
    body: unknown,
    attempt: number,
  ): Promise<unknown> {
    const breaker = this.#o.breaker;
    const started = performance.now();
    let outcome = "ok";
    let status: number | undefined;
    try {
      try {
        if (operation !== "health") breaker.before();
      } catch (err) {
        if (err instanceof CircuitOpenError) throw new VpnApiError("circuit_open", err.message);
        throw err;
      }
      let res: JsonResponse;
      try {
        res = await requestJson(this.#dispatcher, {
          method,
          url: `${this.#base}${path}`,
          headers: operation === "health" ? {} : { "x-api-key": this.#o.apiKey },
          body,
          timeoutMs: this.#o.timeoutMs,
          signal,
        });
      } catch (err) {
        if (err instanceof TransportError)
          throw new VpnApiError(err.kind, `${operation}: ${err.message}`);
        throw err;
      }
      status = res.status;
      if (res.status >= 200 && res.status < 300) {
        if (operation !== "health") {
          breaker.success();
          this.#o.onKeyAccepted?.();
        }
        return res.body;
      }
      const detail = (res.body as { detail?: unknown } | undefined)?.detail;
      const text = typeof detail === "string" ? detail : `status ${res.status}`;
      if (res.status === 401 || res.status === 403) {
        // The server answered: for the breaker (which tracks outages) that is a success, so a
        // half-open trial ends and the circuit never opens over a configuration error.
        breaker.success();
        this.#o.onKeyRejected?.(res.status, text);
        throw new VpnApiError("unauthorized", text, res.status);
      }
      if (res.status >= 400 && res.status < 500)
        throw new VpnApiError("bad_request", text, res.status);
      throw new VpnApiError("server_error", text, res.status);
    } catch (err) {
      const e = err instanceof VpnApiError ? err : new VpnApiError("network_error", String(err));
      outcome = e.kind;
      if (
        operation !== "health" &&
        e.kind !== "circuit_open" &&
        e.kind !== "aborted" &&
        e.kind !== "bad_request" &&
        // A rejected key is a configuration error: reported by name, not counted as an outage.
        e.kind !== "unauthorized"
      ) {
        breaker.failure(`${operation}: ${e.message}`);
      }
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#o.metrics.vpnRequest.observe({ operation, outcome }, seconds);
      const line = { operation, outcome, status, attempt, duration_ms: Math.round(seconds * 1000) };
      if (outcome === "ok") this.#log.info(line, "vpn api call");
      else this.#log.warn(line, "vpn api call failed");
    }
  }

  async close(): Promise<void> {
    if (!this.#o.dispatcher) await this.#dispatcher.close();
  }
}

function checkUuid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new VpnApiError("bad_request", `malformed uuid "${uuid}"`);
  return uuid;
}
