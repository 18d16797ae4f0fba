import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../../bot/context.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import type { DbAccess } from "../../db/pool.js";
import { getUser } from "../../domain/customers/users.js";
import { recordCustomerMessage } from "../../domain/support/conversations.js";
import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";
import { renderScreen } from "../admin/render.js";
import { incomingScreen } from "../admin/support/index.js";
import { type Feature, prefixTrigger } from "../feature.js";
import { contactUrl } from "../info/screens.js";
import { MenuData } from "../menu/codec.js";
import {
  contactInsteadScreen,
  FEATURE_NAME,
  invalidScreen,
  PREFIX,
  sentScreen,
  unavailableScreen,
  WRITE_DATA,
  writeScreen,
} from "./screens.js";

export interface SupportDeps {
  db: DbAccess;
  /** Who gets the customers' messages (ADMIN_IDS). */
  adminIds: readonly number[];
  logger: Logger;
}

/** The support screen's buttons when support talks inside the bot: write, and the menu. */
export function writeToSupportKeyboard(ctx: BotContext): InlineKeyboard {
  return new InlineKeyboard()
    .text(ctx.t("support.chat.button_write"), WRITE_DATA)
    .row()
    .text(ctx.t("nav.menu"), MenuData.menu);
}

/**
 * "Write to support" (on the support screen): the customer's next messages reach every admin
 * with the customer's id and Reply / Close buttons, and are stored in their conversation. When
 * support is configured as a plain contact (a support contact is set) the customer is pointed
 * there instead.
 */
export function supportFeature(deps: SupportDeps): Feature {
  const logger = deps.logger.child({ feature: FEATURE_NAME });
  const composer = new Composer<BotContext>();

  composer.callbackQuery(prefixTrigger(PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const info = await ctx.services.info.info(ctx.customer());
    const contact = info.supportContact?.trim() || null;
    if (contact) {
      await showScreen(ctx, contactInsteadScreen(contact, contactUrl(contact)));
    } else if (deps.adminIds.length === 0) {
      await showScreen(ctx, unavailableScreen());
    } else {
      await showScreen(ctx, writeScreen());
    }
  });

  composer.on("message:text", async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    const userId = ctx.from.id;
    const body = ctx.message.text;
    const conversationId = await recordCustomerMessage(deps.db, userId, body);
    if (conversationId === undefined) {
      await showScreen(ctx, invalidScreen());
      return;
    }
    const user = await getUser(deps.db, userId);
    const screen = incomingScreen(conversationId, userId, user?.username ?? null, body.trim());
    let reached = 0;
    for (const adminId of deps.adminIds) {
      try {
        const locale = ctx.i18n.negotiate(await ctx.services.users.languageOf(adminId));
        const view = renderScreen(ctx.i18n, locale, screen);
        await ctx.api.sendMessage(adminId, view.text, {
          parse_mode: "HTML",
          reply_markup: view.markup,
        });
        reached++;
      } catch (err) {
        logger.warn(
          { conversation_id: conversationId, admin_id: adminId, err: toError(err).message },
          "support message not delivered to an admin",
        );
      }
    }
    logger.info(
      { conversation_id: conversationId, user_id: userId, admins_reached: reached },
      "support message received",
    );
    await showScreen(ctx, sentScreen());
  });

  return { name: FEATURE_NAME, prefixes: [PREFIX], composer };
}
