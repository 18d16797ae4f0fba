import type { MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import type { AuditFilter, AuditPage, AuditRow } from "../../../domain/audit.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";

export const AUDIT_PREFIX = "aau";
/** Entries per page. */
export const AUDIT_PAGE_SIZE = 10;
/** Details longer than this are cut (with "…"). */
const DETAILS_MAX = 200;

const FILTER_CODE = { all: "a", admin: "m", customer: "c" } as const;

/** Callback data of a page: the filter and the id the page starts below (0: newest). */
export function auditPageData(filter: AuditFilter, beforeId: number | undefined): string {
  return callbackData(
    AUDIT_PREFIX,
    FILTER_CODE[filter.kind],
    filter.kind === "all" ? 0 : filter.id,
    beforeId ?? 0,
  );
}

/** The filter and page start of `auditPageData` parts; undefined for anything else. */
export function parseAuditPage(
  parts: readonly string[],
): { filter: AuditFilter; beforeId: number | undefined } | undefined {
  const [code, idText, beforeText] = parts;
  if (parts.length !== 3 || !/^\d+$/.test(idText ?? "") || !/^\d+$/.test(beforeText ?? "")) {
    return undefined;
  }
  const id = Number(idText);
  const before = Number(beforeText);
  const beforeId = before === 0 ? undefined : before;
  if (code === "a") return { filter: { kind: "all" }, beforeId };
  if (code === "m" && id > 0) return { filter: { kind: "admin", id }, beforeId };
  if (code === "c" && id > 0) return { filter: { kind: "customer", id }, beforeId };
  return undefined;
}

/**
 * `/audit` arguments: none (everything), `<id>` (by that admin when it is one, else about that
 * customer), `admin <id>`, `user <id>`; undefined when they mean nothing.
 */
export function parseAuditCommand(
  args: string,
  adminIds: readonly number[],
): AuditFilter | undefined {
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { kind: "all" };
  const idWord = words.at(-1) ?? "";
  if (!/^\d{1,15}$/.test(idWord) || Number(idWord) <= 0) return undefined;
  const id = Number(idWord);
  if (words.length === 1) {
    return adminIds.includes(id) ? { kind: "admin", id } : { kind: "customer", id };
  }
  if (words.length === 2 && words[0] === "admin") return { kind: "admin", id };
  if (words.length === 2 && (words[0] === "user" || words[0] === "customer")) {
    return { kind: "customer", id };
  }
  return undefined;
}

/** Pure: one page of the audit log. */
export function auditScreen(
  filter: AuditFilter,
  beforeId: number | undefined,
  page: AuditPage,
): Screen {
  const title: MessageRef =
    filter.kind === "all"
      ? { key: "admin.audit.title_all" }
      : filter.kind === "admin"
        ? { key: "admin.audit.title_admin", vars: { id: filter.id } }
        : { key: "admin.audit.title_customer", vars: { id: filter.id } };
  const lines =
    page.rows.length === 0 ? [{ key: "admin.audit.empty" } as MessageRef] : page.rows.map(line);
  const nav: ScreenButton[] = [];
  if (page.olderThan !== undefined) {
    nav.push({
      label: { key: "admin.audit.older" },
      callbackData: auditPageData(filter, page.olderThan),
    });
  }
  if (beforeId !== undefined) {
    nav.push({
      label: { key: "admin.audit.newest" },
      callbackData: auditPageData(filter, undefined),
    });
  }
  const buttons: ScreenButton[][] = nav.length > 0 ? [nav] : [];
  buttons.push([{ label: { key: "admin.home.back" }, callbackData: HOME_DATA }]);
  return { text: [title, ...lines], buttons, noMenuButton: true };
}

function line(row: AuditRow): MessageRef {
  const { confirmation: _token, ...details } = row.details;
  const text = Object.keys(details).length === 0 ? "" : JSON.stringify(details);
  return {
    key: "admin.audit.line",
    vars: {
      id: row.id,
      at: row.createdAt,
      actor: row.actorId === null ? "system" : String(row.actorId),
      action: row.action,
      target: row.targetUserId === null ? "none" : String(row.targetUserId),
      details:
        text === ""
          ? ""
          : {
              msg: "admin.audit.details",
              vars: {
                text: text.length > DETAILS_MAX ? `${text.slice(0, DETAILS_MAX - 1)}…` : text,
              },
            },
    },
  };
}
