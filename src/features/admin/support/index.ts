import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import type { Db } from "../../../db/pool.js";
import {
  type ConversationView,
  closeConversation,
  getConversation,
  listOpenConversations,
  recordAdminReply,
} from "../../../domain/support/conversations.js";
import type { Logger } from "../../../logger.js";
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

/** What the support handlers share: the handler pool and the group's logger. */
interface SupportConsole {
  db: Db;
  logger: Logger;
}

/**
 * Support conversations: a customer's messages reach every admin with Reply and Close; the
 * admin's typed reply reaches the customer; `/support` lists the open conversations; closing
 * asks for confirmation and happens once. Replies and closes are in the audit log.
 */
export function supportGroup(deps: AdminDeps): AdminGroup {
  const c: SupportConsole = { db: deps.db, logger: deps.logger.child({ group: FEATURE_NAME }) };
  const composer = new Composer<BotContext>();

  composer.command("support", (ctx) => showList(c, ctx, 0));

  composer.callbackQuery(prefixTrigger(PREFIX), (ctx) =>
    onPress(c, ctx, ctx.from.id, callbackParts(ctx.match[1])),
  );

  // The typed reply.
  composer.on("message:text", async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    await ctx.conversation.clearPrompt(ctx.from.id);
    await onReply(c, ctx, ctx.from.id, Number(prompt.data?.id), ctx.message.text);
  });

  return {
    name: FEATURE_NAME,
    prefixes: [PREFIX],
    composer,
    entry: { label: "admin.support.entry", data: `${PREFIX}:${Step.list}:0` },
  };
}

async function showList(c: SupportConsole, ctx: BotContext, offset: number): Promise<void> {
  const { items, total } = await listOpenConversations(c.db, PAGE_SIZE, offset);
  await showScreen(ctx, listScreen(items, total, offset));
}

/** `sps:<step>:<n>`: the list from offset n, or a step on conversation n. */
async function onPress(
  c: SupportConsole,
  ctx: BotContext,
  adminId: number,
  [step, raw]: string[],
): Promise<void> {
  const n = Number(raw ?? 0);
  const value = Number.isSafeInteger(n) && n >= 0 ? n : 0;
  if (step === Step.list || step === undefined) {
    await answerCallback(ctx);
    await showList(c, ctx, value);
    return;
  }
  const conversation = await getConversation(c.db, value);
  if (!conversation) {
    await answerCallback(ctx);
    await showScreen(ctx, notFoundScreen(value));
    return;
  }
  if (step === Step.closeConfirmed) {
    await closeOnce(c, ctx, adminId, value, conversation);
    return;
  }
  const closed = conversation.status !== "open";
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
}

/** The confirmed close: happens once; the customer is told; a second press says it already was. */
async function closeOnce(
  c: SupportConsole,
  ctx: BotContext,
  adminId: number,
  id: number,
  conversation: ConversationView,
): Promise<void> {
  const userId = await closeConversation(c.db, adminId, id);
  const now = (await getConversation(c.db, id)) ?? conversation;
  if (userId === undefined) {
    await answerCallback(ctx, { text: ctx.t("admin.support.already_closed") });
    await showScreen(ctx, conversationScreen(now));
    return;
  }
  await answerCallback(ctx);
  c.logger.info({ conversation_id: id, admin_id: adminId }, "support conversation closed");
  await showScreen(ctx, conversationScreen(now));
  await tell(ctx, userId, "support.chat.closed");
}

/** The admin's typed reply to conversation `id`: kept, sent to the customer, and how it went. */
async function onReply(
  c: SupportConsole,
  ctx: BotContext,
  adminId: number,
  id: number,
  text: string,
): Promise<void> {
  const result = await recordAdminReply(c.db, adminId, id, text);
  const conversation = await getConversation(c.db, id);
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
  const delivered = await sendReply(c, ctx, id, result.userId, text.trim());
  c.logger.info({ conversation_id: id, admin_id: adminId, delivered }, "support reply sent");
  await showScreen(
    ctx,
    conversationScreen(conversation, [
      { key: delivered ? "admin.support.reply_sent" : "admin.support.reply_not_delivered" },
    ]),
  );
}

/** The reply in the customer's chat, with a button to answer it; false when it did not arrive. */
async function sendReply(
  c: SupportConsole,
  ctx: BotContext,
  id: number,
  userId: number,
  body: string,
): Promise<boolean> {
  try {
    const locale = ctx.i18n.negotiate(await ctx.services.users.languageOf(userId));
    await ctx.api.sendMessage(userId, ctx.i18n.t(locale, "support.chat.reply", { body }), {
      parse_mode: "HTML",
      reply_markup: {
        inline_keyboard: [
          [{ text: ctx.i18n.t(locale, "support.chat.button_answer"), callback_data: WRITE_DATA }],
        ],
      },
    });
    return true;
  } catch (err) {
    c.logger.warn(
      { conversation_id: id, err: toError(err).message },
      "support reply not delivered",
    );
    return false;
  }
}

async function tell(ctx: BotContext, userId: number, key: "support.chat.closed"): Promise<void> {
  try {
    const locale = ctx.i18n.negotiate(await ctx.services.users.languageOf(userId));
    await ctx.api.sendMessage(userId, ctx.i18n.t(locale, key), { parse_mode: "HTML" });
  } catch (err) {
    ctx.logger.warn({ user_id: userId, err: toError(err).message }, "customer not told");
  }
}
