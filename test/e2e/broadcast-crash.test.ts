import { afterEach, describe, expect, it } from "vitest";
import { WORKER_NAMES } from "../../src/config.js";
import { startBroadcast } from "../support/broadcasts.js";
import { testDatabaseUrl, testDb } from "../support/db.js";
import { sandboxClient } from "../support/driver.js";
import { freePort } from "../support/postgres.js";
import { childEnv, type ServiceProcess, spawnService } from "../support/service-process.js";

/**
 * kill -9 in the middle of a broadcast, then a restart: the stand-ins run as their own process,
 * so the chats outlive the service. The restarted sender resumes where the first stopped,
 * nobody gets the message twice, and sent + failed + blocked + unknown = recipients in the
 * summary the admin gets.
 */
const db = await testDb();
const running: ServiceProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill("SIGKILL");
});

const ADMIN = 880_000;
const COUNT = 300;
const FIRST = 880_001;
const TEXT = "Crash-proof <b>news</b>";

function startService(sandboxUrl: string, port: number) {
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
      ADMIN_IDS: String(ADMIN),
      ...disabled,
      WORKER_BROADCAST_ENABLED: "true",
      WORKER_BROADCAST_INTERVAL_MS: "1000",
      WORKER_BROADCAST_OFFSET_MS: "0",
    }),
  });
  running.push(proc);
  return proc;
}

async function statusCounts(broadcastId: number): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    "test",
    "SELECT status, count(*)::int AS n FROM broadcast_recipients WHERE broadcast_id = $1 GROUP BY status",
    [broadcastId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Confirms every update queued so far (getUpdates with the offset past the newest one). */
async function consumePendingUpdates(url: string): Promise<void> {
  const call = async (offset: number) => {
    const res = await fetch(`${url}/bot1000000:sandbox/getUpdates`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offset, timeout: 0, limit: 100 }),
    });
    return ((await res.json()) as { result: Array<{ update_id: number }> }).result;
  };
  const last = (await call(-1)).at(-1);
  if (last) await call(last.update_id + 1);
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a broadcast survives kill -9", () => {
  it("resumes after the restart: nobody gets it twice, the counts add up", {
    timeout: 90_000,
  }, async () => {
    const port = await freePort();
    const sandboxPort = await freePort();
    const sandbox = spawnService({
      entry: "src/sandbox/main.ts",
      env: childEnv({ SANDBOX_PORT: String(sandboxPort) }),
    });
    running.push(sandbox);
    await sandbox.waitForLine((l) => l.msg === "sandbox process ready", 30_000);
    const url = `http://127.0.0.1:${sandboxPort}`;
    const sb = sandboxClient(url);

    // The chats exist (each customer wrote once, and those updates were consumed before the
    // service ran) and the customers are registered, as /start registers them.
    const ids = [ADMIN, ...Array.from({ length: COUNT }, (_, i) => FIRST + i)];
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => sb.customer(id).send("hi")));
    }
    await consumePendingUpdates(url);
    await db.query(
      "test",
      `INSERT INTO users (telegram_id, first_name, language_code)
       SELECT unnest($1::bigint[]), 'C', 'en'`,
      [ids],
    );
    const first = startService(url, port);
    await first.waitForLine((l) => l.msg === "service started", 30_000);
    const { broadcastId, recipients } = await startBroadcast(db, {
      adminId: ADMIN,
      segment: "all",
      textA: TEXT,
    });
    expect(recipients).toBeGreaterThanOrEqual(COUNT);

    // Killed mid-broadcast.
    await waitFor(
      async () => ((await statusCounts(broadcastId)).sent ?? 0) >= 60 || undefined,
      30_000,
      "a fifth sent",
    );
    first.kill("SIGKILL");
    await first.exited;
    const atCrash = await statusCounts(broadcastId);
    expect(atCrash.pending ?? 0).toBeGreaterThan(0);
    // Time compressed: a claim the dead process left ('sending') is older than any send by the
    // time the sweep looks (five minutes), and its sender lease lapses (about a minute) — both
    // aged here instead of waited for.
    await db.query(
      "test",
      "UPDATE broadcast_recipients SET claimed_at = now() - interval '6 minutes' WHERE broadcast_id = $1 AND status = 'sending'",
      [broadcastId],
    );
    await db.query(
      "test",
      "UPDATE worker_leases SET lease_until = now() - interval '1 second' WHERE name = 'broadcast'",
    );

    const second = startService(url, port);
    await second.waitForLine((l) => l.msg === "service started", 30_000);
    const summary = await sb
      .customer(ADMIN)
      .waitForMessage(
        (m) => m.text?.includes(`Broadcast #${broadcastId} finished`) ?? false,
        30_000,
      );

    const counts = await statusCounts(broadcastId);
    const sent = counts.sent ?? 0;
    const failed = counts.failed ?? 0;
    const blocked = counts.blocked ?? 0;
    const unknown = counts.unknown ?? 0;
    expect(sent + failed + blocked + unknown).toBe(recipients);
    expect(unknown).toBe(atCrash.sending ?? 0);
    expect(summary.text).toContain(
      `${recipients} recipients — ${sent} sent, ${failed} failed, ${blocked} blocked, ${unknown} unknown.`,
    );
    // Nobody twice: per chat at most one delivered copy, and one for every 'sent' row.
    const delivered = new Map<number, number>();
    for (const c of await sb.calls("telegram", "sendMessage")) {
      const request = c.request as { chat_id: number | string; text: string };
      if (c.status !== 200 || request.text !== TEXT) continue;
      const id = Number(request.chat_id);
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
    }
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    expect(delivered.size).toBeGreaterThanOrEqual(sent);
    expect(delivered.size).toBeLessThanOrEqual(sent + unknown);
  });
});
