import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { type AuditFilter, listAudit } from "../../../domain/audit.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import {
  AUDIT_PAGE_SIZE,
  AUDIT_PREFIX,
  auditPageData,
  auditScreen,
  parseAuditCommand,
  parseAuditPage,
} from "./screen.js";

/** The audit log: `/audit [<id> | admin <id> | user <id>]` and its home button; paged. */
export function auditGroup(deps: AdminDeps): AdminGroup {
  const composer = new Composer<BotContext>();
  const show = async (ctx: BotContext, filter: AuditFilter, beforeId: number | undefined) => {
    const page = await listAudit(deps.db, filter, beforeId, AUDIT_PAGE_SIZE);
    await showScreen(ctx, auditScreen(filter, beforeId, page));
  };
  composer.command("audit", async (ctx) => {
    const filter = parseAuditCommand(ctx.match, deps.config.bot.adminIds);
    if (!filter) {
      await showScreen(ctx, { text: { key: "admin.audit.usage" }, noMenuButton: true });
      return;
    }
    await show(ctx, filter, undefined);
  });
  composer.callbackQuery(prefixTrigger(AUDIT_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const page = parseAuditPage(callbackParts(ctx.match[1]));
    if (!page) {
      ctx.logger.warn({ data: ctx.callbackQuery.data }, "unknown audit log button");
      return;
    }
    await show(ctx, page.filter, page.beforeId);
  });
  return {
    name: "admin.audit",
    prefixes: [AUDIT_PREFIX],
    composer,
    entry: { label: "admin.audit.entry", data: auditPageData({ kind: "all" }, undefined) },
  };
}
