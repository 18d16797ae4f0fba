import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { buildHttpServer } from "../../src/http/server.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { Readiness } from "../../src/ops/readiness.js";

/** The public server with short client timeouts, over real sockets. */
const app = buildHttpServer({
  logger: silentLogger(),
  metrics: createMetrics(),
  readiness: new Readiness(),
  health: () => ({ ok: true, stuck: [] }),
  startedAt: Date.now(),
  timeouts: { requestMs: 400, idleMs: 5_000 },
  serveMetrics: true,
  metricsToken: undefined,
});
app.post("/webhooks/echo", async (req) => ({ got: req.body }));
await app.listen({ port: 0, host: "127.0.0.1" });
const port = (app.server.address() as { port: number }).port;
afterAll(() => app.close());

/** Opens a socket, writes `head`, and resolves with what the server sent once it closes. */
function sendAndWaitForClose(head: string, trickle?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (c) => {
      received += c.toString("utf8");
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearInterval(timer);
      resolve(received);
    });
    socket.write(head);
    // A client that keeps the socket busy with a byte now and then, never finishing its body.
    if (trickle) timer = setInterval(() => socket.write(trickle), 100);
    // Far beyond the configured timeouts: a socket still open then is the bug.
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`socket still open after 10 s; received ${JSON.stringify(received)}`));
    }, 10_000).unref();
  });
}

const stalledPost =
  "POST /webhooks/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
  "Content-Length: 1000\r\n\r\n{";

describe("HTTP client timeouts", () => {
  it("closes a connection whose body stalls after the headers, answering 408", async () => {
    const answer = await sendAndWaitForClose(stalledPost);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes a connection that trickles its body slower than the request timeout", async () => {
    const answer = await sendAndWaitForClose(stalledPost, " ");
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("still takes complete webhook bodies and keeps serving", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ update_id: 1, text: "x".repeat(50_000) }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { got: { update_id: number } }).got.update_id).toBe(1);
  });

  it("closes an idle connection after the idle timeout", async () => {
    const idle = buildHttpServer({
      logger: silentLogger(),
      metrics: createMetrics(),
      readiness: new Readiness(),
      health: () => ({ ok: true, stuck: [] }),
      startedAt: Date.now(),
      timeouts: { requestMs: 5_000, idleMs: 300 },
      serveMetrics: false,
      metricsToken: undefined,
    });
    await idle.listen({ port: 0, host: "127.0.0.1" });
    try {
      const idlePort = (idle.server.address() as { port: number }).port;
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect(idlePort, "127.0.0.1");
        socket.on("close", () => resolve(true));
        socket.on("error", () => {});
        setTimeout(() => {
          socket.destroy();
          resolve(false);
        }, 10_000).unref();
      });
      expect(closed).toBe(true);
    } finally {
      await idle.close();
    }
  });
});
