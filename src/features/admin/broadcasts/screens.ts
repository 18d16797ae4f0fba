import type { FeaturePrompt, MessageRef, Screen, ScreenButton } from "../../../bot/services.js";
import {
  type BroadcastCounts,
  type BroadcastView,
  SEGMENTS,
  type Segment,
} from "../../../domain/broadcasts/broadcasts.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton as button } from "../ui.js";

/** Everything of the broadcasts group: `bc` (new), `bc:<id>[:<step>[:<value>]]`. */
export const PREFIX = "bc";
export const FEATURE_NAME = "admin.broadcasts";
/** Telegram's limits: a message's text, a photo's caption. */
export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

export const Step = {
  segments: "seg",
  segment: "s",
  button: "btn",
  noButton: "btn0",
  variantB: "b",
  noVariantB: "b0",
  preview: "p",
  send: "go",
  discard: "del",
  cancel: "x",
  cancelConfirmed: "xy",
  refresh: "r",
} as const;

export type PromptStep = "text" | "button" | "b";

function prompt(step: PromptStep, id?: number): FeaturePrompt {
  return {
    kind: "feature",
    feature: FEATURE_NAME,
    step,
    ...(id === undefined ? {} : { data: { id } }),
  };
}

const at = (id: number, step: string, value?: string) =>
  value === undefined ? callbackData(PREFIX, id, step) : callbackData(PREFIX, id, step, value);

/** A segment's name (a language segment names its language code). */
function segmentRef(segment: Segment): MessageRef {
  if (segment.startsWith("lang:")) {
    return { key: "admin.broadcasts.segment_language", vars: { code: segment.slice(5) } };
  }
  return { key: "admin.broadcasts.segment", vars: { segment } };
}

/** Asks for the broadcast's text (or a photo with a caption). */
export function composeScreen(invalid?: MessageRef): Screen {
  return {
    text: [...(invalid ? [invalid] : []), { key: "admin.broadcasts.compose" }],
    buttons: [[button("admin.broadcasts.button_home", HOME_DATA)]],
    noMenuButton: true,
    awaitInput: prompt("text"),
  };
}

/** The draft with what can still be changed before the preview. */
export function draftScreen(
  b: BroadcastView,
  recipients: number,
  notes: MessageRef[] = [],
): Screen {
  return {
    text: [
      ...notes,
      {
        key: "admin.broadcasts.draft",
        vars: {
          id: String(b.id),
          segment: { msg: segmentRef(b.segment).key, vars: segmentRef(b.segment).vars ?? {} },
          recipients,
          photo: b.photoFileId ? "yes" : "no",
          button: b.button ? `${b.button.text} → ${b.button.url}` : "—",
          ab: b.textB === null ? "no" : "yes",
        },
      },
    ],
    buttons: [
      [
        button("admin.broadcasts.button_segment", at(b.id, Step.segments)),
        b.button
          ? button("admin.broadcasts.button_remove_button", at(b.id, Step.noButton))
          : button("admin.broadcasts.button_add_button", at(b.id, Step.button)),
      ],
      [
        b.textB === null
          ? button("admin.broadcasts.button_add_b", at(b.id, Step.variantB))
          : button("admin.broadcasts.button_remove_b", at(b.id, Step.noVariantB)),
      ],
      [button("admin.broadcasts.button_preview", at(b.id, Step.preview))],
      [button("admin.broadcasts.button_discard", at(b.id, Step.discard))],
    ],
    noMenuButton: true,
  };
}

export function segmentsScreen(b: BroadcastView, languages: readonly string[]): Screen {
  const all: Segment[] = [...SEGMENTS, ...languages.map((code) => `lang:${code}` as const)];
  const rows: ScreenButton[][] = [];
  for (const segment of all) {
    const ref = segmentRef(segment);
    const entry: ScreenButton = {
      label: {
        key:
          segment === b.segment
            ? "admin.broadcasts.segment_chosen"
            : "admin.broadcasts.segment_option",
        vars: { name: { msg: ref.key, vars: ref.vars ?? {} } },
      },
      callbackData: at(b.id, Step.segment, segment),
    };
    const last = rows.at(-1);
    if (last && last.length < 2) last.push(entry);
    else rows.push([entry]);
  }
  rows.push([button("admin.broadcasts.button_back", callbackData(PREFIX, b.id))]);
  return {
    text: { key: "admin.broadcasts.segments", vars: { id: String(b.id) } },
    buttons: rows,
    noMenuButton: true,
  };
}

export function buttonPromptScreen(b: BroadcastView, invalid = false): Screen {
  return {
    text: [
      ...(invalid ? [{ key: "admin.broadcasts.button_invalid" } as const] : []),
      { key: "admin.broadcasts.button_prompt" },
    ],
    buttons: [[button("admin.broadcasts.button_back", callbackData(PREFIX, b.id))]],
    noMenuButton: true,
    awaitInput: prompt("button", b.id),
  };
}

export function variantPromptScreen(b: BroadcastView, invalid?: MessageRef): Screen {
  return {
    text: [...(invalid ? [invalid] : []), { key: "admin.broadcasts.b_prompt" }],
    buttons: [[button("admin.broadcasts.button_back", callbackData(PREFIX, b.id))]],
    noMenuButton: true,
    awaitInput: prompt("b", b.id),
  };
}

/** After the preview (sent above it, exactly as customers get it): send to how many? */
export function confirmScreen(b: BroadcastView, recipients: number): Screen {
  const seg = segmentRef(b.segment);
  return {
    text: {
      key: "admin.broadcasts.confirm",
      vars: {
        id: String(b.id),
        recipients,
        segment: { msg: seg.key, vars: seg.vars ?? {} },
        ab: b.textB === null ? "no" : "yes",
      },
    },
    buttons: [
      ...(recipients > 0
        ? [[button("admin.broadcasts.button_send", at(b.id, Step.send), { recipients })]]
        : []),
      [button("admin.broadcasts.button_edit", callbackData(PREFIX, b.id))],
    ],
    noMenuButton: true,
  };
}

function countVars(c: BroadcastCounts) {
  return {
    recipients: c.recipients,
    sent: c.byStatus.sent,
    failed: c.byStatus.failed,
    blocked: c.byStatus.blocked,
    unknown: c.byStatus.unknown,
    left: c.byStatus.pending + c.byStatus.sending,
  };
}

function variantLines(b: BroadcastView, c: BroadcastCounts): MessageRef[] {
  if (b.textB === null) return [];
  return (["a", "b"] as const).map((variant) => {
    const v = c.byVariant[variant];
    return {
      key: "admin.broadcasts.variant_counts",
      vars: {
        variant: variant.toUpperCase(),
        recipients: Object.values(v).reduce((x, y) => x + y, 0),
        sent: v.sent,
        failed: v.failed,
        blocked: v.blocked,
        unknown: v.unknown,
      },
    };
  });
}

/** The progress message while it runs: counts so far and the cancel button. */
export function progressScreen(b: BroadcastView, c: BroadcastCounts): Screen {
  return {
    text: [
      { key: "admin.broadcasts.progress", vars: { id: String(b.id), ...countVars(c) } },
      ...variantLines(b, c),
    ],
    buttons: [
      [
        button("admin.broadcasts.button_refresh", at(b.id, Step.refresh)),
        button("admin.broadcasts.button_cancel", at(b.id, Step.cancel)),
      ],
    ],
    noMenuButton: true,
  };
}

/** The final summary: sent + failed + blocked + unknown (+ not sent, when cancelled) = recipients. */
export function summaryScreen(b: BroadcastView, c: BroadcastCounts): Screen {
  return {
    text: [
      {
        key: "admin.broadcasts.summary",
        vars: {
          id: String(b.id),
          cancelled: b.status === "cancelled" ? "yes" : "no",
          ...countVars(c),
        },
      },
      ...variantLines(b, c),
    ],
    buttons: [],
    noMenuButton: true,
  };
}

export function cancelConfirmScreen(b: BroadcastView): Screen {
  return {
    text: { key: "admin.broadcasts.cancel_confirm", vars: { id: String(b.id) } },
    buttons: [
      [
        button("admin.broadcasts.button_cancel_confirm", at(b.id, Step.cancelConfirmed)),
        button("admin.broadcasts.button_back", at(b.id, Step.refresh)),
      ],
    ],
    noMenuButton: true,
  };
}

/** A broadcast that can no longer be changed this way (sent, discarded, finished). */
export function closedScreen(b: BroadcastView | undefined, id: number): Screen {
  return {
    text: {
      key: "admin.broadcasts.closed",
      vars: { id: String(id), status: b?.status ?? "missing" },
    },
    buttons: [[button("admin.broadcasts.button_home", HOME_DATA)]],
    noMenuButton: true,
  };
}

/** `Label | https://…` → the URL button; undefined when it is not that. */
export function parseButton(text: string): { text: string; url: string } | undefined {
  const at = text.lastIndexOf("|");
  if (at < 0) return undefined;
  const label = text.slice(0, at).trim();
  const url = text.slice(at + 1).trim();
  if (label.length === 0 || label.length > 64 || !/^https?:\/\/\S+$/i.test(url)) return undefined;
  try {
    new URL(url);
  } catch {
    return undefined;
  }
  return { text: label, url };
}
