import { Agent, type Dispatcher, errors, request } from "undici";

export interface JsonRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as `application/x-www-form-urlencoded` instead of a JSON body (a login form). */
  form?: Record<string, string>;
  /** Whole-call budget: connect, headers and body. */
  timeoutMs: number;
  /** The caller's cancellation (a stopping worker); distinct from the timeout. */
  signal?: AbortSignal;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

export type TransportFailure = "timeout" | "network_error" | "aborted" | "bad_response";

export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
  }
}

/** An undici agent with explicit connect, headers and body timeouts. */
export function createAgent(opts: { connectTimeoutMs: number; timeoutMs: number }): Dispatcher {
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
  });
}

/**
 * One HTTP exchange with a JSON body, bounded by `timeoutMs` whatever the server does
 * (silent, slow, half-open). Transport problems become a TransportError with a kind.
 */
export async function requestJson(dispatcher: Dispatcher, req: JsonRequest): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    const res = await request(req.url, {
      method: req.method,
      dispatcher,
      signal,
      headers: {
        accept: "application/json",
        ...(req.form !== undefined
          ? { "content-type": "application/x-www-form-urlencoded" }
          : req.body !== undefined
            ? { "content-type": "application/json" }
            : {}),
        ...req.headers,
      },
      body:
        req.form !== undefined
          ? new URLSearchParams(req.form).toString()
          : req.body !== undefined
            ? JSON.stringify(req.body)
            : undefined,
    });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      if (res.statusCode < 300) {
        throw new TransportError("bad_response", `status ${res.statusCode} with a non-JSON body`);
      }
      body = { raw: text.slice(0, 500) };
    }
    return { status: res.statusCode, body };
  } catch (err) {
    if (err instanceof TransportError) throw err;
    if (req.signal?.aborted) throw new TransportError("aborted", "cancelled by the caller");
    if (
      timeout.aborted ||
      err instanceof errors.ConnectTimeoutError ||
      err instanceof errors.HeadersTimeoutError ||
      err instanceof errors.BodyTimeoutError
    ) {
      throw new TransportError("timeout", `no answer within ${req.timeoutMs} ms`);
    }
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    throw new TransportError("network_error", e.cause?.code ?? e.code ?? e.message);
  }
}
