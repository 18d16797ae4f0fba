import type { MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { EXPORT_KINDS, type ExportKind } from "./stream.js";

export const EXPORTS_PREFIX = "aex";
/** The exports menu (the group's home button). */
export const EXPORTS_DATA = callbackData(EXPORTS_PREFIX);

const chooseExportData = (kind: ExportKind) => callbackData(EXPORTS_PREFIX, "k", kind);
const confirmExportData = (kind: ExportKind, token: string) =>
  callbackData(EXPORTS_PREFIX, "go", kind, token);

export function isExportKind(text: string | undefined): text is ExportKind {
  return EXPORT_KINDS.includes(text as ExportKind);
}

const back: ScreenButton[] = [{ label: { key: "admin.exports.back" }, callbackData: EXPORTS_DATA }];

/** Pure: the exports menu, one button per table. */
export function exportsScreen(): Screen {
  return {
    text: { key: "admin.exports.title" },
    buttons: [
      EXPORT_KINDS.map((kind) => ({
        label: { key: "admin.exports.kind", vars: { kind } },
        callbackData: chooseExportData(kind),
      })),
      [{ label: { key: "admin.home.back" }, callbackData: HOME_DATA }],
    ],
    noMenuButton: true,
  };
}

/** Pure: "export all …?" with a single-use confirm button. */
export function confirmExportScreen(kind: ExportKind, token: string): Screen {
  return {
    text: { key: "admin.exports.confirm", vars: { kind } },
    buttons: [
      [
        {
          label: { key: "admin.exports.button_confirm" },
          callbackData: confirmExportData(kind, token),
        },
      ],
      back,
    ],
    noMenuButton: true,
  };
}

/** Pure: after the upload — how many rows went out, or why it failed, or that it was done. */
export function exportResultScreen(
  kind: ExportKind,
  result: { rows: number } | { error: string } | "used",
): Screen {
  const text: MessageRef =
    result === "used"
      ? { key: "admin.exports.used" }
      : "rows" in result
        ? { key: "admin.exports.done", vars: { kind, rows: result.rows } }
        : { key: "admin.exports.failed", vars: { error: result.error } };
  return { text, buttons: [back], noMenuButton: true };
}
