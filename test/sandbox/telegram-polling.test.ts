import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { callBot, type Loose } from "../support/sandbox-http.js";

let sandbox: Sandbox;
let sb: SandboxClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logger: silentLogger() });
  sb = sandboxClient(sandbox.url);
});
afterAll(() => sandbox.close());

/** Confirms everything pending so each test starts from an empty queue. */
async function drain(): Promise<void> {
  const { body } = await callBot(sandbox, "getUpdates", { offset: -1 });
  const last = body.result.at(-1);
  if (last) await callBot(sandbox, "getUpdates", { offset: last.update_id + 1 });
}

describe("getUpdates long polling", () => {
  it("returns queued updates and forgets them once a higher offset confirms them", async () => {
    await drain();
    await sb.customer(101).send("/start ref_123");
    await sb.customer(101).send("hello");

    const first = await callBot(sandbox, "getUpdates", {});
    expect(first.status).toBe(200);
    expect(first.body.ok).toBe(true);
    expect(first.body.result).toHaveLength(2);
    const [start, hello] = first.body.result;
    expect(start.message.text).toBe("/start ref_123");
    expect(start.message.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    expect(start.message.chat).toMatchObject({ id: 101, type: "private" });
    expect(start.message.from).toMatchObject({ id: 101, is_bot: false });
    expect(hello.message.entities).toBeUndefined();

    // Without an offset nothing is confirmed: the same updates again.
    const again = await callBot(sandbox, "getUpdates", { limit: 1 });
    expect(again.body.result.map((u: Loose) => u.update_id)).toEqual([start.update_id]);

    const confirmed = await callBot(sandbox, "getUpdates", { offset: hello.update_id + 1 });
    expect(confirmed.body.result).toEqual([]);
  });

  it("waits for the timeout and then answers an empty list", async () => {
    await drain();
    const started = Date.now();
    const res = await callBot(sandbox, "getUpdates", { timeout: 1 });
    const took = Date.now() - started;
    expect(res.body).toEqual({ ok: true, result: [] });
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(2000);
  });

  it("answers a pending poll as soon as a message arrives", async () => {
    await drain();
    const started = Date.now();
    const poll = callBot(sandbox, "getUpdates", { timeout: 10 });
    await new Promise((r) => setTimeout(r, 100));
    await sb.customer(102).send("ping");
    const res = await poll;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.body.result).toHaveLength(1);
    expect(res.body.result[0].message.text).toBe("ping");
  });

  it("ends the older of two concurrent polls with 409 Conflict", async () => {
    await drain();
    const older = callBot(sandbox, "getUpdates", { timeout: 5 });
    await new Promise((r) => setTimeout(r, 100));
    const newer = callBot(sandbox, "getUpdates", { timeout: 5 });
    const olderResult = await older;
    expect(olderResult.status).toBe(409);
    expect(olderResult.body).toEqual({
      ok: false,
      error_code: 409,
      description:
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    await sb.customer(103).send("still works");
    const newerResult = await newer;
    expect(newerResult.status).toBe(200);
    expect(newerResult.body.result[0].message.text).toBe("still works");
  });

  it("refuses getUpdates with 409 while a webhook is set", async () => {
    await drain();
    expect((await callBot(sandbox, "setWebhook", { url: "http://127.0.0.1:9/hook" })).body).toEqual(
      {
        ok: true,
        result: true,
      },
    );
    const res = await callBot(sandbox, "getUpdates", {});
    expect(res.status).toBe(409);
    expect(res.body.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    expect((await callBot(sandbox, "deleteWebhook", {})).body.result).toBe(true);
    expect((await callBot(sandbox, "getUpdates", {})).status).toBe(200);
  });

  it("honours limit and accepts urlencoded bodies and query strings", async () => {
    await drain();
    for (const text of ["a", "b", "c"]) await sb.customer(104).send(text);
    const viaQuery = await fetch(`${sandbox.url}/bot${sandbox.botToken}/getUpdates?limit=2`);
    const body = (await viaQuery.json()) as Loose;
    expect(body.result.map((u: Loose) => u.message.text)).toEqual(["a", "b"]);
    const viaForm = await fetch(`${sandbox.url}/bot${sandbox.botToken}/getUpdates`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `offset=${body.result[1].update_id + 1}`,
    });
    const rest = (await viaForm.json()) as Loose;
    expect(rest.result.map((u: Loose) => u.message.text)).toEqual(["c"]);
  });
});
