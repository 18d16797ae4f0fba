import type { Dispatcher } from "undici";
import type { Logger } from "../logger.js";
import { type CircuitBreaker, CircuitOpenError } from "../net/circuit-breaker.js";
import {
  createAgent,
  type JsonRequest,
  type JsonResponse,
  requestJson,
  TransportError,
} from "../net/json-request.js";
import type { Metrics } from "../ops/metrics.js";
import { abortableDelay } from "../util/delay.js";
import { VpnApiError } from "./api.js";

/**
 * What every VPN backend client shares (the panels and the VPN API): timeouts, retries, the
 * breaker, the R2 guard, metrics, logs.
 */
export interface PanelHttpOptions {
  /** The backend's name in logs and metrics (`remnawave`, …). */
  panel: string;
  /**
   * Prefix of the `operation` label of `vpn_api_request_duration_seconds` and of breaker
   * details; default `<panel>.` (the VPN API keeps its bare operation names: "").
   */
  operationPrefix?: string;
  /** The `component` of its log lines (default `vpn_backend`) and the lines' message. */
  logComponent?: string;
  logMessage?: string;
  /**
   * A rejection (401/403) means the backend answered: counted as a success by the breaker, so
   * a half-open trial ends and the circuit never opens over a configuration error. Default: the
   * breaker does not see it at all.
   */
  rejectionIsAnswer?: boolean;
  /** Every 401/403, with its status and the backend's detail (the VPN API's own reporting). */
  onRejected?(status: number, detail: string): void;
  /** A call the breaker counts succeeded: the credentials work (again). */
  onAccepted?(): void;
  /** The settings holding its credentials, named when the panel rejects them. */
  credentials: string;
  baseUrl: string;
  /** Whole-call timeout (VPN_API_TIMEOUT_MS). */
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Extra attempts after a retryable failure; every adapter operation is idempotent. */
  retries?: number;
  retryBaseDelayMs?: number;
  breaker: CircuitBreaker;
  metrics: Metrics;
  logger: Logger;
  /** The R2 guard: refuses the call while a database connection is held. */
  assertNoDbScope(what: string): void;
  /**
   * A credential or version the panel refuses: a configuration error, not an outage. Called on
   * every occurrence; the receiver decides to alert once.
   */
  onConfigurationError?(detail: string): void;
  dispatcher?: Dispatcher;
}

export interface PanelRequest {
  method: JsonRequest["method"];
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  form?: Record<string, string>;
  /** Statuses handed back to the caller instead of thrown (e.g. 404 for "not there"). */
  accept?: number[];
}

/**
 * One HTTP exchange with a panel. 2xx (and `accept`ed statuses) come back; 401/403 are a
 * configuration error (never retried, never counted by the breaker); other 4xx are the request's
 * fault (never retried); 5xx and transport failures are retried with backoff and counted.
 */
export class PanelHttp {
  readonly #o: PanelHttpOptions;
  readonly #dispatcher: Dispatcher;
  readonly #base: string;
  readonly #log: Logger;

  constructor(options: PanelHttpOptions) {
    this.#o = options;
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#log = options.logger.child({
      component: options.logComponent ?? "vpn_backend",
      panel: options.panel,
    });
    this.#dispatcher =
      options.dispatcher ??
      createAgent({
        connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 3_000, 3_000),
        timeoutMs: options.timeoutMs,
      });
  }

  /** Reports a configuration problem found by an adapter (e.g. an unsupported version). */
  configurationError(detail: string): VpnApiError {
    this.#o.onConfigurationError?.(detail);
    return new VpnApiError("unauthorized", detail);
  }

  async call(
    operation: string,
    req: PanelRequest,
    signal?: AbortSignal,
    opts: { countsForBreaker?: boolean } = {},
  ): Promise<JsonResponse> {
    this.#o.assertNoDbScope(`vpn.${this.#label(operation)}`);
    const attempts = 1 + (this.#o.retries ?? 2);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(operation, req, signal, attempt, opts.countsForBreaker ?? true);
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
    operation: string,
    req: PanelRequest,
    signal: AbortSignal | undefined,
    attempt: number,
    countsForBreaker: boolean,
  ): Promise<JsonResponse> {
    const breaker = this.#o.breaker;
    const started = performance.now();
    let outcome = "ok";
    let status: number | undefined;
    try {
      try {
        if (countsForBreaker) breaker.before();
      } catch (err) {
        if (err instanceof CircuitOpenError) throw new VpnApiError("circuit_open", err.message);
        throw err;
      }
      let res: JsonResponse;
      try {
        res = await requestJson(this.#dispatcher, {
          method: req.method,
          url: `${this.#base}${req.path}`,
          headers: req.headers ?? {},
          body: req.body,
          ...(req.form ? { form: req.form } : {}),
          timeoutMs: this.#o.timeoutMs,
          signal,
        });
      } catch (err) {
        if (err instanceof TransportError)
          throw new VpnApiError(err.kind, `${operation}: ${err.message}`);
        throw err;
      }
      status = res.status;
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) {
        if (countsForBreaker) {
          breaker.success();
          this.#o.onAccepted?.();
        }
        return res;
      }
      const text = `${operation}: status ${res.status}${describeBody(res.body)}`;
      if (res.status === 401 || res.status === 403) {
        if (countsForBreaker && this.#o.rejectionIsAnswer) breaker.success();
        this.#o.onRejected?.(res.status, detailOf(res.body) ?? `status ${res.status}`);
        this.#o.onConfigurationError?.(
          `${this.#o.panel} rejected the credentials (status ${res.status}): check ${this.#o.credentials}`,
        );
        throw new VpnApiError("unauthorized", text, res.status);
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429)
        throw new VpnApiError("bad_request", text, res.status);
      throw new VpnApiError("server_error", text, res.status);
    } catch (err) {
      const e = err instanceof VpnApiError ? err : new VpnApiError("network_error", String(err));
      outcome = e.kind;
      if (
        countsForBreaker &&
        !["circuit_open", "aborted", "bad_request", "unauthorized"].includes(e.kind)
      ) {
        breaker.failure(`${this.#label(operation)}: ${e.message}`);
      }
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#o.metrics.vpnRequest.observe({ operation: this.#label(operation), outcome }, seconds);
      const line = { operation, outcome, status, attempt, duration_ms: Math.round(seconds * 1000) };
      const message = this.#o.logMessage ?? "vpn backend call";
      if (outcome === "ok") this.#log.info(line, message);
      else this.#log.warn(line, `${message} failed`);
    }
  }

  #label(operation: string): string {
    return `${this.#o.operationPrefix ?? `${this.#o.panel}.`}${operation}`;
  }

  async close(): Promise<void> {
    if (!this.#o.dispatcher) await this.#dispatcher.close();
  }
}

function describeBody(body: unknown): string {
  const text = detailOf(body);
  return text === undefined ? "" : ` (${text.slice(0, 200)})`;
}

/** The error text a backend put in its body (`message` or FastAPI's `detail`). */
function detailOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const b = body as { message?: unknown; detail?: unknown };
  const text = typeof b.message === "string" ? b.message : b.detail;
  return typeof text === "string" ? text : undefined;
}
