import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { writeAuditOnce } from "../../../domain/audit.js";
import {
  countPendingActivations,
  findPendingActivation,
  listPendingActivations,
  makeActivationDueNow,
} from "../../../domain/subscriptions/pending-activations.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import {
  CONFIRMATION_TOKEN,
  ConfirmationUsedError,
  newConfirmationToken,
} from "../confirmation.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import {
  ACTIVATIONS_DATA,
  ACTIVATIONS_PREFIX,
  ACTIVATIONS_SHOWN,
  activationsScreen,
  confirmRetryScreen,
  type RetryOutcome,
  retryResultScreen,
} from "./screen.js";

/**
 * Pending activations (`/activations` and its home button): subscriptions waiting for their
 * key, with attempts and the last error; "retry now" makes one due at once (confirmed, single
 * use, audited). The activation worker then makes the VPN call, never this handler.
 */
export function activationsGroup(deps: AdminDeps): AdminGroup {
  const composer = new Composer<BotContext>();
  const list = async (ctx: BotContext) => {
    const total = await countPendingActivations(deps.db);
    const shown = await listPendingActivations(deps.db, ACTIVATIONS_SHOWN);
    await showScreen(ctx, activationsScreen(total, shown));
  };
  composer.command("activations", list);
  composer.callbackQuery(prefixTrigger(ACTIVATIONS_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const [step, idText, token] = callbackParts(ctx.match[1]);
    const id = Number(idText);
    if (step === undefined) return list(ctx);
    if (step === "r" && Number.isSafeInteger(id) && id > 0) {
      const pending = await findPendingActivation(deps.db, id);
      if (!pending) return showScreen(ctx, retryResultScreen(id, "gone"));
      return showScreen(ctx, confirmRetryScreen(pending, newConfirmationToken()));
    }
    if (
      step === "go" &&
      Number.isSafeInteger(id) &&
      id > 0 &&
      CONFIRMATION_TOKEN.test(token ?? "")
    ) {
      const outcome = await retryNow(deps, ctx.from.id, id, token ?? "");
      deps.logger.info(
        { admin_id: ctx.from.id, subscription_id: id, outcome },
        "console: activation retry",
      );
      return showScreen(ctx, retryResultScreen(id, outcome));
    }
    ctx.logger.warn({ data: ctx.callbackQuery.data }, "unknown pending activations button");
  });
  return {
    name: "admin.activations",
    prefixes: [ACTIVATIONS_PREFIX],
    composer,
    entry: { label: "admin.activations.entry", data: ACTIVATIONS_DATA },
  };
}

/** Makes the subscription due now and audits it, once per confirmation token. */
async function retryNow(
  deps: AdminDeps,
  adminId: number,
  subscriptionId: number,
  token: string,
): Promise<RetryOutcome> {
  try {
    return await deps.db.tx("console_activation_retry", async (c) => {
      const done = await makeActivationDueNow(c, subscriptionId);
      if (!done) return "gone";
      const recorded = await writeAuditOnce(
        c,
        {
          actorId: adminId,
          action: "activation.retry",
          targetUserId: done.userId,
          details: { subscription_id: subscriptionId },
        },
        token,
      );
      if (!recorded) throw new ConfirmationUsedError(token);
      return "done";
    });
  } catch (err) {
    if (err instanceof ConfirmationUsedError) return "used";
    throw err;
  }
}
