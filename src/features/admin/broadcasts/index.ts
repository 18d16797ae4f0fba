import { type CallbackQueryContext, Composer, GrammyError } from "grammy";
import { sendBroadcastMessage } from "../../../bot/broadcast-message.js";
import type { BotContext } from "../../../bot/context.js";
import type { FeaturePrompt, Screen } from "../../../bot/services.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import type { Db } from "../../../db/pool.js";
import {
  type BroadcastView,
  broadcastCounts,
  cancelBroadcast,
  confirmDraft,
  countSegment,
  createDraft,
  type DraftChange,
  discardDraft,
  getBroadcast,
  isSegment,
  messageOf,
  setProgressMessage,
  updateDraft,
} from "../../../domain/broadcasts/broadcasts.js";
import { LOCALES } from "../../../locales/index.js";
import type { Logger } from "../../../logger.js";
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

/** What the broadcast handlers share: the handler pool, the group's logger, the languages. */
interface BroadcastConsole {
  db: Db;
  logger: Logger;
  languages: string[];
}

/** A press on a broadcast's button: the broadcast as loaded, who pressed, the step and its value. */
interface Press {
  ctx: CallbackQueryContext<BotContext>;
  id: number;
  adminId: number;
  b: BroadcastView;
  step: string | undefined;
  value: string | undefined;
}

/** What the admin typed or sent for a prompt: the photo (if any), the raw text and as HTML. */
interface Typed {
  photo: string | null;
  raw: string;
  html: string;
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
  const c: BroadcastConsole = {
    db: deps.db,
    logger: deps.logger.child({ group: FEATURE_NAME }),
    languages: LOCALES.map((l) => l.code),
  };
  const composer = new Composer<BotContext>();

  composer.command("broadcast", (ctx) => showScreen(ctx, composeScreen()));

  composer.callbackQuery(prefixTrigger(PREFIX), async (ctx) => {
    await answerCallback(ctx);
    await onPress(c, ctx, callbackParts(ctx.match[1]));
  });

  // The typed parts: the text (or a photo with its caption), the button, variant B.
  composer.on(["message:text", "message:photo"], async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== FEATURE_NAME) return next();
    await ctx.conversation.clearPrompt(ctx.from.id);
    const message = ctx.message;
    const raw = message.text ?? message.caption ?? "";
    const typed: Typed = {
      photo: message.photo?.at(-1)?.file_id ?? null,
      raw,
      html: messageHtml(raw, message.entities ?? message.caption_entities),
    };
    await onTyped(c, ctx, ctx.from.id, prompt, typed);
  });

  return {
    name: FEATURE_NAME,
    prefixes: [PREFIX],
    composer,
    entry: { label: "admin.broadcasts.entry", data: PREFIX },
  };
}

async function showDraft(c: BroadcastConsole, ctx: BotContext, b: BroadcastView): Promise<void> {
  await showScreen(ctx, draftScreen(b, await countSegment(c.db, b.segment)));
}

/** The pressed broadcast as it is now (as loaded when it is gone meanwhile). */
async function reloaded(c: BroadcastConsole, p: Press): Promise<BroadcastView> {
  return (await getBroadcast(c.db, p.id)) ?? p.b;
}

/** `bc[:<id>:<step>[:<value>]]`: the compose screen, or a step on one broadcast. */
async function onPress(
  c: BroadcastConsole,
  ctx: CallbackQueryContext<BotContext>,
  [rawId, step, ...rest]: string[],
): Promise<void> {
  // A language segment has its own ":" ("lang:ru").
  const value = rest.length > 0 ? rest.join(":") : undefined;
  if (rawId === undefined) {
    await showScreen(ctx, composeScreen());
    return;
  }
  const id = Number(rawId);
  const adminId = ctx.from.id;
  const b = Number.isSafeInteger(id) ? await getBroadcast(c.db, id) : undefined;
  if (!b) {
    await showScreen(ctx, closedScreen(undefined, id));
    return;
  }
  const press: Press = { ctx, id, adminId, b, step, value };
  if (b.status !== "draft" || b.createdBy !== adminId) {
    await onStarted(c, press);
    return;
  }
  const handler = step === undefined ? undefined : DRAFT_STEPS.get(step);
  await (handler ?? ((c, p) => showDraft(c, p.ctx, p.b)))(c, press);
}

/** A running or ended broadcast (or another admin's draft): progress, cancel, or the summary. */
async function onStarted(c: BroadcastConsole, p: Press): Promise<void> {
  if (p.b.status === "running" && p.step === Step.cancel) {
    await replyScreen(p.ctx, cancelConfirmScreen(p.b));
    return;
  }
  if (p.b.status === "running" && p.step === Step.cancelConfirmed && (await cancelRunning(c, p))) {
    return;
  }
  const now = await reloaded(c, p);
  const counts = await broadcastCounts(c.db, p.id);
  const current = p.step === Step.refresh || p.step === undefined;
  if (now.status === "running" && current) {
    await showScreen(p.ctx, progressScreen(now, counts));
  } else if (now.status === "draft") {
    await showScreen(p.ctx, closedScreen(now, p.id));
  } else if (current) {
    await showScreen(p.ctx, summaryScreen(now, counts));
  } else {
    await showScreen(p.ctx, closedScreen(now, p.id));
  }
}

/** Cancels a running broadcast; its progress message becomes the summary. False: not cancelled. */
async function cancelRunning(c: BroadcastConsole, { ctx, id, adminId }: Press): Promise<boolean> {
  if (!(await cancelBroadcast(c.db, adminId, id))) return false;
  c.logger.info({ broadcast_id: id, admin_id: adminId }, "broadcast cancelled");
  if (ctx.callbackQuery.message) await ctx.deleteMessage().catch(() => undefined);
  await showSummary(
    { db: c.db, api: ctx.api, logger: c.logger },
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
  return true;
}

type DraftStep = (c: BroadcastConsole, p: Press) => Promise<void>;

/** Changes the draft, then shows it again. */
const change =
  (of: (p: Press) => DraftChange | undefined): DraftStep =>
  async (c, p) => {
    const changed = of(p);
    if (changed !== undefined) await updateDraft(c.db, p.adminId, p.id, changed);
    await showDraft(c, p.ctx, await reloaded(c, p));
  };

/** The steps on the admin's own draft (any other step shows the draft). */
const DRAFT_STEPS = new Map<string, DraftStep>([
  [Step.segments, (c, p) => showScreen(p.ctx, segmentsScreen(p.b, c.languages))],
  [
    Step.segment,
    change(({ value }) =>
      value !== undefined && isSegment(value) ? { segment: value } : undefined,
    ),
  ],
  [Step.button, async (_c, p) => showScreen(p.ctx, buttonPromptScreen(p.b))],
  [Step.noButton, change(() => ({ button: null }))],
  [Step.variantB, async (_c, p) => showScreen(p.ctx, variantPromptScreen(p.b))],
  [Step.noVariantB, change(() => ({ textB: null }))],
  [Step.preview, sendPreview],
  [Step.send, startSending],
  [Step.discard, discard],
]);

/** Sends the draft to the admin as customers get it (both variants), then asks to confirm. */
async function sendPreview(c: BroadcastConsole, { ctx, adminId, b }: Press): Promise<void> {
  try {
    await sendBroadcastMessage(ctx.api, adminId, messageOf(b, "a"));
    if (b.textB !== null) await sendBroadcastMessage(ctx.api, adminId, messageOf(b, "b"));
  } catch (err) {
    if (!(err instanceof GrammyError) || err.error_code !== 400) throw err;
    await replyScreen(
      ctx,
      draftScreen(b, await countSegment(c.db, b.segment), [
        { key: "admin.broadcasts.preview_failed", vars: { error: err.description } },
      ]),
    );
    return;
  }
  await replyScreen(ctx, confirmScreen(b, await countSegment(c.db, b.segment)));
}

/** The confirmation: starts the broadcast once; the pressed message becomes its progress. */
async function startSending(c: BroadcastConsole, p: Press): Promise<void> {
  const { ctx, id, adminId } = p;
  const started = await confirmDraft(c.db, adminId, id);
  const now = await reloaded(c, p);
  if (!started) {
    await showScreen(ctx, closedScreen(now, id));
    return;
  }
  c.logger.info(
    { broadcast_id: id, admin_id: adminId, recipients: started.recipients },
    "broadcast started",
  );
  await showScreen(ctx, progressScreen(now, await broadcastCounts(c.db, id)));
  const message = ctx.callbackQuery.message;
  if (message) await setProgressMessage(c.db, id, message.chat.id, message.message_id);
}

async function discard(c: BroadcastConsole, { ctx, id, adminId }: Press): Promise<void> {
  await discardDraft(c.db, adminId, id);
  await showScreen(ctx, {
    text: { key: "admin.broadcasts.discarded", vars: { id: String(id) } },
    buttons: [],
    noMenuButton: true,
  });
}

/** A typed answer: the text of a new draft, or a draft's button or variant B. */
async function onTyped(
  c: BroadcastConsole,
  ctx: BotContext,
  adminId: number,
  prompt: FeaturePrompt,
  typed: Typed,
): Promise<void> {
  if (prompt.step === "text") {
    await createFromText(c, ctx, adminId, typed);
    return;
  }
  const b = await getBroadcast(c.db, Number(prompt.data?.id));
  if (b?.status !== "draft" || b.createdBy !== adminId) {
    await showScreen(ctx, closedScreen(b, Number(prompt.data?.id)));
    return;
  }
  const changed =
    prompt.step === "button"
      ? await setButton(c, ctx, adminId, b, typed.raw)
      : await setVariantB(c, ctx, adminId, b, typed);
  if (!changed) return;
  const now = await getBroadcast(c.db, b.id);
  if (now) await showDraft(c, ctx, now);
}

async function createFromText(
  c: BroadcastConsole,
  ctx: BotContext,
  adminId: number,
  { photo, html }: Typed,
): Promise<void> {
  if (html.trim() === "" || html.length > (photo ? CAPTION_LIMIT : TEXT_LIMIT)) {
    await showScreen(ctx, composeScreen({ key: "admin.broadcasts.text_invalid" }));
    return;
  }
  const id = await createDraft(c.db, adminId, { text: html, photoFileId: photo });
  c.logger.info({ broadcast_id: id, admin_id: adminId }, "broadcast drafted");
  const b = await getBroadcast(c.db, id);
  if (b) await showDraft(c, ctx, b);
}

/** The typed URL button; false (and the question again) when it does not read as one. */
async function setButton(
  c: BroadcastConsole,
  ctx: BotContext,
  adminId: number,
  b: BroadcastView,
  raw: string,
): Promise<boolean> {
  const button = parseButton(raw);
  if (!button) {
    await showScreen(ctx, buttonPromptScreen(b, true));
    return false;
  }
  await updateDraft(c.db, adminId, b.id, { button });
  return true;
}

/** The typed variant B (text only, within the draft's limit); false when it is refused. */
async function setVariantB(
  c: BroadcastConsole,
  ctx: BotContext,
  adminId: number,
  b: BroadcastView,
  { photo, html }: Typed,
): Promise<boolean> {
  if (
    photo !== null ||
    html.trim() === "" ||
    html.length > (b.photoFileId ? CAPTION_LIMIT : TEXT_LIMIT)
  ) {
    await showScreen(ctx, variantPromptScreen(b, { key: "admin.broadcasts.text_invalid" }));
    return false;
  }
  await updateDraft(c.db, adminId, b.id, { textB: html });
  return true;
}
