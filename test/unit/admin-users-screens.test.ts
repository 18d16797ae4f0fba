import { describe, expect, it } from "vitest";
import type { MessageRef, Screen } from "../../src/bot/services.js";
import type { UserCard } from "../../src/domain/customers/card.js";
import { readAnswer } from "../../src/features/admin/users/index.js";
import {
  durationOf,
  forwardedFrom,
  parseDiscount,
  parseDuration,
  parseLookup,
  parseRubles,
} from "../../src/features/admin/users/parse.js";
import {
  askScreen,
  Cb,
  cardScreen,
  confirmScreen,
  grantMenuScreen,
  resultScreen,
  spentConfirmationScreen,
} from "../../src/features/admin/users/screens.js";
import { I18n, LOCALES } from "../../src/locales/index.js";

const i18n = new I18n(LOCALES);
const render = (screen: Screen) =>
  (Array.isArray(screen.text) ? screen.text : [screen.text])
    .map((r: MessageRef) => i18n.t("en", r.key, r.vars))
    .join("\n\n");
const data = (screen: Screen) =>
  (screen.buttons ?? []).flat().map((b) => ("callbackData" in b ? b.callbackData : null));

const base: UserCard = {
  telegramId: 5001,
  username: "ann",
  firstName: "Ann",
  languageCode: "en",
  balanceKopecks: 12_345,
  referrerId: 5000,
  isVip: false,
  discountPercent: 0,
  discountUntil: null,
  reachable: true,
  createdAt: new Date("2026-11-01T10:00:00Z"),
  lastSeenAt: new Date("2026-12-06T10:00:00Z"),
  subscription: undefined,
  payments: [],
  referrals: {
    invited: 3,
    paying: 1,
    tier: 1,
    percent: 10,
    nextTierAt: 5,
    totalEarnedKopecks: 5_000,
  },
};

describe("user card screens", () => {
  it("a customer without a subscription: who, money, referrals, every action", () => {
    const screen = cardScreen(base, 30);
    const text = render(screen);
    expect(text).toContain("<b>5001</b> · @ann · Ann");
    expect(text).toContain("📶 Reachable");
    expect(text).toContain("No subscription.");
    expect(text).toContain("VIP: no");
    expect(text).toContain("Personal discount: none");
    expect(text).toContain("Invited 3 (1 paying)");
    expect(text).toContain("invited by: 5000");
    expect(text).toContain("No payments yet.");
    expect(data(screen)).toEqual([
      "au:g:5001",
      "au:a:5001:revoke",
      "au:a:5001:reissue",
      "au:a:5001:vip:1",
      "au:ask:5001:discount",
      "au:ask:5001:message",
      "au:ask:5001:credit",
      "au:ask:5001:debit",
      "au:c:5001",
      "au:find",
      "adm",
    ]);
    expect(screen.noMenuButton).toBe(true);
  });

  it("subscription state and key status, VIP, discount with an end, payments, blocked", () => {
    const card: UserCard = {
      ...base,
      isVip: true,
      reachable: false,
      discountPercent: 20,
      discountUntil: new Date("2027-01-01T00:00:00Z"),
      subscription: {
        id: 1,
        userId: 5001,
        status: "pending",
        isTrial: false,
        expiresAt: new Date("2027-02-01T00:00:00Z"),
        live: true,
        needsProvisioning: true,
        autoRenew: true,
        lastPlan: "basic",
        lastPeriodDays: 30,
        vpnUuid: "00000000-0000-4000-8000-000000000001",
        vlessLink: null,
        version: 3,
        keyReissuedAt: null,
      },
      payments: [
        {
          id: 77,
          provider: "telegram_stars",
          amountKopecks: 19_900,
          starsAmount: 150,
          createdAt: new Date("2026-12-01T00:00:00Z"),
        },
      ],
    };
    const screen = cardScreen(card, 30);
    const text = render(screen);
    expect(text).toContain("🚫 Blocked the bot");
    expect(text).toContain("Paid, activation pending, until");
    expect(text).toContain("auto-renewal on");
    expect(text).toContain("Key waiting for the VPN server");
    expect(text).toContain("VIP: yes (−30%)");
    expect(text).toContain("Personal discount: −20% until");
    expect(text).toContain("#77 · ");
    expect(text).toContain("telegram_stars");
    expect(data(screen)).toContain("au:a:5001:vip:0");
  });

  it("an expired subscription reads as expired with no key", () => {
    const text = render(
      cardScreen(
        {
          ...base,
          subscription: {
            id: 1,
            userId: 5001,
            status: "active",
            isTrial: true,
            expiresAt: new Date("2026-01-01T00:00:00Z"),
            live: false,
            needsProvisioning: false,
            autoRenew: false,
            lastPlan: null,
            lastPeriodDays: null,
            vpnUuid: "00000000-0000-4000-8000-000000000002",
            vlessLink: "vless://x",
            version: 1,
            keyReissuedAt: null,
          },
        },
        30,
      ),
    );
    expect(text).toContain("Trial, expired, until");
    expect(text).toContain("No key on the VPN server");
  });

  it("grant menu: 1 / 7 / 30 / 365 days and a custom length", () => {
    const screen = grantMenuScreen(5001);
    expect(data(screen)).toEqual([
      "au:a:5001:grant:86400",
      "au:a:5001:grant:604800",
      "au:a:5001:grant:2592000",
      "au:a:5001:grant:31536000",
      "au:ask:5001:grant_custom",
      "au:c:5001",
    ]);
  });

  it("a confirmation offers notify / silently with the token; a message only 'send'", () => {
    const token = "AbCdEfGhIjKlMnOp";
    const grant = confirmScreen(5001, { action: "grant", seconds: 5400 }, token, {
      balanceKopecks: 0,
      vipPercent: 30,
    });
    expect(render(grant)).toContain("Grant <b>90 minutes</b> to 5001?");
    expect(render(grant)).toContain("Tell the customer about it?");
    expect(data(grant)).toEqual([Cb.confirm(token, true), Cb.confirm(token, false), "au:c:5001"]);
    expect(Cb.confirm(token, true)).toBe("au:ok:AbCdEfGhIjKlMnOp:n");

    const debit = confirmScreen(5001, { action: "balance", deltaKopecks: -5_000 }, token, {
      balanceKopecks: 12_345,
      vipPercent: 30,
    });
    expect(render(debit)).toBe(
      "Debit <b>₽50</b> from 5001's balance (now ₽123.45)?\n\nTell the customer about it?",
    );

    const message = confirmScreen(5001, { action: "message", text: "a <b>" }, token, {
      balanceKopecks: 0,
      vipPercent: 30,
    });
    expect(render(message)).toContain("a &lt;b&gt;");
    expect(render(message)).not.toContain("Tell the customer");
    expect(data(message)).toEqual([Cb.confirm(token, true), "au:c:5001"]);
  });

  it("result, spent confirmation and question screens", () => {
    const result = resultScreen(
      5001,
      { key: "admin.users.done_vip", vars: { on: "yes" } },
      "silent",
    );
    expect(render(result)).toBe("✅ VIP is on.\n\n🔕 The customer was not notified.");
    expect(render(spentConfirmationScreen("used"))).toContain("already used");
    expect(render(spentConfirmationScreen("unknown"))).toContain("expired");
    const ask = askScreen(5001, "debit", 12_345, "admin.users.invalid_amount");
    expect(ask.awaitInput).toEqual({
      kind: "feature",
      feature: "admin.users",
      step: "debit",
      data: { user: 5001 },
    });
    expect(render(ask)).toMatch(/^Send a positive amount/);
  });

  it("every callback datum stays within Telegram's 64 bytes", () => {
    const id = 9_007_199_254_740_991;
    for (const d of [Cb.grant(id, 3650 * 86_400), Cb.ask(id, "grant_custom"), Cb.vip(id, true)]) {
      expect(Buffer.byteLength(d)).toBeLessThanOrEqual(64);
    }
  });
});

describe("typed answers", () => {
  it("lookups: id, @username, username; nonsense refused", () => {
    expect(parseLookup(" 12345 ")).toEqual({ kind: "id", id: 12345 });
    expect(parseLookup("@Ann_Lee")).toEqual({ kind: "username", username: "Ann_Lee" });
    expect(parseLookup("ann_lee")).toEqual({ kind: "username", username: "ann_lee" });
    expect(parseLookup("0")).toBeUndefined();
    expect(parseLookup("@a")).toBeUndefined();
    expect(parseLookup("hello there")).toBeUndefined();
  });

  it("forward origins: a user, a hidden sender, a channel", () => {
    expect(forwardedFrom({ type: "user", sender_user: { id: 7 } })).toEqual({
      kind: "user",
      id: 7,
    });
    expect(forwardedFrom({ type: "hidden_user", sender_user_name: "Sam" })).toEqual({
      kind: "hidden",
      name: "Sam",
    });
    expect(forwardedFrom({ type: "channel" })).toEqual({ kind: "not_a_user" });
  });

  it("durations: 90m, 12h, 45d; no unit, zero or beyond 3650 days refused", () => {
    expect(parseDuration("90m")?.seconds).toBe(5400);
    expect(parseDuration("12H")?.seconds).toBe(43_200);
    expect(parseDuration("45 d")?.seconds).toBe(45 * 86_400);
    expect(parseDuration("45")).toBeUndefined();
    expect(parseDuration("0d")).toBeUndefined();
    expect(parseDuration("3651d")).toBeUndefined();
    expect(durationOf(86_400)).toMatchObject({ amount: 1, unit: "d" });
    expect(durationOf(5400)).toMatchObject({ amount: 90, unit: "m" });
  });

  it("discounts and amounts", () => {
    expect(parseDiscount("15")).toEqual({ percent: 15, forSeconds: null });
    expect(parseDiscount("15% 30d")).toEqual({ percent: 15, forSeconds: 30 * 86_400 });
    expect(parseDiscount("0")).toEqual({ percent: 0, forSeconds: null });
    expect(parseDiscount("0 30d")).toBeUndefined();
    expect(parseDiscount("101")).toBeUndefined();
    expect(parseRubles("150")).toBe(15_000);
    expect(parseRubles("99,5")).toBe(9_950);
    expect(parseRubles("99.05")).toBe(9_905);
    expect(parseRubles("0")).toBeUndefined();
    expect(parseRubles("-5")).toBeUndefined();
    expect(parseRubles("1000001")).toBeUndefined();
  });

  it("answers become actions: debit is negative, a discount's end is from now", () => {
    const now = new Date("2026-12-07T00:00:00Z");
    expect(readAnswer("debit", "50", now)).toEqual({ action: "balance", deltaKopecks: -5_000 });
    expect(readAnswer("credit", "50", now)).toEqual({ action: "balance", deltaKopecks: 5_000 });
    expect(readAnswer("discount", "10 1d", now)).toEqual({
      action: "discount",
      percent: 10,
      until: "2026-12-08T00:00:00.000Z",
    });
    expect(readAnswer("grant_custom", "2h", now)).toEqual({ action: "grant", seconds: 7200 });
    expect(readAnswer("message", "   ", now)).toEqual({ problem: "admin.users.invalid_message" });
    expect(readAnswer("message", "x".repeat(3501), now)).toEqual({
      problem: "admin.users.invalid_message",
    });
  });
});
