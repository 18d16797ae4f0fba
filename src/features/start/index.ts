import { Composer } from "grammy";
import type { User } from "grammy/types";
import type { BotContext } from "../../bot/context.js";
import { paragraphs, show } from "../../bot/ui.js";
import { toError } from "../../util/errors.js";
import type { Feature } from "../feature.js";
import { languageKeyboard } from "../language/screens.js";
import { menuView } from "../menu/screens.js";

const REFERRAL_PAYLOAD = /^ref_(\d{1,15})$/;

/** The referrer's id from a `/start ref_<telegram_id>` deep link (never the customer self). */
export function referrerFromPayload(payload: string, selfId: number): number | undefined {
  const match = REFERRAL_PAYLOAD.exec(payload.trim());
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 && id !== selfId ? id : undefined;
}

/**
 * /start: registers the customer (attaching a referrer from a deep link once), tells the
 * referrer, and then either asks a first-time customer for a language or shows the menu.
 * Any other first message (text, /profile…) from someone with no language chosen — a newcomer —
 * starts the same first-contact flow: registration and the language choice, then the welcome
 * with the trial offer.
 *
 * /start and a newcomer's first message: commands only, no buttons of its own.
 */
export function startFeature(): Feature {
  const feature = new Composer<BotContext>();

  const privateChat = feature.chatType("private");
  privateChat.command("start", (ctx) => firstContact(ctx, ctx.match));
  privateChat.on("message", async (ctx, next) => {
    if (ctx.chosenLanguage !== null || ctx.message.successful_payment) return next();
    ctx.logger.info("first contact without /start");
    await firstContact(ctx, "");
  });

  return { name: "start", prefixes: [], composer: feature };
}

/** What /start does: register, then the language choice (first time) or the menu. */
async function firstContact(ctx: BotContext & { from: User }, payload: string): Promise<void> {
  const from = ctx.from;
  const referrerTelegramId = referrerFromPayload(payload, from.id);
  const registration = await ctx.services.users.registerOnStart({
    telegramId: from.id,
    username: from.username ?? null,
    firstName: from.first_name ?? null,
    languageCode: from.language_code ?? null,
    ...(referrerTelegramId === undefined ? {} : { referrerTelegramId }),
  });
  ctx.logger.info(
    {
      is_new: registration.isNew,
      referrer_attached: registration.referrerAttached,
      has_language: registration.language !== null,
    },
    "customer started the bot",
  );

  const chosen = ctx.i18n.match(registration.language);
  if (chosen === undefined) {
    // First time (or no language chosen yet): ask, in the language Telegram suggests.
    await ctx.reply(
      paragraphs(
        registration.referrerAttached ? ctx.t("start.invited") : null,
        ctx.t("language.prompt"),
      ),
      { parse_mode: "HTML", reply_markup: languageKeyboard(ctx, "first") },
    );
  } else {
    ctx.locale = chosen;
    const name = from.first_name || from.username || "";
    const lead = registration.isNew
      ? paragraphs(
          ctx.t("start.welcome", { name, bot: ctx.me.first_name }),
          registration.referrerAttached ? ctx.t("start.invited") : null,
        )
      : ctx.t("start.welcome_back", { name });
    await show(ctx, await menuView(ctx, lead, { trialEligible: registration.trialEligible }));
  }

  const referrer = registration.referrerAttached
    ? (registration.referrerTelegramId ?? referrerTelegramId)
    : undefined;
  if (referrer !== undefined) await tellReferrer(ctx, referrer);
}

/** Best effort: the new customer's start must not fail because the referrer blocked the bot. */
async function tellReferrer(ctx: BotContext, referrerId: number): Promise<void> {
  try {
    const language = ctx.i18n.negotiate(await ctx.services.users.languageOf(referrerId));
    await ctx.api.sendMessage(referrerId, ctx.i18n.t(language, "referral.new_invitee"), {
      parse_mode: "HTML",
    });
  } catch (err) {
    ctx.logger.warn(
      { referrer_id: referrerId, err: toError(err).message },
      "could not tell the referrer about a new invitee",
    );
  }
}
