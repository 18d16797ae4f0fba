import { Composer, InputFile } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { writeAuditOnce } from "../../../domain/audit.js";
import { toError } from "../../../util/errors.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import { CONFIRMATION_TOKEN, newConfirmationToken } from "../confirmation.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import {
  confirmExportScreen,
  EXPORTS_DATA,
  EXPORTS_PREFIX,
  exportResultScreen,
  exportsScreen,
  isExportKind,
} from "./screen.js";
import { csvExport, EXPORT_PAGE_ROWS, type ExportKind, exportFileName } from "./stream.js";

/**
 * Exports (`/export` and its home button): customers, subscriptions or payments as a CSV
 * document, streamed from the database page by page into the upload. Each export is confirmed
 * with a single-use button and written to the audit log before it starts.
 */
export function exportsGroup(deps: AdminDeps, pageRows: number = EXPORT_PAGE_ROWS): AdminGroup {
  const composer = new Composer<BotContext>();
  composer.command("export", (ctx) => showScreen(ctx, exportsScreen()));
  composer.callbackQuery(prefixTrigger(EXPORTS_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const [step, kind, token] = callbackParts(ctx.match[1]);
    if (step === undefined) return showScreen(ctx, exportsScreen());
    if (step === "k" && isExportKind(kind)) {
      return showScreen(ctx, confirmExportScreen(kind, newConfirmationToken()));
    }
    if (step === "go" && isExportKind(kind) && CONFIRMATION_TOKEN.test(token ?? "")) {
      return runExport(deps, ctx, kind, token ?? "", pageRows);
    }
    ctx.logger.warn({ data: ctx.callbackQuery.data }, "unknown exports button");
  });
  return {
    name: "admin.exports",
    prefixes: [EXPORTS_PREFIX],
    composer,
    entry: { label: "admin.exports.entry", data: EXPORTS_DATA },
  };
}

async function runExport(
  deps: AdminDeps,
  ctx: BotContext,
  kind: ExportKind,
  token: string,
  pageRows: number,
): Promise<void> {
  const adminId = ctx.from?.id ?? 0;
  const fresh = await deps.db.tx("console_export_audit", (c) =>
    writeAuditOnce(c, { actorId: adminId, action: `export.${kind}`, details: { kind } }, token),
  );
  if (!fresh) {
    await showScreen(ctx, exportResultScreen(kind, "used"));
    return;
  }
  const at = new Date();
  const started = performance.now();
  const csv = csvExport(deps.db, kind, pageRows);
  try {
    await ctx.replyWithDocument(new InputFile(csv.chunks, exportFileName(kind, at)), {
      caption: ctx.t("admin.exports.caption", { kind, at }),
      parse_mode: "HTML",
    });
  } catch (err) {
    const error = toError(err).message;
    deps.logger.warn(
      { admin_id: adminId, kind, rows: csv.rows(), err: error },
      "console: export not sent",
    );
    await showScreen(ctx, exportResultScreen(kind, { error }));
    return;
  }
  deps.logger.info(
    {
      admin_id: adminId,
      kind,
      rows: csv.rows(),
      duration_ms: Math.round(performance.now() - started),
    },
    "console: export sent",
  );
  await showScreen(ctx, exportResultScreen(kind, { rows: csv.rows() }));
}
