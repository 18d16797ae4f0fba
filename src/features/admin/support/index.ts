import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import {
  closeConversation,
  getConversation,
  listOpenConversations,
  recordAdminReply,
} from "../../../domain/support/conversations.js";
import { toError } from "../../../util/errors.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import { WRITE_DATA } from "../../support/screens.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import {
  closeConfirmScreen,
  conversationScreen,
  FEATURE_NAME,
  listScreen,
  notFoundScreen,
  PAGE_SIZE,
  PREFIX,
  replyPromptScreen,
  Step,
} from "./screens.js";

export { incomingScreen } from "./screens.js";

/**
 * Support conversations: a customer's messages reach every admin with Reply and Close; the
 * admin's typed reply reaches the customer; `/support` lists the open conversations; closing
 * asks for confirmation and happens once. Replies and closes are in the audit log.
 */
export function supportGroup(deps: AdminDeps): AdminGroup {
  const { db } = deps;
  const logger = deps.logger.child({ group: FEATURE_NAME });
  const composer = new Composer<BotContext>();

  const showList = async (ctx: BotContext, offset: number) => {
    const { items, total } = await listOpenConversations(db, PAGE_SIZE, offset);
    await showScreen(ctx, listScreen(items, total, offset));
  };

  composer.command("support", (ctx) => showList(ctx, 0));

  composer.callbackQuery(prefixTrigger(PREFIX), async (ctx) => {
    const [step, raw] = callbackParts(ctx.match[1]);
    const n = Number(raw ?? 0);
    const value = Number.isSafeInteger(n) && n >= 0 ? n : 0;
    if (step === Step.list || step === undefined) {
      await answerCallback(ctx);
      await showList(ctx, value);
      return;
    }
    const conversation = await getConversation(db, value);
    if (!conversation) {
      await answerCallback(ctx);
      await showScreen(ctx, notFoundScreen(value));
      return;
    }
    const closed = conversation.status !== "open";
    if (step === Step.closeConfirmed) {
      const userId = await closeConversation(db, ctx.from.id, value);
      const now = (await getConversation(db, value)) ?? conversation;
      if (userId === undefined) {
        await answerCallback(ctx, { text: ctx.t("admin.support.already_closed") });
        await showScreen(ctx, conversationScreen(now));
        return;
      }
      await answerCallback(ctx);
      logger.info({ conversation_id: value, admin_id: ctx.from.id }, "support conversation closed");
      await showScreen(ctx, conversationScreen(now));
      await tell(ctx, userId, "support.chat.closed");
      return;
    }
    await answerCallback(
      ctx,
      closed && step !== Step.view ? { text: ctx.t("admin.support.already_closed") } : {},
    );
    if (closed || step === Step.view) {
      await showScreen(ctx, conversationScreen(conversation));
    } else if (step === Step.reply) {
      await showScreen(ctx, replyPromptScreen(conversation));
    } else {
      await showScreen(ctx, closeConfirmScreen(conversation));
    }
  });

  // The typed reply.
  composer.on("message:text", async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    await ctx.conversation.clearPrompt(ctx.from.id);
    const id = Number(prompt.data?.id);
    const result = await recordAdminReply(db, ctx.from.id, id, ctx.message.text);
    const conversation = await getConversation(db, id);
    if (!conversation) {
      await showScreen(ctx, notFoundScreen(id));
      return;
    }
    if (result.outcome === "invalid") {
      await showScreen(ctx, replyPromptScreen(conversation, true));
      return;
    }
    if (result.outcome !== "recorded") {
      await showScreen(
        ctx,
        conversationScreen(conversation, [{ key: "admin.support.already_closed" }]),
      );
      return;
    }
    let delivered = true;
    try {
      const locale = ctx.i18n.negotiate(await ctx.services.users.languageOf(result.userId));
      await ctx.api.sendMessage(
        result.userId,
        ctx.i18n.t(locale, "support.chat.reply", { body: ctx.message.text.trim() }),
        {
          parse_mode: "HTML",
          reply_markup: {
            inline_keyboard: [
              [
                {
                  text: ctx.i18n.t(locale, "support.chat.button_answer"),
                  callback_data: WRITE_DATA,
                },
              ],
            ],
          },
        },
      );
    } catch (err) {
      delivered = false;
      logger.warn(
        { conversation_id: id, err: toError(err).message },
        "support reply not delivered",
      );
    }
    logger.info({ conversation_id: id, admin_id: ctx.from.id, delivered }, "support reply sent");
    await showScreen(
      ctx,
      conversationScreen(conversation, [
        { key: delivered ? "admin.support.reply_sent" : "admin.support.reply_not_delivered" },
      ]),
    );
  });

  return {
    name: FEATURE_NAME,
    prefixes: [PREFIX],
    composer,
    entry: { label: "admin.support.entry", data: `${PREFIX}:${Step.list}:0` },
  };
}

async function tell(ctx: BotContext, userId: number, key: "support.chat.closed"): Promise<void> {
  try {
    const locale = ctx.i18n.negotiate(await ctx.services.users.languageOf(userId));
    await ctx.api.sendMessage(userId, ctx.i18n.t(locale, key), { parse_mode: "HTML" });
  } catch (err) {
    ctx.logger.warn({ user_id: userId, err: toError(err).message }, "customer not told");
  }
}
