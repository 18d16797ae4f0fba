import { afterAll, describe, expect, it } from "vitest";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { buttonsOf, sandboxClient, toPaymentMethods } from "../support/driver.js";
import { freePort } from "../support/postgres.js";
import { childEnv, spawnService } from "../support/service-process.js";

/**
 * The whole service as `npm start` runs it without BOT_TOKEN: sandbox mode, the composition
 * root's own wiring (bot services, the Crypto Pay webhook route, the processor) — nothing
 * assembled by the test.
 */
const db = await testDb();
const CUSTOMER = 880_001;

const sandboxPort = await freePort();
const proc = spawnService({
  env: childEnv({
    DATABASE_URL: testDatabaseUrl(),
    PORT: String(await freePort()),
    SANDBOX_PORT: String(sandboxPort),
  }),
});
afterAll(async () => {
  proc.kill("SIGTERM");
  await proc.exited;
});

describe("sandbox mode, end to end through the composed service", () => {
  it("answers /start, sells a plan for crypto through its own webhook route and sends the key", async () => {
    await proc.waitForLine((l) => l.msg === "service started", 60_000);
    const sb = sandboxClient(`http://127.0.0.1:${sandboxPort}`);
    const ann = sb.customer(CUSTOMER, { first_name: "Ann", language_code: "en" });

    await ann.send("/start");
    const welcome = await ann.waitForMessage();
    expect(welcome.reply_markup).toBeDefined();
    // The first contact asks for a language before anything else.
    await ann.press("lang:first:en");
    await ann.waitForMessage((m) => m.edited);

    const methods = await toPaymentMethods(ann, "basic", 30);
    const crypto = buttonsOf(methods).find((b) => b.callback_data?.includes(":cry:"));
    expect(crypto?.callback_data).toBeDefined();
    await ann.press(crypto?.callback_data ?? "");
    await ann.waitForMessage((m) => m.edited);

    const paid = await ann.payCrypto();
    expect(paid.webhook_url).toMatch(/\/webhooks\/cryptopay$/);
    expect(paid.deliveries.map((d) => d.status)).toEqual([200]);
    const key = await ann.waitForMessage(
      (m) => (m.text ?? m.caption ?? "").includes("vless://"),
      15_000,
    );

    const rows = await db.query<{
      status: string;
      vless_link: string;
      vpn_uuid: string;
      provider: string;
    }>(
      "read_back",
      `SELECT s.status, s.vless_link, s.vpn_uuid, p.provider
         FROM subscriptions s JOIN payments p ON p.user_id = s.user_id
        WHERE s.user_id = $1`,
      [CUSTOMER],
    );
    expect(rows.rows).toEqual([
      {
        status: "active",
        vless_link: expect.stringMatching(/^vless:\/\//),
        vpn_uuid: expect.any(String),
        provider: "cryptopay",
      },
    ]);
    const [row] = rows.rows;
    // Sent with parse_mode HTML, so the link's "&" arrive escaped.
    expect(key.text ?? key.caption).toContain(row?.vless_link.replaceAll("&", "&amp;"));
    const onServer = (await sb.vpnUsers()).filter((u) => u.uuid === row?.vpn_uuid);
    expect(onServer).toEqual([expect.objectContaining({ telegram_id: CUSTOMER })]);
  });

  it("writes every log line as JSON with each key once (a trial provisions through the bot's services)", async () => {
    const sb = sandboxClient(`http://127.0.0.1:${sandboxPort}`);
    const bob = sb.customer(CUSTOMER + 1, { first_name: "Bob", language_code: "en" });
    await bob.send("/start");
    const picker = await bob.waitForMessage();
    await bob.press("lang:first:en");
    await bob.waitForMessage((m) => m.message_id === picker.message_id && m.edited);
    await bob.press("f:trial");
    await bob.waitForMessage((m) => m.photo !== null, 15_000);
    const provisioned = await proc.waitForLine(
      (l) => l.msg === "key provisioned" && l.user_id === CUSTOMER + 1,
    );
    expect(provisioned.component).toBe("provisioning");
    expect(proc.strayStdout).toEqual([]);
  });
});
