import { access, chmod, mkdtemp, rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import {
  buttonsOf,
  type Customer,
  type SandboxClient,
  sandboxClient,
  toPaymentMethods,
} from "../support/driver.js";
import { freePort } from "../support/postgres.js";
import { childEnv, type ServiceProcess, spawnService } from "../support/service-process.js";

/**
 * `npm start` in sandbox mode with the embedded database, stopped and started again on the same
 * data directory: the stand-ins continue from their state file beside it, so the kept database
 * and the stand-ins still agree (crypto invoice ids, known chats, update ids, VPN users).
 */
const ANN = 880_101;
const BOB = 880_102;

const dir = await mkdtemp("/var/tmp/vpnbot-sandbox-restart-");
// As root the embedded server runs as the postgres user, which must reach the directory.
await chmod(dir, 0o755);
const sandboxPort = await freePort();
const env = childEnv({
  EMBEDDED_PG_DIR: `${dir}/pg`,
  EMBEDDED_PG_PORT: String(await freePort()),
  PORT: String(await freePort()),
  SANDBOX_PORT: String(sandboxPort),
});
let proc: ServiceProcess | undefined;
afterAll(async () => {
  proc?.kill("SIGTERM");
  await proc?.exited;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<SandboxClient> {
  proc = spawnService({ env });
  await proc.waitForLine((l) => l.msg === "service started", 90_000);
  return sandboxClient(`http://127.0.0.1:${sandboxPort}`);
}

async function stop(): Promise<void> {
  proc?.kill("SIGTERM");
  const exit = await proc?.exited;
  expect(exit).toMatchObject({ code: 0 });
  proc = undefined;
}

async function firstContact(customer: Customer, text: string): Promise<void> {
  await customer.send(text);
  const picker = await customer.waitForMessage();
  await customer.press("lang:first:en");
  await customer.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
}

/** Buys Basic for 30 days with crypto and pays it; returns the invoice id and the key message. */
async function buyWithCrypto(sb: SandboxClient, customer: Customer) {
  const methods = await toPaymentMethods(customer, "basic", 30);
  const crypto = buttonsOf(methods).find((b) => b.callback_data?.includes(":cry:"));
  await customer.press(crypto?.callback_data ?? "no crypto button");
  await customer.waitForMessage((m) => m.edited);
  const paid = await customer.payCrypto();
  expect(paid.deliveries.map((d) => d.status)).toEqual([200]);
  const key = await customer.waitForMessage(
    (m) => (m.text ?? m.caption ?? "").includes("vless://"),
    15_000,
  );
  const invoices = await sb.cryptoInvoices();
  return { invoiceId: Math.max(...invoices.map((i) => i.invoice_id)), key };
}

describe("sandbox mode restarted on its kept data directory", () => {
  it("continues checkouts, notices to known chats, new updates and the VPN keys", async () => {
    let sb = await start();
    const ann = sb.customer(ANN, { first_name: "Ann", language_code: "en" });
    await firstContact(ann, "/start");
    const first = await buyWithCrypto(sb, ann);
    const annKey = (await sb.vpnUsers()).find((u) => u.telegram_id === ANN);
    expect(annKey).toBeDefined();
    const bob = sb.customer(BOB, { first_name: "Bob", language_code: "en" });
    await firstContact(bob, `/start ref_${ANN}`);
    await stop();
    // The stand-ins' state lies beside the embedded database's data directory.
    await access(`${dir}/sandbox-state.json`);

    sb = await start();
    // The VPN stand-in still has Ann's key, before any reconcile could have re-created it.
    expect((await sb.vpnUsers()).map((u) => u.uuid)).toContain(annKey?.uuid);

    // New updates are handled (their ids continue past those the inbox has stored).
    const annAgain = sb.customer(ANN);
    await annAgain.send("/profile");
    const profile = await annAgain.waitForMessage((m) => (m.text ?? "").includes("Profile"));
    expect(profile.text).toContain(String(ANN));

    // A checkout creates a new crypto invoice (its id continues, no duplicate key), and the
    // referral notice reaches Ann, whose chat the stand-in knows from before the restart.
    const bobAgain = sb.customer(BOB);
    const second = await buyWithCrypto(sb, bobAgain);
    expect(second.invoiceId).toBe(first.invoiceId + 1);
    const cashback = await annAgain.waitForMessage(
      (m) => (m.text ?? "").includes("A friend you invited made a payment"),
      15_000,
    );
    expect(cashback.text).toContain("was credited to your balance");
    expect(
      proc?.lines.filter((l) => String(l.err ?? l.error ?? "").includes("chat not found")),
    ).toEqual([]);
    expect(proc?.lines.filter((l) => String(l.msg).includes("duplicate key"))).toEqual([]);
  }, 240_000);
});
