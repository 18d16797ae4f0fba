import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import type { NoticeSentHook } from "../../../bot/notifier.js";
import type { MessageRef } from "../../../bot/services.js";
import { answerCallback, paragraphs, showScreen } from "../../../bot/ui.js";
import type { DbAccess } from "../../../db/pool.js";
import {
  approveWithdrawal,
  countPendingWithdrawals,
  draftRejection,
  getWithdrawal,
  listPendingWithdrawals,
  recordWithdrawalCopy,
  rejectWithDraft,
  type WithdrawalView,
  withdrawalCopies,
} from "../../../domain/billing/withdrawals.js";
import type { Logger } from "../../../logger.js";
import { toError } from "../../../util/errors.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import {
  approveConfirmScreen,
  DECISION_PREFIX,
  FEATURE_NAME,
  LIST_PREFIX,
  listScreen,
  notFoundScreen,
  PAGE_SIZE,
  reasonPromptScreen,
  refusalNote,
  rejectConfirmScreen,
  requestScreen,
  Step,
} from "./screens.js";

/**
 * Remembers every copy of a withdrawal request the bot sends to an admin, so a decision shows
 * on all of them (given to the bot's notifier).
 */
export function withdrawalCopyRecorder(db: DbAccess, logger: Logger): NoticeSentHook {
  return async (adminId, notice, messageId) => {
    if (notice.kind !== "withdrawal_requested") return;
    await recordWithdrawalCopy(db, notice.withdrawalId, adminId, messageId).catch((err) =>
      logger.warn(
        { withdrawal_id: notice.withdrawalId, admin_id: adminId, err: toError(err).message },
        "withdrawal request copy not recorded",
      ),
    );
  };
}

/**
 * Withdrawals: approve or reject a request (the buttons on the request the admins get, and on
 * the paged list of open requests, `/withdrawals`). Approving asks for confirmation; rejecting
 * asks for the reason the customer is told, then for confirmation. A decision is taken once
 * (the request's pending → decided compare-and-set; a confirmed rejection consumes its draft),
 * and afterwards every admin's copy of the request shows the outcome, the payout details and
 * who decided.
 */
export function withdrawalsGroup(deps: AdminDeps): AdminGroup {
  const { db } = deps;
  const logger = deps.logger.child({ group: FEATURE_NAME });
  const composer = new Composer<BotContext>();

  const showList = async (ctx: BotContext, offset: number) => {
    const [items, total] = await Promise.all([
      listPendingWithdrawals(db, PAGE_SIZE, offset),
      countPendingWithdrawals(db),
    ]);
    await showScreen(ctx, listScreen(items, total, offset));
  };

  composer.command("withdrawals", (ctx) => showList(ctx, 0));
  composer.callbackQuery(prefixTrigger(LIST_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const offset = Number(callbackParts(ctx.match[1])[0] ?? 0);
    await showList(ctx, Number.isSafeInteger(offset) && offset >= 0 ? offset : 0);
  });

  composer.callbackQuery(prefixTrigger(DECISION_PREFIX), async (ctx) => {
    const [rawId, step, rawDraft] = callbackParts(ctx.match[1]);
    const id = Number(rawId);
    const adminId = ctx.from.id;
    const withdrawal = Number.isSafeInteger(id) ? await getWithdrawal(db, id) : undefined;
    if (!withdrawal) {
      await answerCallback(ctx);
      await showScreen(ctx, notFoundScreen(id));
      return;
    }
    if (step === Step.approve || step === Step.reject) {
      await answerCallback(ctx);
      if (withdrawal.status !== "pending") {
        await showScreen(
          ctx,
          requestScreen(withdrawal, [{ key: "admin.withdrawals.already_decided" }]),
        );
        return;
      }
      await showScreen(
        ctx,
        step === Step.approve ? approveConfirmScreen(withdrawal) : reasonPromptScreen(withdrawal),
      );
      return;
    }
    if (step === Step.approveConfirmed || step === Step.rejectConfirmed) {
      const result =
        step === Step.approveConfirmed
          ? await approveWithdrawal(db, adminId, id)
          : await rejectWithDraft(db, adminId, Number(rawDraft));
      const now = (await getWithdrawal(db, id)) ?? withdrawal;
      const refusal = refusalNote(result);
      if (refusal || (result.outcome !== "approved" && result.outcome !== "rejected")) {
        await answerCallback(ctx, {
          text: ctx.t(refusal?.key ?? "admin.withdrawals.already_decided"),
        });
        await showScreen(ctx, requestScreen(now));
        return;
      }
      await answerCallback(ctx);
      logger.info(
        { withdrawal_id: id, admin_id: adminId, outcome: result.outcome },
        "admin decided a withdrawal",
      );
      await showScreen(ctx, requestScreen(now));
      await updateCopies(ctx, db, now, logger);
      await tellCustomer(ctx, now, result.outcome === "rejected" ? result.balanceAfter : 0, logger);
      return;
    }
    await answerCallback(ctx);
    await showScreen(ctx, requestScreen(withdrawal));
  });

  // The typed rejection reason.
  composer.on("message:text", async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    await ctx.conversation.clearPrompt(ctx.from.id);
    const id = Number(prompt.data?.id);
    const withdrawal = await getWithdrawal(db, id);
    if (!withdrawal) {
      await showScreen(ctx, notFoundScreen(id));
      return;
    }
    if (withdrawal.status !== "pending") {
      await showScreen(
        ctx,
        requestScreen(withdrawal, [{ key: "admin.withdrawals.already_decided" }]),
      );
      return;
    }
    const reason = ctx.message.text.trim();
    const draftId = await draftRejection(db, ctx.from.id, id, reason);
    await showScreen(
      ctx,
      draftId === undefined
        ? reasonPromptScreen(withdrawal, true)
        : rejectConfirmScreen(withdrawal, reason, draftId),
    );
  });

  return {
    name: FEATURE_NAME,
    prefixes: [DECISION_PREFIX, LIST_PREFIX],
    composer,
    entry: { label: "admin.withdrawals.entry", data: `${LIST_PREFIX}:0` },
  };
}

/** Every other copy of the request (in each admin's language) now shows the outcome. */
async function updateCopies(
  ctx: BotContext,
  db: DbAccess,
  w: WithdrawalView,
  logger: Logger,
): Promise<void> {
  const screen = requestScreen(w);
  const refs = (Array.isArray(screen.text) ? screen.text : [screen.text]) as MessageRef[];
  const pressed = ctx.callbackQuery?.message;
  for (const copy of await withdrawalCopies(db, w.id)) {
    if (pressed && copy.adminId === ctx.from?.id && copy.messageId === pressed.message_id) continue;
    try {
      const language = await ctx.services.users.languageOf(copy.adminId).catch(() => null);
      const locale = ctx.i18n.negotiate(language ?? undefined);
      const text = paragraphs(...refs.map((r) => ctx.i18n.t(locale, r.key, r.vars)));
      await ctx.api.editMessageText(copy.adminId, copy.messageId, text, {
        parse_mode: "HTML",
        reply_markup: { inline_keyboard: [] },
      });
    } catch (err) {
      logger.warn(
        { withdrawal_id: w.id, admin_id: copy.adminId, err: toError(err).message },
        "withdrawal request copy not updated",
      );
    }
  }
}

/** The customer hears the decision (a rejection with its reason), best effort. */
async function tellCustomer(
  ctx: BotContext,
  w: WithdrawalView,
  balanceAfter: number,
  logger: Logger,
): Promise<void> {
  try {
    if (w.status === "approved") {
      await ctx.notifier.send(w.userId, {
        kind: "withdrawal_approved",
        amountKopecks: w.amountKopecks,
      });
      return;
    }
    const language = await ctx.services.users.languageOf(w.userId).catch(() => null);
    const locale = ctx.i18n.negotiate(language ?? undefined);
    await ctx.api.sendMessage(
      w.userId,
      ctx.i18n.t(locale, "admin.withdrawals.customer_rejected", {
        amount: { kopecks: w.amountKopecks },
        balance: { kopecks: balanceAfter },
        reason: w.rejectReason ?? "—",
      }),
      { parse_mode: "HTML" },
    );
  } catch (err) {
    logger.warn(
      { withdrawal_id: w.id, user_id: w.userId, err: toError(err).message },
      "customer not told of the withdrawal decision",
    );
  }
}
