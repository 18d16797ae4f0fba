import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import type { FeaturePrompt, Screen } from "../../../bot/services.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { loadCatalog } from "../../../domain/billing/catalog.js";
import {
  createPromoCode,
  deactivatePromoCode,
  listPromoUsage,
  PROMO_CODE,
} from "../../../domain/billing/promo.js";
import { parseRubles } from "../../../util/money.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import { featurePrompt, promptOf } from "../../prompts.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import { adminRef, withNote } from "../ui.js";
import {
  type DraftStep,
  deactivateQuestion,
  draftQuestion,
  draftSummaryScreen,
  PROMO_DATA,
  PROMO_PREFIX,
  type PromoDraft,
  planChoiceScreen,
  promoListScreen,
} from "./screens.js";

const FEATURE = "admin.promo";
const MAX_USES = 1_000_000;
const MAX_DAYS = 3650;

/**
 * Promo codes in the console (`/promo`): the list with usage, a new code step by step (code,
 * percent or fixed amount, max uses, expiry, plan), and deactivation. The draft travels in the
 * admin's open question; a button press closes that question, so the confirm button creates
 * the code at most once (and the code's unique index refuses a second one anyway).
 */
export function promoGroup(deps: AdminDeps): AdminGroup {
  const composer = new Composer<BotContext>();

  const list = async (ctx: BotContext, note?: Parameters<typeof withNote>[0]) => {
    const [codes, now] = [await listPromoUsage(deps.db), new Date()];
    const screen = promoListScreen(codes, now);
    await showScreen(ctx, note ? withNote(note, screen) : screen);
  };
  const ask = (step: DraftStep, data: Partial<PromoDraft>, problem?: Screen["text"]): Screen => ({
    ...draftQuestion(step, problem && !Array.isArray(problem) ? problem : undefined),
    awaitInput: prompt(step, data),
  });

  composer.command("promo", (ctx) => list(ctx));
  composer.callbackQuery(prefixTrigger(PROMO_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const [action, arg] = callbackParts(ctx.match[1]);
    const open = promptOf(await ctx.openPrompt(), FEATURE);
    const draft = open?.data as Partial<PromoDraft> | undefined;
    switch (action) {
      case undefined:
        return list(ctx);
      case "new":
        return showScreen(ctx, ask("code", {}));
      case "cancel":
        return list(ctx, adminRef("admin.promo.cancelled"));
      case "plan": {
        if (open?.step !== "plan" || !draft) {
          return list(ctx, adminRef("admin.promo.draft_gone"));
        }
        const chosen = { ...draft, plan: arg === "*" || arg === undefined ? null : arg };
        return showScreen(ctx, {
          ...draftSummaryScreen(chosen as PromoDraft),
          awaitInput: prompt("confirm", chosen),
        });
      }
      case "ok": {
        if (open?.step !== "confirm" || !draft) {
          return list(ctx, adminRef("admin.promo.draft_gone"));
        }
        return create(ctx, draft as PromoDraft);
      }
      case "off":
        return arg ? showScreen(ctx, deactivateQuestion(arg)) : list(ctx);
      case "offok": {
        if (!arg) return list(ctx);
        const r = await deactivatePromoCode(deps.db, ctx.from.id, arg);
        deps.logger.info({ admin_id: ctx.from.id, code: arg, outcome: r.outcome }, "promo code");
        return list(ctx, adminRef(`admin.promo.deactivate_${r.outcome}`, { code: arg }));
      }
      default:
        return list(ctx);
    }
  });

  composer.on("message:text", async (ctx, next) => {
    const open = promptOf(await ctx.openPrompt(), FEATURE);
    if (ctx.message.text.startsWith("/") || !open) return next();
    const data = (open.data ?? {}) as Partial<PromoDraft>;
    const text = ctx.message.text.trim();
    if (!(open.step in NEXT_STEP)) return list(ctx, adminRef("admin.promo.use_buttons"));
    const step = open.step as DraftStep;
    const answer = readAnswer(step, text);
    if (!answer.ok) {
      return showScreen(ctx, ask(step, data, adminRef(`admin.promo.bad_${step}`)));
    }
    const collected = { ...data, ...answer.value };
    const nextStep = NEXT_STEP[step];
    if (nextStep) return showScreen(ctx, ask(nextStep, collected));
    const catalog = await deps.db.withClient("catalog_load", (client) => loadCatalog(client));
    return showScreen(ctx, {
      ...planChoiceScreen(catalog.plans.map((p) => p.id)),
      awaitInput: prompt("plan", collected),
    });
  });

  async function create(ctx: BotContext & { from: { id: number } }, draft: PromoDraft) {
    const expiresAt =
      draft.expiresInDays === null ? null : new Date(Date.now() + draft.expiresInDays * 86_400_000);
    const r = await createPromoCode(deps.db, {
      adminId: ctx.from.id,
      code: draft.code,
      ...(draft.percent !== null ? { percent: draft.percent } : {}),
      ...(draft.amountOffKopecks !== null ? { amountOffKopecks: draft.amountOffKopecks } : {}),
      maxUses: draft.maxUses,
      expiresAt,
      plan: draft.plan,
    });
    deps.logger.info(
      { admin_id: ctx.from.id, code: draft.code, outcome: r.outcome },
      "promo code create",
    );
    return list(ctx, adminRef(`admin.promo.create_${r.outcome}`, { code: draft.code }));
  }

  return {
    name: FEATURE,
    prefixes: [PROMO_PREFIX],
    composer,
    entry: { label: "admin.promo.entry", data: PROMO_DATA.list },
  };
}

const NEXT_STEP: Record<DraftStep, DraftStep | undefined> = {
  code: "discount",
  discount: "uses",
  uses: "expiry",
  expiry: undefined,
};

function prompt(step: string, data: Partial<PromoDraft>): FeaturePrompt {
  return featurePrompt(FEATURE, step, data);
}

type Answer = { ok: true; value: Partial<PromoDraft> } | { ok: false };

/** Pure: one typed answer of the new-code steps, validated. "-" means "no limit". */
export function readAnswer(step: DraftStep, text: string): Answer {
  const none = text === "-" || text === "—";
  switch (step) {
    case "code":
      return PROMO_CODE.test(text) ? { ok: true, value: { code: text } } : { ok: false };
    case "discount": {
      const percent = /^(\d{1,3})\s*%$/.exec(text);
      if (percent) {
        const n = Number(percent[1]);
        return n >= 1 && n <= 100
          ? { ok: true, value: { percent: n, amountOffKopecks: null } }
          : { ok: false };
      }
      // A fixed amount must say it is money ("150₽", "150 руб", "150 rub"): a bare number
      // would be ambiguous.
      if (!/(₽|руб\.?|р\.?|rub)$/iu.test(text)) return { ok: false };
      const kopecks = parseRubles(text);
      return kopecks !== undefined && kopecks > 0
        ? { ok: true, value: { percent: null, amountOffKopecks: kopecks } }
        : { ok: false };
    }
    case "uses": {
      if (none) return { ok: true, value: { maxUses: null } };
      const n = wholeNumber(text);
      return n !== undefined && n >= 1 && n <= MAX_USES
        ? { ok: true, value: { maxUses: n } }
        : { ok: false };
    }
    case "expiry": {
      if (none) return { ok: true, value: { expiresInDays: null } };
      const n = wholeNumber(text.replace(/\s*(d|д|days?|дн(ей|я)?)$/iu, ""));
      return n !== undefined && n >= 1 && n <= MAX_DAYS
        ? { ok: true, value: { expiresInDays: n } }
        : { ok: false };
    }
  }
}

function wholeNumber(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}
