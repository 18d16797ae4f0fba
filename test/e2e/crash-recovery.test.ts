import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { WORKER_NAMES } from "../../src/config.js";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { type Customer, sandboxClient, toPaymentMethods } from "../support/driver.js";
import { freePort } from "../support/postgres.js";
import { childEnv, type ServiceProcess, spawnService } from "../support/service-process.js";

/**
 * kill -9 while a paid Telegram update is being handled: the stand-ins run as their own process
 * (`npm run sandbox`), so they outlive the service; the restarted service finds the stored update
 * in the inbox and credits the payment exactly once.
 */
const db = await testDb();
const running: ServiceProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill("SIGKILL");
});

async function startSandboxProcess(): Promise<{ url: string; proc: ServiceProcess }> {
  const port = await freePort();
  const proc = spawnService({
    entry: "src/sandbox/main.ts",
    env: childEnv({ SANDBOX_PORT: String(port) }),
  });
  running.push(proc);
  await proc.waitForLine((l) => l.msg === "sandbox process ready", 30_000);
  return { url: `http://127.0.0.1:${port}`, proc };
}

function startServiceAgainst(sandboxUrl: string, port: number, extra: Record<string, string>) {
  const disabled = Object.fromEntries(WORKER_NAMES.map((n) => [`WORKER_${n}_ENABLED`, "false"]));
  const proc = spawnService({
    env: childEnv({
      DATABASE_URL: testDatabaseUrl(),
      PORT: String(port),
      BOT_TOKEN: "1000000:sandbox",
      TELEGRAM_API_ROOT: sandboxUrl,
      VPN_API_URL: `${sandboxUrl}/vpn`,
      VPN_API_KEY: "sandbox-vpn-key",
      BOT_INBOX_LEASE_MS: "2000",
      ...disabled,
      ...extra,
    }),
  });
  running.push(proc);
  return proc;
}

/** A customer with a Stars invoice for Basic, 30 days, open in the chat. */
async function customerWithInvoice(customer: Customer): Promise<number> {
  await customer.send("/start");
  const picker = await customer.waitForMessage();
  await customer.press("lang:first:en");
  await customer.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
  await toPaymentMethods(customer, "basic", 30);
  await customer.press("b:basic:30:xtr:83");
  await customer.waitForMessage((m) => m.invoice !== null);
  const { rows } = await db.query<{ id: string }>(
    "test",
    "SELECT id FROM purchases WHERE user_id = $1 AND status = 'pending'",
    [customer.id],
  );
  return Number(rows[0]?.id);
}

/** Holds the purchase row locked (a slow database), until `release`. */
async function holdPurchase(purchaseId: number): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  client.on("error", () => {});
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT id FROM purchases WHERE id = $1 FOR UPDATE", [purchaseId]);
  return {
    async release() {
      await client.query("ROLLBACK");
      await client.end();
    },
  };
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function paymentUpdateInHand(): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.query(
        "test",
        `SELECT 1 FROM update_inbox
          WHERE status = 'processing' AND payload->'message' ? 'successful_payment'`,
      );
      return rows.length > 0 ? true : undefined;
    },
    15_000,
    "the stored payment update",
  );
}

async function expectCreditedOnce(customer: Customer, chargeId: string): Promise<void> {
  const told = await customer.waitForMessage((m) => m.photo !== null, 30_000);
  expect(told.caption).toContain("vless://");
  const payments = await db.query(
    "test",
    "SELECT provider_payment_id FROM payments WHERE user_id = $1",
    [customer.id],
  );
  expect(payments.rows).toEqual([{ provider_payment_id: chargeId }]);
  const grants = await db.query("test", "SELECT kind FROM subscription_grants WHERE user_id = $1", [
    customer.id,
  ]);
  expect(grants.rows).toHaveLength(1);
  // Told once: one key message after the invoice, nothing repeated later.
  await new Promise((r) => setTimeout(r, 1_500));
  const keyMessages = (await customer.chat()).filter((m) => m.photo !== null);
  expect(keyMessages).toHaveLength(1);
}

describe("a paid update survives kill -9", () => {
  it("polling: the process dies while the payment is being recorded; after restart it is credited once", async () => {
    const { url } = await startSandboxProcess();
    const sb = sandboxClient(url);
    const port = await freePort();
    const first = startServiceAgainst(url, port, {});
    await first.waitForLine((l) => l.msg === "service started", 30_000);
    const ann = sb.customer(4101, { first_name: "Ann", language_code: "en" });
    const purchaseId = await customerWithInvoice(ann);

    const lock = await holdPurchase(purchaseId);
    const paid = await ann.pay();
    expect(paid.status).toBe("paid");
    await paymentUpdateInHand();
    await new Promise((r) => setTimeout(r, 500));
    first.kill("SIGKILL");
    await first.exited;
    await lock.release();

    const second = startServiceAgainst(url, port, {});
    await second.waitForLine((l) => l.msg === "service started", 30_000);
    await expectCreditedOnce(ann, paid.successful_payment?.telegram_payment_charge_id ?? "");
    await second.waitForLine(
      (l) => l.msg === "running an update whose handler never finished (the process stopped)",
      5_000,
    );
  });

  it("webhook: the process dies after answering 200; the other replica credits it once", async () => {
    const { url } = await startSandboxProcess();
    const sb = sandboxClient(url);
    const port = await freePort();
    const otherPort = await freePort();
    const webhook = (p: number) => ({
      BOT_MODE: "webhook",
      PUBLIC_URL: `http://127.0.0.1:${p}`,
      TELEGRAM_WEBHOOK_SECRET: "crash-test-secret",
    });
    const first = startServiceAgainst(url, port, webhook(port));
    await first.waitForLine((l) => l.msg === "webhook registered", 30_000);
    const bea = sb.customer(4102, { first_name: "Bea", language_code: "en" });
    const purchaseId = await customerWithInvoice(bea);

    const lock = await holdPurchase(purchaseId);
    const paid = await bea.pay();
    expect(paid.status).toBe("paid");
    await paymentUpdateInHand();
    await new Promise((r) => setTimeout(r, 500));
    first.kill("SIGKILL");
    await first.exited;
    await lock.release();

    // Another replica (its own port) takes over the webhook; its inbox sweep finds the update.
    const other = startServiceAgainst(url, otherPort, webhook(otherPort));
    await other.waitForLine((l) => l.msg === "service started", 30_000);
    await expectCreditedOnce(bea, paid.successful_payment?.telegram_payment_charge_id ?? "");
    const info = await sb.json<{ result: { pending_update_count: number } }>(
      "GET",
      "/bot1000000:sandbox/getWebhookInfo",
    );
    expect(info.result.pending_update_count).toBe(0);
  });
});
