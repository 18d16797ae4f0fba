/**
 * Simulated customers driving a bot through the sandbox control plane (contracts/sandbox.md):
 * they send messages, press buttons and pay invoices over HTTP and time each action from the
 * request to the bot's first reaction in the chat (update→reply).
 */
import { Agent, request } from "undici";

const agent = new Agent({ connections: 2_000, pipelining: 1, keepAliveTimeout: 30_000 });

interface Button {
  text: string;
  callback_data?: string;
}

export interface ChatMessage {
  seq: number;
  message_id: number;
  text: string | null;
  caption: string | null;
  reply_markup: { inline_keyboard?: Button[][] } | null;
  photo: { file_id: string } | null;
  invoice: { total_amount: number } | null;
  edited: boolean;
  deleted: boolean;
}

export interface Sample {
  /** Epoch ms when the action was sent. */
  at: number;
  kind: string;
  ms: number;
  /** No reply within the action timeout. */
  timedOut: boolean;
}

async function json<T>(url: string, body?: unknown): Promise<T> {
  const res = await request(url, {
    dispatcher: agent,
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`${url}: ${res.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/**
 * Not an update's reply: the time from a payment to its key, whichever message brings it (it
 * may wait for the VPN server). Reported on its own, beside the replies.
 */
export const KEY_AFTER_PAY = "key_after_pay";

/** A key message: the key screen or notice (a QR photo), or a text carrying the link. */
function isKeyMessage(m: ChatMessage): boolean {
  return m.photo !== null || /vless:\/\//.test(m.text ?? m.caption ?? "");
}

/** How long a customer waits for a reply before counting the action as unanswered. */
export const REPLY_TIMEOUT_MS = 30_000;

export class BenchCustomer {
  private cursor = 0;
  /** The newest message with inline buttons: what the customer sees and presses. */
  private screen: ChatMessage | undefined;
  /** The seq of the newest message that carried a key. */
  private keySeq = 0;

  constructor(
    private readonly controlUrl: string,
    readonly id: number,
    private readonly record: (s: Sample) => void,
  ) {}

  private get base() {
    return `${this.controlUrl}/sandbox/users/${this.id}`;
  }

  /** Everything already in the chat counts as seen. */
  private async catchUp(): Promise<void> {
    const { messages } = await json<{ messages: ChatMessage[] }>(
      `${this.base}/chat?after=${this.cursor}&wait_ms=0`,
    );
    this.absorb(messages);
  }

  private absorb(messages: ChatMessage[]): void {
    for (const m of messages) {
      this.cursor = Math.max(this.cursor, m.seq);
      if (m.reply_markup?.inline_keyboard && !m.deleted) this.screen = m;
      if (isKeyMessage(m)) this.keySeq = m.seq;
    }
  }

  /** Waits for the first chat change after the cursor satisfying `want`; returns the time. */
  private async reply(
    kind: string,
    started: { at: number; t: number },
    want: (m: ChatMessage) => boolean = () => true,
  ): Promise<ChatMessage | undefined> {
    const deadline = started.at + REPLY_TIMEOUT_MS;
    for (;;) {
      const waitMs = Math.max(0, Math.min(deadline - Date.now(), 10_000));
      const { messages } = await json<{ messages: ChatMessage[] }>(
        `${this.base}/chat?after=${this.cursor}&wait_ms=${waitMs}`,
      );
      const hit = messages.find(want);
      this.absorb(messages);
      if (hit) {
        this.record({ at: started.at, kind, ms: performance.now() - started.t, timedOut: false });
        return hit;
      }
      if (Date.now() >= deadline) {
        this.record({ at: started.at, kind, ms: REPLY_TIMEOUT_MS, timedOut: true });
        return undefined;
      }
    }
  }

  async send(kind: string, text: string, want?: (m: ChatMessage) => boolean) {
    await this.catchUp();
    const started = { at: Date.now(), t: performance.now() };
    await json(`${this.base}/message`, {
      text,
      first_name: `Bench${this.id}`,
      language_code: "en",
    });
    return this.reply(kind, started, want);
  }

  /** The button of the screen the customer sees whose callback_data matches. */
  private button(data: RegExp): Button | undefined {
    return this.screen?.reply_markup?.inline_keyboard
      ?.flat()
      .find((b) => b.callback_data !== undefined && data.test(b.callback_data));
  }

  /** Whether the screen the customer sees has a button whose callback_data matches. */
  sees(data: RegExp): boolean {
    return this.button(data) !== undefined;
  }

  /** Presses the button whose callback_data matches; false when the screen has none. */
  async press(
    kind: string,
    data: RegExp,
    want?: (m: ChatMessage) => boolean,
    retried = false,
  ): Promise<boolean> {
    await this.catchUp();
    const screen = this.screen;
    const button = this.button(data);
    if (!screen || !button?.callback_data) {
      // Not on this screen (a late message replaced it): back to the menu, then press there.
      if (!retried) {
        await this.send("menu", "/menu");
        return this.press(kind, data, want, true);
      }
      return false;
    }
    const started = { at: Date.now(), t: performance.now() };
    await json(`${this.base}/press`, { message_id: screen.message_id, data: button.callback_data });
    return (await this.reply(kind, started, want)) !== undefined;
  }

  /**
   * Pays the newest invoice: pre-checkout, payment, then the bot's confirmation (`pay`, the
   * update's reply) and the key (`key_after_pay`, from the payment to the first message that
   * carries the key — the confirmation itself when it does).
   */
  async pay(invoice: ChatMessage) {
    await this.catchUp();
    const keyBefore = this.keySeq;
    const started = { at: Date.now(), t: performance.now() };
    await json(`${this.base}/pay`, { message_id: invoice.message_id });
    const confirmation = await this.reply("pay", started);
    if (confirmation === undefined) return undefined;
    if (this.keySeq > keyBefore) {
      this.record({
        at: started.at,
        kind: KEY_AFTER_PAY,
        ms: performance.now() - started.t,
        timedOut: false,
      });
    } else {
      await this.reply(KEY_AFTER_PAY, started, isKeyMessage);
    }
    return confirmation;
  }

  /** Presses the Stars method of the shown purchase and returns the invoice message. */
  async pressStars(): Promise<ChatMessage | undefined> {
    let invoice: ChatMessage | undefined;
    const pressed = await this.press("invoice", /^b:[a-z0-9_]+:\d+:xtr:\d+$/, (m) => {
      if (m.invoice !== null) invoice = m;
      return m.invoice !== null;
    });
    return pressed ? invoice : undefined;
  }

  /** /start, and the language picker a new customer gets first. */
  async onboard(measure: boolean) {
    const first = await this.send(measure ? "first_start" : "warmup", "/start");
    if (
      first?.reply_markup?.inline_keyboard
        ?.flat()
        .some((b) => b.callback_data?.startsWith("lang:first:"))
    ) {
      await this.press(measure ? "first_language" : "warmup", /^lang:first:en$/, (m) => m.edited);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One pass of the steady mix: /start, menu, profile, key, buy with Stars (plan, period,
 * method, invoice) and pay, with a think time between actions.
 */
export async function mixPass(c: BenchCustomer, thinkMs: () => number, until: number) {
  const steps: Array<() => Promise<unknown>> = [
    () => c.send("start", "/start"),
    () => c.send("menu", "/menu"),
    () => c.press("profile", /^f:profile$/),
    // "My key" is on the profile once the customer has a subscription (from the second pass).
    async () => {
      if (c.sees(/^f:key$/)) await c.press("key", /^f:key$/);
    },
    () => c.send("menu", "/menu"),
    () => c.press("buy", /^f:buy$/),
    () => c.press("plan", /^b:basic$/),
    () => c.press("period", /^b:basic:30$/),
    async () => {
      const invoice = await c.pressStars();
      if (invoice) {
        await sleep(thinkMs());
        await c.pay(invoice);
      }
    },
  ];
  for (const step of steps) {
    if (Date.now() >= until) return;
    await step();
    await sleep(thinkMs());
  }
}

/**
 * `count` customers each run the steady mix in a loop until `durationMs` is over; returns the
 * samples of every action.
 */
export async function runMix(opts: {
  controlUrl: string;
  firstId: number;
  count: number;
  durationMs: number;
  thinkMs: [min: number, max: number];
  onboard: boolean;
}): Promise<Sample[]> {
  const samples: Sample[] = [];
  const [lo, hi] = opts.thinkMs;
  const think = () => lo + Math.random() * (hi - lo);
  const until = Date.now() + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.count }, async (_, i) => {
      const c = new BenchCustomer(opts.controlUrl, opts.firstId + i, (s) => samples.push(s));
      // Spread the arrivals over the first think time so they do not all start at once.
      await sleep(Math.random() * hi);
      if (opts.onboard) await c.onboard(true);
      while (Date.now() < until) await mixPass(c, think, until);
    }),
  );
  return samples.filter((s) => s.at < until);
}

/**
 * Closed-loop load: `count` customers each send `text` and wait for the reply, with no pause,
 * for `durationMs`. Returns the samples of the measured window (after a short warm-up).
 */
export async function runClosedLoop(opts: {
  controlUrl: string;
  firstId: number;
  count: number;
  durationMs: number;
  text: string;
  /** Customers to onboard first (not measured), once per set: ids are added as they are. */
  onboarded?: Set<number>;
}): Promise<{ samples: Sample[]; windowMs: number }> {
  const samples: Sample[] = [];
  const customers = Array.from(
    { length: opts.count },
    (_, i) => new BenchCustomer(opts.controlUrl, opts.firstId + i, (s) => samples.push(s)),
  );
  const onboarded = opts.onboarded;
  if (onboarded) {
    const fresh = customers.filter((c) => !onboarded.has(c.id));
    for (let i = 0; i < fresh.length; i += 50) {
      await Promise.all(fresh.slice(i, i + 50).map((c) => c.onboard(false)));
    }
    for (const c of fresh) onboarded.add(c.id);
  }
  const warmupMs = Math.min(2_000, opts.durationMs / 4);
  const started = Date.now();
  const until = started + opts.durationMs;
  await Promise.all(
    customers.map(async (c) => {
      while (Date.now() < until) await c.send("profile", opts.text);
    }),
  );
  const from = started + warmupMs;
  return {
    samples: samples.filter((s) => s.kind !== "warmup" && s.at >= from && s.at < until),
    windowMs: until - from,
  };
}
