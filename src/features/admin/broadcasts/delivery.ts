import type { Api } from "grammy";
import { isNotModified } from "../../../bot/ui.js";
import type { DbAccess } from "../../../db/pool.js";
import {
  type BroadcastReport,
  broadcastCounts,
  getBroadcast,
} from "../../../domain/broadcasts/broadcasts.js";
import { languageOf } from "../../../domain/customers/users.js";
import { I18n, LOCALES } from "../../../locales/index.js";
import type { Logger } from "../../../logger.js";
import { toError } from "../../../util/errors.js";
import { renderScreen } from "../render.js";
import { progressScreen, summaryScreen } from "./screens.js";

export interface BroadcastConsole {
  /** Edits the broadcast's progress message with the counts so far. */
  progress(broadcastId: number): Promise<void>;
  /** A broadcast ended: its progress message shows the summary, also sent to its creator. */
  report(report: BroadcastReport): Promise<void>;
}

/**
 * What the console shows of a broadcast while the sender works: the progress message (one
 * message, edited) and the final summary, in the creator's language.
 */
export function broadcastConsole(deps: {
  db: DbAccess;
  api: Api;
  logger: Logger;
  i18n?: I18n;
}): BroadcastConsole {
  const i18n = deps.i18n ?? new I18n(LOCALES);
  const localeOf = async (userId: number) =>
    i18n.negotiate(await languageOf(deps.db, userId).catch(() => null));

  const edit = async (chatId: number, messageId: number, view: ReturnType<typeof renderScreen>) => {
    try {
      await deps.api.editMessageText(chatId, messageId, view.text, {
        parse_mode: "HTML",
        reply_markup: view.markup,
      });
    } catch (err) {
      if (!isNotModified(err)) throw err;
    }
  };

  return {
    async progress(broadcastId) {
      const b = await getBroadcast(deps.db, broadcastId);
      if (!b?.progress || b.status !== "running") return;
      const counts = await broadcastCounts(deps.db, broadcastId);
      const view = renderScreen(i18n, await localeOf(b.createdBy), progressScreen(b, counts));
      await edit(b.progress.chatId, b.progress.messageId, view);
    },
    async report(report) {
      await showSummary(deps, i18n, report.broadcastId, localeOf, edit);
    },
  };
}

/** The summary on the progress message and as a new message to the creator. */
export async function showSummary(
  deps: { db: DbAccess; api: Api; logger: Logger },
  i18n: I18n,
  broadcastId: number,
  localeOf: (userId: number) => Promise<string>,
  edit: (chatId: number, messageId: number, view: ReturnType<typeof renderScreen>) => Promise<void>,
): Promise<void> {
  const b = await getBroadcast(deps.db, broadcastId);
  if (!b) return;
  const counts = await broadcastCounts(deps.db, broadcastId);
  const view = renderScreen(i18n, await localeOf(b.createdBy), summaryScreen(b, counts));
  if (b.progress) {
    await edit(b.progress.chatId, b.progress.messageId, view).catch((err) =>
      deps.logger.warn(
        { broadcast_id: broadcastId, err: toError(err).message },
        "broadcast progress message not updated",
      ),
    );
  }
  await deps.api.sendMessage(b.createdBy, view.text, { parse_mode: "HTML" });
  deps.logger.info(
    { broadcast_id: broadcastId, status: b.status, counts: counts.byStatus },
    "broadcast summary sent",
  );
}
