import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { SandboxStateFile } from "../../src/sandbox/state-file.js";
import { sandboxClient } from "../support/driver.js";
import { callBot, http } from "../support/sandbox-http.js";

/** The state file format this build writes and reads. */
const STATE_FILE_VERSION = 1;

const dir = await mkdtemp(path.join(tmpdir(), "sandbox-state-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const until = async (check: () => Promise<boolean>, timeoutMs = 5_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("the state file", () => {
  it("debounces a burst of changes into one write, atomically, and skips unchanged state", async () => {
    const file = path.join(dir, "burst", "state.json");
    let snapshots = 0;
    let counter = 0;
    const state = new SandboxStateFile({
      path: file,
      logger: silentLogger(),
      debounceMs: 50,
      maxDelayMs: 10_000,
      snapshot: () => {
        snapshots++;
        return { counter };
      },
    });
    for (let i = 0; i < 20; i++) {
      counter = i;
      state.changed();
    }
    await until(async () => snapshots > 0);
    await new Promise((r) => setTimeout(r, 150));
    expect(snapshots).toBe(1);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved).toEqual({
      version: STATE_FILE_VERSION,
      saved_at: expect.any(String),
      state: { counter: 19 },
    });
    // Only the file itself: the temporary file was renamed over it.
    expect(await readdir(path.dirname(file))).toEqual(["state.json"]);

    // Nothing changed: the file is not rewritten (its saved_at stays).
    await state.flush();
    expect(JSON.parse(await readFile(file, "utf8")).saved_at).toBe(saved.saved_at);
    counter = 20;
    await state.close();
    expect(JSON.parse(await readFile(file, "utf8")).state).toEqual({ counter: 20 });

    const again = new SandboxStateFile({
      path: file,
      logger: silentLogger(),
      snapshot: () => ({}),
    });
    expect(again.load()).toEqual({ counter: 20 });
  });

  it("a continuous stream of changes is still written within the longest delay", async () => {
    const file = path.join(dir, "stream.json");
    let writes = 0;
    const state = new SandboxStateFile({
      path: file,
      logger: silentLogger(),
      debounceMs: 100,
      maxDelayMs: 300,
      snapshot: () => ({ writes: ++writes }),
    });
    const started = Date.now();
    while (Date.now() - started < 600) {
      state.changed();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(writes).toBeGreaterThanOrEqual(1);
    await state.close();
  });

  it("a missing, corrupt or other-version file starts empty", async () => {
    const load = (file: string) =>
      new SandboxStateFile({ path: file, logger: silentLogger(), snapshot: () => ({}) }).load();
    expect(load(path.join(dir, "none.json"))).toBeUndefined();
    const corrupt = path.join(dir, "corrupt.json");
    await writeFile(corrupt, '{"version":1,"state":{"tele');
    expect(load(corrupt)).toBeUndefined();
    const other = path.join(dir, "other.json");
    await writeFile(other, JSON.stringify({ version: STATE_FILE_VERSION + 1, state: { a: 1 } }));
    expect(load(other)).toBeUndefined();
  });
});

describe("stand-ins restarted with their state file", () => {
  it("continue chats, update ids, invoice ids, VPN and panel users where they were", async () => {
    const stateFile = path.join(dir, "sandbox", "sandbox-state.json");
    const start = () => startSandbox({ port: 0, logger: silentLogger(), stateFile });
    let sandbox: Sandbox = await start();
    const sb = sandboxClient(sandbox.url);
    const ann = sb.customer(4101, { first_name: "Ann", language_code: "en" });

    // Telegram: a chat, an update confirmed, one still pending, a photo.
    const first = await ann.send("/start");
    await callBot(sandbox, "getUpdates", { offset: first.update_id + 1 });
    const pending = await ann.send("still queued");
    const sent = await callBot(sandbox, "sendMessage", { chat_id: 4101, text: "Welcome" });
    expect(sent.body.ok).toBe(true);
    // Crypto Pay: two invoices.
    const crypto = (s: Sandbox, method: string, params: Record<string, unknown>) =>
      http(`${s.cryptopayApiUrl}${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", "crypto-pay-api-token": s.cryptopayToken },
        body: JSON.stringify(params),
      });
    const invoice = { currency_type: "fiat", fiat: "RUB", amount: "149.00", expires_in: 900 };
    await crypto(sandbox, "createInvoice", invoice);
    const second = (await crypto(sandbox, "createInvoice", invoice)).body.result;
    // VPN API: a user.
    const uuid = randomUUID();
    const added = await http(`${sandbox.vpnApiUrl}/add-user`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": sandbox.vpnApiKey },
      body: JSON.stringify({
        uuid,
        telegram_id: 4101,
        expiry_timestamp_ms: Date.now() + 86_400_000,
      }),
    });
    expect(added.status).toBe(200);
    // Marzban: logged in, a user. Remnawave: a user.
    const token = (
      await http(`${sandbox.marzban.url}/api/admin/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          username: sandbox.marzban.username,
          password: sandbox.marzban.password,
        }).toString(),
      })
    ).body.access_token as string;
    const marzbanUser = await http(`${sandbox.marzban.url}/api/user`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ username: "vpn_4101", proxies: { vless: {} } }),
    });
    expect(marzbanUser.status).toBe(200);
    const remnawave = sandbox.remnawave;
    if (remnawave) {
      const created = await http(`${remnawave.url}/api/users`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${remnawave.token}` },
        body: JSON.stringify({
          username: "vpn_4101",
          expireAt: new Date(Date.now() + 86_400_000).toISOString(),
        }),
      });
      expect(created.status).toBe(201);
    }
    // 3x-ui: a client.
    const xuiAdded = await http(`${sandbox.xui.url}/panel/api/clients/add`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${sandbox.xui.token}`,
      },
      body: JSON.stringify({ client: { email: "vb_4101", enable: true }, inboundIds: [1] }),
    });
    expect(xuiAdded.status).toBe(200);
    await sandbox.close();

    sandbox = await start();
    try {
      // The chat is known: the bot can write to it, message ids continue.
      const notice = await callBot(sandbox, "sendMessage", { chat_id: 4101, text: "Cashback" });
      expect(notice.body.ok).toBe(true);
      expect(notice.body.result.message_id).toBeGreaterThan(sent.body.result.message_id);
      const chat = await sandboxClient(sandbox.url).customer(4101).chat();
      expect(chat.map((m) => m.text)).toEqual(["Welcome", "Cashback"]);
      // The unconfirmed update is still there; a new one continues the id sequence.
      const next = await sandboxClient(sandbox.url).customer(4101).send("after the restart");
      expect(next.update_id).toBe(pending.update_id + 1);
      const updates = await callBot(sandbox, "getUpdates", {});
      expect(updates.body.result.map((u: { update_id: number }) => u.update_id)).toEqual([
        pending.update_id,
        next.update_id,
      ]);
      // Invoice ids continue; the old invoices are still found.
      const third = (await crypto(sandbox, "createInvoice", invoice)).body.result;
      expect(third.invoice_id).toBe(second.invoice_id + 1);
      const found = await crypto(sandbox, "getInvoices", {
        invoice_ids: String(second.invoice_id),
      });
      expect(found.body.result.items).toHaveLength(1);
      // VPN and panel users are still there; the Marzban token still works.
      expect((await sandboxClient(sandbox.url).vpnUsers()).map((u) => u.uuid)).toEqual([uuid]);
      const marzban = await http(`${sandbox.marzban.url}/api/user/vpn_4101`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(marzban.status).toBe(200);
      if (sandbox.remnawave) {
        expect(sandbox.remnawave.standIn.list().map((u) => u.username)).toEqual(["vpn_4101"]);
      }
      expect(sandbox.xui.standIn.list().map((c) => c.email)).toEqual(["vb_4101"]);
    } finally {
      await sandbox.close();
    }
  });
});
