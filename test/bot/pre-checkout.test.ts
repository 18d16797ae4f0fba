import { Api, Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sequentialKey } from "../../src/bot/middlewares/sequential.js";
import type { BotRuntime } from "../../src/bot/runtime.js";
import { I18n, LOCALES } from "../../src/locales/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { testDb } from "../support/db.js";
import { type SandboxClient, sandboxClient } from "../support/driver.js";
import { testSandbox } from "../support/sandbox.js";
import { type Fakes, fakeServices, PLACEHOLDER } from "./support/fakes.js";
import { roleOf, testRuntime, until } from "./support/testbed.js";

const me = { id: 1, is_bot: true, first_name: "Bot", username: "bot" } as UserFromGetMe;
const ctxOf = (update: Update) => new Context(update, new Api("1:x"), me);
const user = { id: 42, is_bot: false, first_name: "A" };
const chat = { id: 42, type: "private" as const, first_name: "A" };

describe("sequentialize key", () => {
  it("queues messages and button presses per chat", () => {
    expect(
      sequentialKey(
        ctxOf({ update_id: 1, message: { message_id: 1, date: 0, chat, from: user, text: "x" } }),
      ),
    ).toBe("42");
    expect(
      sequentialKey(
        ctxOf({
          update_id: 2,
          callback_query: {
            id: "q",
            from: user,
            chat_instance: "i",
            data: "menu",
            message: { message_id: 2, date: 0, chat, text: "m" },
          },
        }),
      ),
    ).toBe("42");
  });

  it("never queues a pre-checkout query", () => {
    expect(
      sequentialKey(
        ctxOf({
          update_id: 3,
          pre_checkout_query: {
            id: "p",
            from: user,
            currency: "XTR",
            total_amount: 1,
            invoice_payload: "purchase:1",
          },
        }),
      ),
    ).toBeUndefined();
  });
});

let sandbox: Sandbox;
let sb: SandboxClient;
let fakes: Fakes;
let runtime: BotRuntime;
const en = (key: Parameters<I18n["t"]>[1]) => new I18n(LOCALES).t("en", key);

beforeAll(async () => {
  sandbox = await testSandbox();
  sb = sandboxClient(sandbox.url);
  fakes = fakeServices();
  ({ runtime } = testRuntime({
    sandbox,
    db: await testDb(),
    services: fakes.services,
    options: { preCheckoutDecisionMs: 400, concurrency: 4, rateLimitCapacity: 100 },
  }));
  await runtime.start();
  await until(() => roleOf(runtime) === "leader");
});
afterAll(() => runtime.stop());

async function invoiceFor(customerId: number, payload: string): Promise<void> {
  await runtime.bot.api.sendInvoice(customerId, "30 days", "VPN for 30 days", payload, "XTR", [
    { label: "30 days", amount: 150 },
  ]);
}

describe("pre-checkout over long polling", () => {
  it("is answered at once while the same customer's slow update is still running", async () => {
    for (const id of [4001, 4002, 4003, 4004, 4005]) fakes.users.known(id);
    const pat = sb.customer(4001, { language_code: "en" });
    await pat.send("hello");
    await pat.waitForMessage();
    await invoiceFor(4001, "purchase:7");

    let releaseProfile!: () => void;
    const profileRunning = new Promise<void>((r) => {
      releaseProfile = r;
    });
    let profileStarted = false;
    fakes.profile.open = async () => {
      profileStarted = true;
      await profileRunning;
      return PLACEHOLDER;
    };
    // Also fill every other handler slot (concurrency 4) with slow updates of other chats.
    const blockers = [4002, 4003, 4004, 4005].map((id) => sb.customer(id, { language_code: "en" }));
    for (const b of blockers) await b.send("/profile");
    await pat.send("/profile");
    await until(() => profileStarted, 5_000, "profile started");

    const started = Date.now();
    const paid = await pat.pay();
    const tookMs = Date.now() - started;
    expect(paid.status).toBe("paid");
    expect(paid.answer).toEqual({ ok: true, error_message: null });
    expect(tookMs).toBeLessThan(1_500);
    expect(fakes.preCheckouts.at(-1)).toMatchObject({
      telegramId: 4001,
      currency: "XTR",
      totalAmount: 150,
      invoicePayload: "purchase:7",
    });

    // The successful_payment message is an ordinary chat update: it waits for /profile.
    expect(fakes.payments).toHaveLength(0);
    releaseProfile();
    await until(() => fakes.payments.length === 1, 5_000, "payment handled");
    expect(fakes.payments[0]).toMatchObject({ currency: "XTR", totalAmount: 150 });
  });

  it("rejects an invoice the payments port does not accept, with the reason in the customer's language", async () => {
    const pat = sb.customer(4001);
    await invoiceFor(4001, "stale:9");
    const result = await pat.pay();
    expect(result.status).toBe("rejected");
    expect(result.answer?.error_message).toBe(en("precheckout.invalid"));
  });

  it("answers 'try again' within the budget when the port does not decide in time", async () => {
    const pat = sb.customer(4001);
    await invoiceFor(4001, "purchase:slow");
    fakes.preCheckoutVerdict = () => new Promise(() => {});
    const started = Date.now();
    const result = await pat.pay();
    expect(result.status).toBe("rejected");
    expect(result.answer?.error_message).toBe(en("precheckout.failed"));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("order within a chat", () => {
  it("handles one customer's updates in the order they were sent", async () => {
    const seen: string[] = [];
    fakes.referral.open = async () => {
      seen.push("referral");
      return PLACEHOLDER;
    };
    fakes.buy.open = async () => {
      seen.push("buy");
      return PLACEHOLDER;
    };
    fakes.users.known(4010);
    const quinn = sb.customer(4010, { language_code: "en" });
    // Enough updates that any reordering (e.g. an await before the chat queue) shows up.
    const order = Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? "/referral" : "/buy"));
    for (const text of order) await quinn.send(text);
    await until(() => seen.length === order.length, 5_000, "all handled");
    expect(seen).toEqual(order.map((t) => t.slice(1)));
  });
});
