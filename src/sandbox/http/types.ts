import type { IncomingHttpHeaders } from "node:http";

/** One incoming request, body already read, as the stand-ins see it. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Aborted when the client goes away or the sandbox closes, so long waits end with it. */
  signal: AbortSignal;
}

/** What a handler answers; the server writes it. `bytes` wins over `json`. */
export interface Reply {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Target = "telegram" | "vpn" | "cryptopay";

export const TARGETS: readonly Target[] = ["telegram", "vpn", "cryptopay"];

/** A stand-in for one external service, behind the shared HTTP server. */
export interface StandIn {
  readonly target: Target;
  /** The called method's name (e.g. `sendMessage`, `add-user`), for faults and the call log. */
  methodOf(path: string): string;
  handle(req: SandboxRequest): Promise<{ reply: Reply; request: unknown }>;
  /** The service's own shape for an injected error or rate limit. */
  faultReply(kind: "error" | "rate_limit", status: number, retryAfter: number): Reply;
}
