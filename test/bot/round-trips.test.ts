import { describe, expect, it } from "vitest";
import type { LabelUsage } from "../../src/db/pool.js";
import { startStory } from "../stories/support.js";
import { until } from "./support/testbed.js";

// No background inbox work during a measurement: only the update's own checkouts count.
const story = await startStory({
  options: {
    inbox: {
      leaseMs: 60_000,
      heartbeatMs: 3_600_000,
      sweepMs: 3_600_000,
      sweepBatch: 50,
      maxAttempts: 5,
      retentionMs: 48 * 3_600_000,
      pruneEveryMs: 3_600_000,
    },
  },
});

interface Cost {
  checkouts: number;
  statements: number;
  labels: Record<string, LabelUsage>;
}

/** The pool's own counts for what `action` caused, up to the update being marked done. */
async function cost(action: () => Promise<unknown>): Promise<Cost> {
  const before = story.db.usage();
  await action();
  await until(
    async () =>
      (await story.sql("SELECT 1 FROM update_inbox WHERE status = 'processing'")).length === 0,
    5_000,
    "the update marked done",
  );
  const after = story.db.usage();
  const labels: Record<string, LabelUsage> = {};
  let checkouts = 0;
  let statements = 0;
  for (const [label, u] of after) {
    // The test's own reads.
    if (label === "story") continue;
    const b = before.get(label) ?? { checkouts: 0, statements: 0 };
    const d = { checkouts: u.checkouts - b.checkouts, statements: u.statements - b.statements };
    if (d.checkouts === 0 && d.statements === 0) continue;
    labels[label] = d;
    checkouts += d.checkouts;
    statements += d.statements;
  }
  return { checkouts, statements, labels };
}

const PER_UPDATE_READS = [
  "user_language",
  "user_reachable",
  "bot.conversation_prompt",
  "bot.conversation_session",
  "bot.conversation_clear",
];

describe("database round trips per update", () => {
  it("a returning customer's /start, /profile and menu buttons cost a bounded number of checkouts and statements", async () => {
    const ann = await story.onboard(7301);

    const start = await cost(async () => {
      await ann.send("/start");
      await ann.waitForMessage();
    });
    const profile = await cost(async () => {
      await ann.send("/profile");
      await ann.waitForMessage();
    });
    const menu = await cost(async () => {
      await ann.press("menu");
      await ann.waitForMessage((m) => m.edited);
    });
    const profileButton = await cost(async () => {
      await ann.press("f:profile");
      await ann.waitForMessage((m) => m.edited);
    });

    // The claim reads the sender's language, reachability and conversation: none of them costs
    // a statement of its own, and nothing unchanged is written.
    for (const c of [start, profile, menu, profileButton]) {
      for (const label of PER_UPDATE_READS) expect(c.labels[label]).toBeUndefined();
      expect(c.labels["bot.inbox_store"]).toEqual({ checkouts: 1, statements: 1 });
      expect(c.labels["bot.inbox_finish"]).toEqual({ checkouts: 1, statements: 1 });
    }
    // Before: /start 7 checkouts (9 statements), /profile 7 (7), a menu button 5 (5), the
    // profile button 7 (7); then /start 5 (7), /profile 4 (4), the profile button 4 (4), with
    // the trial check read twice on /start and balance and subscription apart on the profile.
    // What is left is the inbox's claim and finish and one checkout for the screen's own reads.
    expect({ checkouts: start.checkouts, statements: start.statements }).toEqual({
      checkouts: 3,
      statements: 6,
    });
    expect(start.labels.user_start).toEqual({ checkouts: 1, statements: 4 });
    expect(start.labels.trial_eligibility).toBeUndefined();
    expect({ checkouts: profile.checkouts, statements: profile.statements }).toEqual({
      checkouts: 3,
      statements: 3,
    });
    expect(profile.labels.profile_read).toEqual({ checkouts: 1, statements: 1 });
    expect({ checkouts: menu.checkouts, statements: menu.statements }).toEqual({
      checkouts: 3,
      statements: 3,
    });
    expect({ checkouts: profileButton.checkouts, statements: profileButton.statements }).toEqual({
      checkouts: 3,
      statements: 3,
    });
  });

  it("writes the reachable mark only when it changes the customer's row", async () => {
    const bea = await story.onboard(7302);
    await story.sql("UPDATE users SET reachable = false WHERE telegram_id = $1", [7302]);
    const back = await cost(async () => {
      await bea.send("/profile");
      await bea.waitForMessage();
    });
    expect(back.labels.user_reachable).toEqual({ checkouts: 1, statements: 1 });
    const [row] = await story.sql<{ reachable: boolean }>(
      "SELECT reachable FROM users WHERE telegram_id = $1",
      [7302],
    );
    expect(row?.reachable).toBe(true);

    const again = await cost(async () => {
      await bea.send("/profile");
      await bea.waitForMessage();
    });
    expect(again.labels.user_reachable).toBeUndefined();
  });

  it("an open question costs one write to close, and none once it is closed", async () => {
    const cai = await story.onboard(7303);
    await cai.send("/profile");
    await cai.waitForMessage();
    await cai.press("f:topup");
    await cai.waitForMessage((m) => m.edited);
    await cai.press("t:custom");
    await cai.waitForMessage((m) => m.edited);
    const closing = await cost(async () => {
      await cai.send("/profile");
      await cai.waitForMessage();
    });
    expect(closing.labels["bot.conversation_clear"]).toEqual({ checkouts: 1, statements: 1 });
    const closed = await cost(async () => {
      await cai.send("/profile");
      await cai.waitForMessage();
    });
    expect(closed.labels["bot.conversation_clear"]).toBeUndefined();
  });

  it("an answer sent right behind the button that asked for it is understood", async () => {
    const dan = await story.onboard(7304);
    await dan.send("/profile");
    await dan.waitForMessage();
    await dan.press("f:topup");
    await dan.waitForMessage((m) => m.edited);
    // Both updates are in hand at once: the second must not use a state read before the
    // first opened the question.
    await dan.press("t:custom");
    await dan.send("500");
    const answer = await dan.waitForMessage((m) => !m.edited && m.text !== null);
    expect(answer.text).not.toContain(story.t("en", "unhandled.text"));
  });
});
