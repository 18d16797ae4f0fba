import { Composer, GrammyError } from "grammy";
import { sendBroadcastMessage } from "../../../bot/broadcast-message.js";
import type { BotContext } from "../../../bot/context.js";
import type { Screen } from "../../../bot/services.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import {
  type BroadcastView,
  broadcastCounts,
  cancelBroadcast,
  confirmDraft,
  countSegment,
  createDraft,
  discardDraft,
  getBroadcast,
  isSegment,
  messageOf,
  setProgressMessage,
  updateDraft,
} from "../../../domain/broadcasts/broadcasts.js";
import { LOCALES } from "../../../locales/index.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import { renderScreen } from "../render.js";
import { showSummary } from "./delivery.js";
import { messageHtml } from "./html.js";
import {
  buttonPromptScreen,
  CAPTION_LIMIT,
  cancelConfirmScreen,
  closedScreen,
  composeScreen,
  confirmScreen,
  draftScreen,
  FEATURE_NAME,
  PREFIX,
  parseButton,
  progressScreen,
  Step,
  segmentsScreen,
  summaryScreen,
  TEXT_LIMIT,
  variantPromptScreen,
} from "./screens.js";

export { broadcastConsole } from "./delivery.js";

/** Sends `screen` as a new message (below a preview, say) instead of editing the pressed one. */
async function replyScreen(ctx: BotContext, screen: Screen): Promise<void> {
  const view = renderScreen(ctx.i18n, ctx.locale, screen);
  await ctx.reply(view.text, { parse_mode: "HTML", reply_markup: view.markup });
}

/**
 * Broadcasts (`/broadcast`, 📣 on the home screen): compose (text with Telegram formatting or
 * a photo with a caption, one URL button, an optional variant B), choose the segment, preview
 * it exactly as customers get it with the recipient count, and confirm — the confirmation
 * starts it once (the draft's draft → running). The durable sender (src/workers/broadcast.ts)
 * sends it; its progress message is edited while it runs, has a cancel button, and ends with
 * the summary.
 */
export function broadcastsGroup(deps: AdminDeps): AdminGroup {
  const { db } = deps;
  const logger = deps.logger.child({ group: FEATURE_NAME });
  const composer = new Composer<BotContext>();
  const languages = LOCALES.map((l) => l.code);

  const showDraft = async (ctx: BotContext, b: BroadcastView) =>
    showScreen(ctx, draftScreen(b, await countSegment(db, b.segment)));
  const reload = async (id: number) => getBroadcast(db, id);

  composer.command("broadcast", (ctx) => showScreen(ctx, composeScreen()));

  composer.callbackQuery(prefixTrigger(PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const [rawId, step, ...rest] = callbackParts(ctx.match[1]);
    // A language segment has its own ":" ("lang:ru").
    const value = rest.length > 0 ? rest.join(":") : undefined;
    if (rawId === undefined) {
      await showScreen(ctx, composeScreen());
      return;
    }
    const id = Number(rawId);
    const adminId = ctx.from.id;
    const b = Number.isSafeInteger(id) ? await getBroadcast(db, id) : undefined;
    if (!b) {
      await showScreen(ctx, closedScreen(undefined, id));
      return;
    }

    // A running or ended broadcast: its progress, the cancel question, or the summary.
    if (b.status !== "draft" || b.createdBy !== adminId) {
      if (b.status === "running" && step === Step.cancel) {
        await replyScreen(ctx, cancelConfirmScreen(b));
        return;
      }
      if (b.status === "running" && step === Step.cancelConfirmed) {
        if (await cancelBroadcast(db, adminId, id)) {
          logger.info({ broadcast_id: id, admin_id: adminId }, "broadcast cancelled");
          if (ctx.callbackQuery.message) await ctx.deleteMessage().catch(() => undefined);
          await showSummary(
            { db, api: ctx.api, logger },
            ctx.i18n,
            id,
            async () => ctx.locale,
            async (chatId, messageId, view) => {
              await ctx.api.editMessageText(chatId, messageId, view.text, {
                parse_mode: "HTML",
                reply_markup: view.markup,
              });
            },
          );
          return;
        }
      }
      const now = (await reload(id)) ?? b;
      const counts = await broadcastCounts(db, id);
      if (now.status === "running" && (step === Step.refresh || step === undefined)) {
        await showScreen(ctx, progressScreen(now, counts));
      } else if (now.status === "draft") {
        await showScreen(ctx, closedScreen(now, id));
      } else if (step === Step.refresh || step === undefined) {
        await showScreen(ctx, summaryScreen(now, counts));
      } else {
        await showScreen(ctx, closedScreen(now, id));
      }
      return;
    }

    switch (step) {
      case Step.segments:
        await showScreen(ctx, segmentsScreen(b, languages));
        return;
      case Step.segment:
        if (value !== undefined && isSegment(value)) {
          await updateDraft(db, adminId, id, { segment: value });
        }
        await showDraft(ctx, (await reload(id)) ?? b);
        return;
      case Step.button:
        await showScreen(ctx, buttonPromptScreen(b));
        return;
      case Step.noButton:
        await updateDraft(db, adminId, id, { button: null });
        await showDraft(ctx, (await reload(id)) ?? b);
        return;
      case Step.variantB:
        await showScreen(ctx, variantPromptScreen(b));
        return;
      case Step.noVariantB:
        await updateDraft(db, adminId, id, { textB: null });
        await showDraft(ctx, (await reload(id)) ?? b);
        return;
      case Step.preview: {
        try {
          await sendBroadcastMessage(ctx.api, adminId, messageOf(b, "a"));
          if (b.textB !== null) await sendBroadcastMessage(ctx.api, adminId, messageOf(b, "b"));
        } catch (err) {
          if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
          await replyScreen(
            ctx,
            draftScreen(b, await countSegment(db, b.segment), [
              { key: "admin.broadcasts.preview_failed", vars: { error: err.description } },
            ]),
          );
          return;
        }
        await replyScreen(ctx, confirmScreen(b, await countSegment(db, b.segment)));
        return;
      }
      case Step.send: {
        const started = await confirmDraft(db, adminId, id);
        const now = (await reload(id)) ?? b;
        if (!started) {
          await showScreen(ctx, closedScreen(now, id));
          return;
        }
        logger.info(
          { broadcast_id: id, admin_id: adminId, recipients: started.recipients },
          "broadcast started",
        );
        await showScreen(ctx, progressScreen(now, await broadcastCounts(db, id)));
        const message = ctx.callbackQuery.message;
        if (message) await setProgressMessage(db, id, message.chat.id, message.message_id);
        return;
      }
      case Step.discard:
        await discardDraft(db, adminId, id);
        await showScreen(ctx, {
          text: { key: "admin.broadcasts.discarded", vars: { id: String(id) } },
          buttons: [],
          noMenuButton: true,
        });
        return;
      default:
        await showDraft(ctx, b);
    }
  });

  // The typed parts: the text (or a photo with its caption), the button, variant B.
  composer.on(["message:text", "message:photo"], async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    await ctx.conversation.clearPrompt(ctx.from.id);
    const adminId = ctx.from.id;
    const message = ctx.message;
    const photo = message.photo?.at(-1)?.file_id ?? null;
    const raw = message.text ?? message.caption ?? "";
    const html = messageHtml(raw, message.entities ?? message.caption_entities);

    if (prompt.step === "text") {
      if (html.trim() === "" || html.length > (photo ? CAPTION_LIMIT : TEXT_LIMIT)) {
        await showScreen(ctx, composeScreen({ key: "admin.broadcasts.text_invalid" }));
        return;
      }
      const id = await createDraft(db, adminId, { text: html, photoFileId: photo });
      logger.info({ broadcast_id: id, admin_id: adminId }, "broadcast drafted");
      const b = await getBroadcast(db, id);
      if (b) await showDraft(ctx, b);
      return;
    }
    const b = await getBroadcast(db, Number(prompt.data?.id));
    if (b?.status !== "draft" || b.createdBy !== adminId) {
      await showScreen(ctx, closedScreen(b, Number(prompt.data?.id)));
      return;
    }
    if (prompt.step === "button") {
      const button = parseButton(raw);
      if (!button) {
        await showScreen(ctx, buttonPromptScreen(b, true));
        return;
      }
      await updateDraft(db, adminId, b.id, { button });
    } else {
      if (
        photo !== null ||
        html.trim() === "" ||
        html.length > (b.photoFileId ? CAPTION_LIMIT : TEXT_LIMIT)
      ) {
        await showScreen(ctx, variantPromptScreen(b, { key: "admin.broadcasts.text_invalid" }));
        return;
      }
      await updateDraft(db, adminId, b.id, { textB: html });
    }
    const now = await getBroadcast(db, b.id);
    if (now) await showDraft(ctx, now);
  });

  return {
    name: FEATURE_NAME,
    prefixes: [PREFIX],
    composer,
    entry: { label: "admin.broadcasts.entry", data: PREFIX },
  };
}
