import { chmod, mkdtemp, rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { silentLogger } from "../../src/logger.js";
import { type Customer, sandboxClient, toPaymentMethods } from "../support/driver.js";
import { freePort } from "../support/postgres.js";
import { childEnv, type ServiceProcess, spawnService } from "../support/service-process.js";

/**
 * The database stopped (this file's own PostgreSQL, never the shared one): nobody can hold the
 * polling lock, yet a Stars pre-checkout query is answered within Telegram's 10 s — refused,
 * "try again in a minute", in the language Telegram reports — and the customer's other updates
 * wait with Telegram until the database is back, then are each handled once.
 */
const dir = await mkdtemp("/var/tmp/vpnbot-precheckout-pg-");
await chmod(dir, 0o755);
const pgPort = await freePort();
const startDb = () =>
  startEmbeddedPostgres({ dataDir: `${dir}/data`, port: pgPort, logger: silentLogger() });
let server: EmbeddedPostgres = await startDb();
let proc: ServiceProcess | undefined;
afterAll(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const TRY_AGAIN = "We couldn't verify the payment. Please try again in a minute.";

async function customerWithInvoice(customer: Customer): Promise<void> {
  await customer.send("/start");
  const picker = await customer.waitForMessage();
  await customer.press("lang:first:en");
  await customer.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
  await toPaymentMethods(customer, "basic", 30);
  await customer.press("b:basic:30:xtr:83");
  await customer.waitForMessage((m) => m.invoice !== null);
}

describe("a Stars pre-checkout while the database is stopped", () => {
  it("is refused with 'try again in a minute' within 10 s; the other updates are handled once afterwards", async () => {
    const sandboxPort = await freePort();
    proc = spawnService({
      env: childEnv({
        DATABASE_URL: server.url,
        PORT: String(await freePort()),
        SANDBOX_PORT: String(sandboxPort),
      }),
    });
    await proc.waitForLine((l) => l.msg === "service started", 60_000);
    const sb = sandboxClient(`http://127.0.0.1:${sandboxPort}`);
    const ann = sb.customer(990_001, { first_name: "Ann", language_code: "en" });
    await customerWithInvoice(ann);
    const before = (await ann.chat()).length;

    await server.stop();
    // Customers keep writing into the outage.
    const written = [await ann.send("/profile"), await ann.send("/help")];
    const started = Date.now();
    const paid = await ann.pay({ timeoutMs: 10_000 });
    const tookMs = Date.now() - started;
    expect(paid.status).toBe("rejected");
    expect(paid.answer).toEqual({ ok: false, error_message: TRY_AGAIN });
    expect(tookMs).toBeLessThan(10_000);
    await proc.waitForLine(
      (l) =>
        l.msg ===
        "database unreachable: polling for pre-checkout queries only, acknowledging nothing",
      1_000,
    );

    server = await startDb();
    // Both messages are answered once each, after the database is back; nothing else.
    await ann.waitForMessage((m) => (m.text ?? "").includes("Profile"), 40_000);
    await ann.waitForMessage((m) => m.text !== null || m.caption !== null, 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const after = (await ann.chat()).slice(before).filter((m) => !m.deleted);
    expect(after).toHaveLength(written.length);
    expect(proc.child.exitCode).toBeNull();
  }, 180_000);
});
