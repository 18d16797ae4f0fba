import type { MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import type { PromoUsage } from "../../../domain/billing/promo.js";
import type { MessageVar } from "../../../locales/index.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton, adminRef } from "../ui.js";

/** Callback data of the promo screens (prefix "apr"). */
export const PROMO_PREFIX = "apr";
export const PROMO_DATA = {
  list: callbackData(PROMO_PREFIX),
  create: callbackData(PROMO_PREFIX, "new"),
  /** The plan a new code is restricted to ("*" = every plan). */
  plan: (plan: string) => callbackData(PROMO_PREFIX, "plan", plan),
  confirmCreate: callbackData(PROMO_PREFIX, "ok"),
  cancel: callbackData(PROMO_PREFIX, "cancel"),
  /** Codes are ASCII letters, digits, "_" and "-" (never ":"), at most 32: they fit the data. */
  deactivate: (code: string) => callbackData(PROMO_PREFIX, "off", code),
  confirmDeactivate: (code: string) => callbackData(PROMO_PREFIX, "offok", code),
} as const;

/** A new code as the steps collect it (the prompt's data). */
export interface PromoDraft {
  code: string;
  percent: number | null;
  amountOffKopecks: number | null;
  maxUses: number | null;
  expiresInDays: number | null;
  /** null = every plan (only set at the last step). */
  plan: string | null;
}

const backHome = (): ScreenButton[] => [adminButton("nav.back", HOME_DATA)];

/** "−20%" or "−₽150": what a code takes off. */
function discountVar(p: { percent: number | null; amountOffKopecks: number | null }) {
  return p.amountOffKopecks !== null
    ? ({ kopecks: p.amountOffKopecks } satisfies MessageVar)
    : `${p.percent ?? 0}%`;
}

/** Pure: the list of codes with their usage, newest first, and what can be done with them. */
export function promoListScreen(codes: readonly PromoUsage[], now: Date): Screen {
  const text: MessageRef[] = [adminRef("admin.promo.title")];
  if (codes.length === 0) text.push(adminRef("admin.promo.empty"));
  const buttons: ScreenButton[][] = [[adminButton("admin.promo.button_create", PROMO_DATA.create)]];
  for (const c of codes) {
    const expired = c.expiresAt !== null && c.expiresAt.getTime() <= now.getTime();
    const state = !c.active ? "inactive" : expired ? "expired" : "active";
    text.push(
      adminRef("admin.promo.line", {
        code: c.code,
        off: discountVar(c),
        used: c.usedCount,
        max: c.maxUses ?? "∞",
        open: c.openReservations,
        plan: c.plan ?? "*",
        until: c.expiresAt ?? "-",
        state,
      }),
    );
    if (c.active) {
      buttons.push([
        adminButton("admin.promo.button_deactivate", PROMO_DATA.deactivate(c.code), {
          code: c.code,
        }),
      ]);
    }
  }
  buttons.push(backHome());
  return { text, buttons, noMenuButton: true };
}

/** Which step of creating a code asks what. */
export type DraftStep = "code" | "discount" | "uses" | "expiry";

/** Pure: the question of one step (the bot waits for the typed answer). */
export function draftQuestion(step: DraftStep, problem?: MessageRef): Screen {
  return {
    text: [...(problem ? [problem] : []), adminRef(`admin.promo.ask_${step}`)],
    buttons: [[adminButton("admin.promo.button_cancel", PROMO_DATA.cancel)]],
    noMenuButton: true,
  };
}

/** Pure: the plan choice, the last step before the summary. */
export function planChoiceScreen(plans: readonly string[]): Screen {
  return {
    text: adminRef("admin.promo.ask_plan"),
    buttons: [
      [adminButton("admin.promo.button_all_plans", PROMO_DATA.plan("*"))],
      ...plans.map((p) => [
        adminButton("admin.promo.button_plan", PROMO_DATA.plan(p), { plan: p }),
      ]),
      [adminButton("admin.promo.button_cancel", PROMO_DATA.cancel)],
    ],
    noMenuButton: true,
  };
}

/** Pure: what will be created, with confirm and cancel. */
export function draftSummaryScreen(draft: PromoDraft): Screen {
  return {
    text: [
      adminRef("admin.promo.summary", {
        code: draft.code,
        off: discountVar(draft),
        max: draft.maxUses ?? "∞",
        validity:
          draft.expiresInDays === null
            ? { msg: "admin.promo.valid_forever" }
            : { msg: "admin.promo.valid_days", vars: { days: draft.expiresInDays } },
        plan: draft.plan ?? "*",
      }),
    ],
    buttons: [
      [adminButton("admin.promo.button_confirm", PROMO_DATA.confirmCreate)],
      [adminButton("admin.promo.button_cancel", PROMO_DATA.cancel)],
    ],
    noMenuButton: true,
  };
}

/** Pure: asks before a code stops accepting new uses. */
export function deactivateQuestion(code: string): Screen {
  return {
    text: adminRef("admin.promo.deactivate_confirm", { code }),
    buttons: [
      [adminButton("admin.promo.button_confirm", PROMO_DATA.confirmDeactivate(code))],
      [adminButton("admin.promo.button_cancel", PROMO_DATA.list)],
    ],
    noMenuButton: true,
  };
}
