import type { Update } from "grammy/types";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_INBOX_OPTIONS, type SenderState, UpdateInbox } from "../../src/bot/inbox.js";
import type { Db } from "../../src/db/pool.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { type Fakes, fakeServices } from "./support/fakes.js";
import { roleOf, testRuntime, until } from "./support/testbed.js";

let db: Db;

beforeAll(async () => {
  db = await testDb();
});

const message = (updateId: number, text: string): Update =>
  ({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_764_300_000,
      chat: { id: 42, type: "private", first_name: "Ann" },
      from: { id: 42, is_bot: false, first_name: "Ann" },
      text,
    },
  }) as Update;

function inbox(owner: string, options: Partial<typeof DEFAULT_INBOX_OPTIONS> = {}) {
  const gaveUp: Array<[number, number]> = [];
  const box = new UpdateInbox({
    db,
    logger: silentLogger(),
    metrics: createMetrics(),
    options: { ...DEFAULT_INBOX_OPTIONS, ...options },
    owner,
    onGaveUp: (update, attempts) => gaveUp.push([update.update_id, attempts]),
  });
  return { box, gaveUp };
}

const row = async (updateId: number) =>
  (
    await db.query<{ status: string; attempts: number; claimed_by: string }>(
      "test",
      "SELECT status, attempts, claimed_by FROM update_inbox WHERE update_id = $1",
      [updateId],
    )
  ).rows[0];

/** Makes a claim look abandoned: its holder stopped renewing it long ago. */
const lapse = (updateId: number) =>
  db.query(
    "test",
    "UPDATE update_inbox SET claimed_at = now() - interval '1 hour' WHERE update_id = $1",
    [updateId],
  );

describe("the update inbox", () => {
  it("stores a batch once: a redelivery of an update in hand or done is not run again", async () => {
    const { box } = inbox("replica-a");
    const batch = [message(1001, "one"), message(1002, "two")];
    expect((await box.store(batch)).map((u) => u.update_id)).toEqual([1001, 1002]);
    expect(await row(1001)).toMatchObject({ status: "processing", claimed_by: "replica-a" });

    // Being handled (lease fresh): another replica's redelivery is acknowledged, not claimed.
    const other = inbox("replica-b").box;
    expect(await other.store(batch)).toEqual([]);

    await box.handle(batch[0] as Update, async () => {});
    expect(await row(1001)).toMatchObject({ status: "done", attempts: 1 });
    expect(await other.store([batch[0] as Update])).toEqual([]);
  });

  it("an id reused for a different update is a new update", async () => {
    const { box } = inbox("replica-a");
    await box.store([message(1010, "first")]);
    await box.handle(message(1010, "first"), async () => {});
    const reused = await box.store([message(1010, "another text")]);
    expect(reused.map((u) => u.update_id)).toEqual([1010]);
    expect(await row(1010)).toMatchObject({ status: "processing", attempts: 1 });
  });

  it("stores text the jsonb type cannot hold (a NUL character)", async () => {
    const { box } = inbox("replica-a");
    const stored = await box.store([message(1020, "a\u0000b \\u0000 literal")]);
    expect(stored).toHaveLength(1);
    const { rows } = await db.query<{ text: string }>(
      "test",
      "SELECT payload->'message'->>'text' AS text FROM update_inbox WHERE update_id = 1020",
    );
    expect(rows[0]?.text).toBe("ab \\u0000 literal");
  });

  it("a claim whose holder died is run again by another replica's sweep, and the claim moves", async () => {
    await inbox("dead-replica").box.store([message(1030, "/profile")]);
    const { box } = inbox("replica-b");
    const ran: number[] = [];
    box.start(async (u) => {
      ran.push(u.update_id);
    });
    try {
      await box.sweep();
      expect(ran).toEqual([]); // lease still fresh
      await lapse(1030);
      await box.sweep();
      await until(async () => (await row(1030))?.status === "done" || undefined);
      expect(ran).toEqual([1030]);
      expect(await row(1030)).toMatchObject({ claimed_by: "replica-b", attempts: 2 });
    } finally {
      await box.stop();
    }
  });

  it("a redelivery after the holder died takes the claim at once", async () => {
    await inbox("dead-replica").box.store([message(1040, "/key")]);
    await lapse(1040);
    const stored = await inbox("replica-b").box.store([message(1040, "/key")]);
    expect(stored.map((u) => u.update_id)).toEqual([1040]);
    expect(await row(1040)).toMatchObject({ claimed_by: "replica-b", attempts: 2 });
  });

  it("renews the claims of updates it is handling, so a slow handler is not run twice", async () => {
    const { box } = inbox("replica-a", { leaseMs: 2_000, heartbeatMs: 200, sweepMs: 100 });
    const other = inbox("replica-b", { leaseMs: 2_000, heartbeatMs: 200, sweepMs: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const otherRuns: number[] = [];
    box.start(async () => {});
    other.box.start(async (u) => {
      // Only this test's update (earlier tests leave unfinished claims of their own).
      if (u.update_id === 1050) otherRuns.push(u.update_id);
    });
    try {
      const [update] = await box.store([message(1050, "slow")]);
      const handled = box.handle(update as Update, () => gate);
      await new Promise((r) => setTimeout(r, 4_500)); // more than two leases
      expect(otherRuns).toEqual([]);
      expect(await row(1050)).toMatchObject({ status: "processing", claimed_by: "replica-a" });
      release();
      await handled;
      expect(await row(1050)).toMatchObject({ status: "done", attempts: 1 });
    } finally {
      await box.stop();
      await other.box.stop();
    }
  });

  it("gives up an update that never finishes and reports it", async () => {
    const { box, gaveUp } = inbox("replica-b", { maxAttempts: 2 });
    const ran: number[] = [];
    box.start(async (u) => {
      ran.push(u.update_id);
    });
    try {
      await inbox("dead-1").box.store([message(1060, "poison")]);
      await db.query("test", "UPDATE update_inbox SET attempts = 2 WHERE update_id = 1060");
      await lapse(1060);
      await box.sweep();
      expect(ran).toEqual([]);
      expect(gaveUp).toEqual([[1060, 2]]);
      expect(await row(1060)).toMatchObject({ status: "failed" });
    } finally {
      await box.stop();
    }
  });
});

const from = (sender: number, updateId: number, text: string): Update =>
  ({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_764_300_000,
      chat: { id: sender, type: "private", first_name: "Ann" },
      from: { id: sender, is_bot: false, first_name: "Ann" },
      text,
    },
  }) as Update;

describe("the sender state read with the claim", () => {
  it("comes with the first update of a sender, never with one behind another in hand", async () => {
    await db.query(
      "test",
      `INSERT INTO conversation_state (user_id, prompt, prompt_until, promo_code, promo_until)
       VALUES (4201, '{"kind":"topup_amount"}', now() + interval '1 hour', 'SPRING',
               now() + interval '1 hour')`,
    );
    const { box } = inbox("replica-a");
    const seen = new Map<number, SenderState | undefined>();
    const run = async (u: Update, state?: SenderState) => {
      seen.set(u.update_id, state);
    };
    // Two of one sender in a batch: the second may depend on what the first changes.
    const batch = [from(4201, 2001, "/topup"), from(4201, 2002, "500"), from(4202, 2003, "hi")];
    expect((await box.store(batch)).map((u) => u.update_id)).toEqual([2001, 2002, 2003]);
    // Stored while the sender's earlier updates are still in hand.
    expect(await box.store([from(4202, 2004, "again")])).toHaveLength(1);
    for (const u of [...batch, from(4202, 2004, "again")]) await box.handle(u, run);

    // A question stored by an earlier version (its own kind) comes as the feature's that asks it now.
    expect(seen.get(2001)).toMatchObject({
      prompt: { kind: "feature", feature: "wallet", step: "topup_amount", data: {} },
      promoCode: "SPRING",
    });
    // This inbox was not told customers are rows of `users`: only the conversation is read.
    expect(seen.get(2001)?.customer).toBeUndefined();
    expect(seen.get(2002)).toBeUndefined();
    expect(seen.get(2003)).toMatchObject({ prompt: null, promoCode: null });
    expect(seen.get(2004)).toBeUndefined();

    // Nothing of the sender in hand any more: the next one brings the state again.
    expect(await box.store([from(4202, 2005, "later")])).toHaveLength(1);
    await box.handle(from(4202, 2005, "later"), run);
    expect(seen.get(2005)).toMatchObject({ prompt: null });
  });

  it("reads the customer's row when customers live in this database", async () => {
    await db.query(
      "test",
      `INSERT INTO users (telegram_id, first_name, language_code, reachable, last_seen_at)
       VALUES (4301, 'Ann', 'en', true, now()), (4302, 'Bob', NULL, false, now())`,
    );
    const box = new UpdateInbox({
      db,
      logger: silentLogger(),
      metrics: createMetrics(),
      options: DEFAULT_INBOX_OPTIONS,
      owner: "replica-a",
      readsCustomers: true,
      onGaveUp: () => {},
    });
    const seen = new Map<number, SenderState | undefined>();
    const batch = [
      from(4301, 2101, "/profile"),
      from(4302, 2102, "/profile"),
      from(4303, 2103, "/start"),
    ];
    await box.store(batch);
    for (const u of batch) {
      await box.handle(u, async (update, state) => {
        seen.set(update.update_id, state);
      });
    }
    expect(seen.get(2101)?.customer).toEqual({ known: true, language: "en", reachableDue: false });
    expect(seen.get(2102)?.customer).toEqual({ known: true, language: null, reachableDue: true });
    expect(seen.get(2103)?.customer).toEqual({ known: false, language: null, reachableDue: false });
  });

  it("marks updates that finish together done with one statement", async () => {
    const { box } = inbox("replica-a");
    const batch = Array.from({ length: 20 }, (_, i) => from(4400 + i, 2200 + i, "/help"));
    await box.store(batch);
    const before = db.usage().get("bot.inbox_finish")?.statements ?? 0;
    await Promise.all(batch.map((u) => box.handle(u, async () => {})));
    const statements = (db.usage().get("bot.inbox_finish")?.statements ?? 0) - before;
    expect(statements).toBeGreaterThanOrEqual(1);
    expect(statements).toBeLessThan(batch.length);
    for (const u of batch) expect(await row(u.update_id)).toMatchObject({ status: "done" });
  });
});

describe("polling with the inbox", () => {
  let sandbox: Sandbox;
  let sb: SandboxClient;
  let fakes: Fakes;

  beforeAll(async () => {
    sandbox = await testSandbox();
    sb = sandboxClient(sandbox.url);
    fakes = fakeServices();
  });

  it("does not acknowledge updates it cannot store; they are fetched again and answered once", async () => {
    const { runtime } = testRuntime({ sandbox, db, services: fakes.services });
    await runtime.start();
    await until(() => roleOf(runtime) === "leader");
    const zoe = sb.customer(7001, { language_code: "en" });
    await zoe.send("/help");
    await zoe.waitForMessage();

    await db.query("test", "ALTER TABLE update_inbox RENAME TO update_inbox_away");
    try {
      await sb.clearCalls();
      await zoe.send("/help");
      // The leader fetches the update, cannot store it, and fetches it again with the same offset.
      const offsets = await until(async () => {
        const calls = await sb.calls("telegram", "getUpdates");
        const seen = calls.map((c) => (c.request as { offset?: number }).offset);
        return seen.length >= 3 && new Set(seen).size === 1 ? seen : undefined;
      }, 5_000);
      expect(offsets.length).toBeGreaterThanOrEqual(3);
      expect((await zoe.chat()).filter((m) => !m.deleted)).toHaveLength(1);
    } finally {
      await db.query("test", "ALTER TABLE update_inbox_away RENAME TO update_inbox");
    }
    await zoe.waitForMessage();
    await new Promise((r) => setTimeout(r, 300));
    expect((await zoe.chat()).filter((m) => !m.deleted)).toHaveLength(2);
    await runtime.stop();
  });
});
