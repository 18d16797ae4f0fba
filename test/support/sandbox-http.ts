import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { type Dispatcher, request } from "undici";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert their shape with expect.
export type Loose = any;

export interface HttpResult<T = Loose> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A plain HTTP call that parses JSON answers; never throws on a status. */
export async function http<T = Loose>(
  url: string,
  init: {
    method?: Dispatcher.HttpMethod;
    headers?: Record<string, string>;
    body?: string | Buffer;
  } = {},
): Promise<HttpResult<T>> {
  const res = await request(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.statusCode, headers: res.headers, body: body as T };
}

/** Calls a Bot API method on the sandbox with a JSON body. */
export function callBot<T = Loose>(
  sandbox: { url: string; botToken: string },
  method: string,
  params: Record<string, unknown> = {},
  token = sandbox.botToken,
): Promise<HttpResult<T>> {
  return http<T>(`${sandbox.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A little HTTP receiver that records raw requests and answers via `respond`. */
export async function startReceiver(
  respond: (req: ReceivedRequest, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(200).end("ok");
  },
): Promise<{ url: string; received: ReceivedRequest[]; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        raw: Buffer.concat(chunks),
      };
      received.push(entry);
      respond(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
