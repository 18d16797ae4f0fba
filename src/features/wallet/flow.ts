import type {
  Customer,
  MessageRef,
  Screen,
  ScreenButton,
  TopUpMethod,
} from "../../bot/services.js";
import { loadCatalog } from "../../domain/billing/catalog.js";
import { getBalance } from "../../domain/billing/ledger.js";
import { checkTopupAmount } from "../../domain/billing/pricing.js";
import { createPurchase } from "../../domain/billing/purchases.js";
import { getWithdrawable, requestWithdrawal } from "../../domain/billing/withdrawals.js";
import { getUser } from "../../domain/customers/users.js";
import { parseRubles } from "../../util/money.js";
import { checkoutScreen } from "../flows/checkout.js";
import {
  amountRange,
  dataButton,
  type FlowDeps,
  money,
  msg,
  offeredMethods,
  payableForSeconds,
  startFirst,
} from "../flows/common.js";
import { ProfileData } from "../profile/codec.js";
import { ReferralData } from "../referral/codec.js";
import { WalletData, WalletPrompts } from "./codec.js";
import type { WalletPort } from "./port.js";

/** Top-up (SPEC flow 9) and withdrawal of referral earnings with the admins' decision (flow 10). */

/** The wallet port on the domain. */
export function walletPort(deps: FlowDeps): WalletPort {
  return {
    topUp: (customer) => topupScreen(deps, customer),
    topUpAmount: (customer, kopecks) => topupAmount(deps, customer, kopecks, false),
    topUpCustom: () => topupPrompt(deps),
    topUpPay: (customer, kopecks, method) => topupPay(deps, customer, kopecks, method),
    topUpAnswer: (customer, text) => topupAmount(deps, customer, parseRubles(text), true),
    withdraw: (customer) => withdrawScreen(deps, customer),
    withdrawStart: (customer) => withdrawAmountPrompt(deps, customer),
    withdrawAmountAnswer: (customer, text) => withdrawAmountInput(deps, customer, text),
    withdrawRequisitesAnswer: (customer, amountKopecks, text) =>
      withdrawRequisitesInput(deps, customer, amountKopecks, text),
  };
}

// --- top-up -------------------------------------------------------------------------------

/** The catalog in force: top-up presets and limits. */
function topupLimits(deps: FlowDeps) {
  return deps.db.withClient("catalog_load", (client) => loadCatalog(client));
}

/** Presets and "other amount"; not offered at all when no real-money method is configured. */
async function topupScreen(
  deps: FlowDeps,
  customer: Customer,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const methods = offeredMethods(deps);
  if (!methods.card && !methods.crypto) {
    return {
      text: [msg("topup.title"), msg("topup.unavailable")],
      buttons: [[dataButton("nav.back", ProfileData.open())]],
    };
  }
  const catalog = await topupLimits(deps);
  const balance = await getBalance(deps.db, customer.telegramId);
  if (balance === undefined) return startFirst();
  const presets = catalog.topup.presetsKopecks.filter((k) => checkTopupAmount(catalog, k).ok);
  const rows: ScreenButton[][] = [];
  for (let i = 0; i < presets.length; i += 3) {
    rows.push(
      presets.slice(i, i + 3).map((kopecks) =>
        dataButton("topup.preset_button", WalletData.topUpAmount(kopecks), {
          amount: money(kopecks),
        }),
      ),
    );
  }
  rows.push([dataButton("topup.button_custom", WalletData.topUpCustom())]);
  rows.push([dataButton("nav.back", ProfileData.open())]);
  return {
    text: [
      ...notes,
      msg("topup.title"),
      msg("topup.balance", { balance: money(balance) }),
      msg("topup.choose", amountRange(catalog.topup.minKopecks, catalog.topup.maxKopecks)),
    ],
    buttons: rows,
  };
}

async function topupPrompt(deps: FlowDeps, notes: MessageRef[] = []): Promise<Screen> {
  const catalog = await topupLimits(deps);
  return {
    text: [
      ...notes,
      msg("topup.prompt", amountRange(catalog.topup.minKopecks, catalog.topup.maxKopecks)),
    ],
    buttons: [[dataButton("nav.cancel", WalletData.topUp())]],
    awaitInput: WalletPrompts.topUpAmount(),
  };
}

/** An amount chosen (a preset) or typed: checked against the catalog, then the methods. */
async function topupAmount(
  deps: FlowDeps,
  customer: Customer,
  kopecks: number | undefined,
  typed: boolean,
): Promise<Screen> {
  const catalog = await topupLimits(deps);
  const checked =
    kopecks === undefined
      ? ({ ok: false, reason: "not_whole_kopecks" } as const)
      : checkTopupAmount(catalog, kopecks);
  if (!checked.ok) {
    const note = msg("topup.invalid_amount", {
      reason: checked.reason,
      min: money(catalog.topup.minKopecks),
      max: money(catalog.topup.maxKopecks),
    });
    return typed ? topupPrompt(deps, [note]) : topupScreen(deps, customer, [note]);
  }
  const amount = checked.amountKopecks;
  const methods = offeredMethods(deps);
  const buttons: ScreenButton[][] = [];
  if (methods.card) {
    buttons.push([dataButton("topup.method_card", WalletData.topUpPay(amount, "card"))]);
  }
  if (methods.crypto) {
    buttons.push([dataButton("topup.method_crypto", WalletData.topUpPay(amount, "crypto"))]);
  }
  if (buttons.length === 0) return topupScreen(deps, customer);
  buttons.push([dataButton("nav.back", WalletData.topUp())]);
  return { text: msg("topup.choose_method", { amount: money(amount) }), buttons };
}

async function topupPay(
  deps: FlowDeps,
  customer: Customer,
  kopecks: number,
  method: TopUpMethod,
): Promise<Screen> {
  const methods = offeredMethods(deps);
  if (!methods[method]) return topupScreen(deps, customer, [msg("payment.method_unavailable")]);
  const created = await createPurchase(
    deps.db,
    { kind: "topup", userId: customer.telegramId, amountKopecks: kopecks, method },
    payableForSeconds(deps, method),
  );
  if (created.outcome === "unknown_user") return startFirst();
  if (created.outcome !== "created") {
    return topupScreen(deps, customer, [msg("screen.refreshed")]);
  }
  const amount = money(created.purchase.amountKopecks);
  deps.logger.info(
    { user_id: customer.telegramId, purchase_id: created.purchase.id, method },
    "top-up checkout started",
  );
  return checkoutScreen(
    deps,
    customer,
    created.purchase,
    {
      title: msg("invoice.topup_title"),
      description: msg("invoice.topup_description", { amount }),
      priceLabel: msg("invoice.topup_label", { amount }),
      telegramLead: msg("topup.invoice_ready", { amount }),
      cryptoLead: msg("topup.crypto_invoice", {
        amount,
        minutes: Math.round(deps.limits.cryptoInvoiceTtlSeconds / 60),
      }),
    },
    dataButton("nav.back", WalletData.topUpAmount(kopecks)),
  );
}

// --- withdrawal ---------------------------------------------------------------------------

/** Nobody could approve a request without admins: no money is reserved for one then. */
function withdrawalsOpen(deps: FlowDeps): boolean {
  return deps.config.bot.adminIds.length > 0;
}

function mayRequestWithdrawal(deps: FlowDeps, withdrawableKopecks: number): boolean {
  return withdrawalsOpen(deps) && withdrawableKopecks >= deps.limits.minWithdrawalKopecks;
}

/** What can be withdrawn (only referral earnings) and, from the minimum, the request button. */
async function withdrawScreen(
  deps: FlowDeps,
  customer: Customer,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const info = await getWithdrawable(deps.db, customer.telegramId);
  if (!info) return startFirst();
  const min = deps.limits.minWithdrawalKopecks;
  const open = withdrawalsOpen(deps);
  const enough = mayRequestWithdrawal(deps, info.withdrawableKopecks);
  return {
    text: [
      ...notes,
      msg("withdraw.title"),
      msg("withdraw.info", { available: money(info.withdrawableKopecks), min: money(min) }),
      ...(!open
        ? [msg("withdraw.unavailable")]
        : enough
          ? []
          : [msg("withdraw.too_little", { min: money(min) })]),
    ],
    buttons: [
      ...(enough ? [[dataButton("withdraw.button_start", WalletData.withdrawStart())]] : []),
      [dataButton("withdraw.button_referral", ReferralData.open())],
      [dataButton("nav.back", ProfileData.open())],
    ],
  };
}

/** "Send the amount": checked against the minimum and what is withdrawable now. */
async function withdrawAmountPrompt(
  deps: FlowDeps,
  customer: Customer,
  notes: MessageRef[] = [],
): Promise<Screen> {
  const info = await getWithdrawable(deps.db, customer.telegramId);
  if (!info) return startFirst();
  if (!mayRequestWithdrawal(deps, info.withdrawableKopecks)) {
    return withdrawScreen(deps, customer, notes);
  }
  const min = deps.limits.minWithdrawalKopecks;
  return {
    text: [...notes, msg("withdraw.amount_prompt", amountRange(min, info.withdrawableKopecks))],
    buttons: [[dataButton("nav.cancel", WalletData.withdraw())]],
    awaitInput: WalletPrompts.withdrawAmount(),
  };
}

async function withdrawAmountInput(
  deps: FlowDeps,
  customer: Customer,
  text: string,
): Promise<Screen> {
  const amount = parseRubles(text);
  const info = await getWithdrawable(deps.db, customer.telegramId);
  if (!info) return startFirst();
  const min = deps.limits.minWithdrawalKopecks;
  const problem =
    amount === undefined || amount <= 0
      ? "invalid"
      : amount < min
        ? "below_minimum"
        : amount > info.withdrawableKopecks
          ? "exceeds"
          : null;
  if (problem !== null || amount === undefined) {
    return withdrawAmountPrompt(deps, customer, [
      msg("withdraw.amount_invalid", {
        reason: problem ?? "invalid",
        min: money(min),
        max: money(info.withdrawableKopecks),
      }),
    ]);
  }
  return requisitesPrompt(amount);
}

function requisitesPrompt(amountKopecks: number, notes: MessageRef[] = []): Screen {
  return {
    text: [...notes, msg("withdraw.requisites_prompt", { amount: money(amountKopecks) })],
    buttons: [[dataButton("nav.cancel", WalletData.withdraw())]],
    awaitInput: WalletPrompts.withdrawRequisites(amountKopecks),
  };
}

/** The payout details: the amount is reserved at once and every admin gets the request. */
async function withdrawRequisitesInput(
  deps: FlowDeps,
  customer: Customer,
  amountKopecks: number,
  requisites: string,
): Promise<Screen> {
  const userId = customer.telegramId;
  const result = await requestWithdrawal(deps.db, {
    userId,
    amountKopecks,
    requisites,
    minKopecks: deps.limits.minWithdrawalKopecks,
  });
  switch (result.outcome) {
    case "requested": {
      deps.logger.info(
        { user_id: userId, withdrawal_id: result.withdrawalId, amount_kopecks: amountKopecks },
        "withdrawal requested",
      );
      const user = await getUser(deps.db, userId);
      return {
        text: msg("withdraw.requested", {
          id: String(result.withdrawalId),
          amount: money(amountKopecks),
          balance: money(result.balanceAfter),
        }),
        buttons: [[dataButton("withdraw.button_profile", ProfileData.open())]],
        notify: deps.config.bot.adminIds.map((adminId) => ({
          userId: adminId,
          notice: {
            kind: "withdrawal_requested",
            withdrawalId: result.withdrawalId,
            userId,
            username: user?.username ?? null,
            amountKopecks,
            requisites: requisites.trim(),
          },
        })),
      };
    }
    case "invalid_requisites":
      return requisitesPrompt(amountKopecks, [msg("withdraw.requisites_invalid")]);
    case "below_minimum":
    case "exceeds_withdrawable":
    case "invalid_amount": {
      const info = await getWithdrawable(deps.db, userId);
      return withdrawAmountPrompt(deps, customer, [
        msg("withdraw.amount_invalid", {
          reason:
            result.outcome === "below_minimum"
              ? "below_minimum"
              : result.outcome === "exceeds_withdrawable"
                ? "exceeds"
                : "invalid",
          min: money(deps.limits.minWithdrawalKopecks),
          max: money(info?.withdrawableKopecks ?? 0),
        }),
      ]);
    }
    case "unknown_user":
      return startFirst();
  }
}
