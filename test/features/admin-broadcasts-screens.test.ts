import { describe, expect, it } from "vitest";
import type { ScreenButton } from "../../src/bot/services.js";
import type { BroadcastCounts, BroadcastView } from "../../src/domain/broadcasts/broadcasts.js";
import { messageHtml } from "../../src/features/admin/broadcasts/html.js";
import {
  confirmScreen,
  draftScreen,
  parseButton,
  segmentsScreen,
  summaryScreen,
} from "../../src/features/admin/broadcasts/screens.js";

const dataOf = (rows: ScreenButton[][] | undefined) =>
  (rows ?? []).flat().map((b) => ("callbackData" in b ? b.callbackData : ""));

const draft: BroadcastView = {
  id: 4,
  createdBy: 1,
  status: "draft",
  segment: "all",
  textA: "Hi",
  textB: null,
  photoFileId: null,
  button: null,
  progress: null,
};

const zero = { pending: 0, sending: 0, sent: 0, blocked: 0, failed: 0, unknown: 0 };

describe("broadcast screens", () => {
  it("Telegram formatting becomes HTML; the rest is escaped; plain text is taken as typed", () => {
    expect(
      messageHtml("Sale: 50% off <now> here", [
        { type: "bold", offset: 0, length: 4 },
        { type: "text_link", offset: 6, length: 7, url: "https://x.example/?a=1&b=2" },
        { type: "italic", offset: 10, length: 3 },
      ]),
    ).toBe(
      '<b>Sale</b>: <a href="https://x.example/?a=1&amp;b=2">50% <i>off</i></a> &lt;now&gt; here',
    );
    expect(messageHtml("<b>typed</b>", undefined)).toBe("<b>typed</b>");
    expect(messageHtml("a 😀 b", [{ type: "spoiler", offset: 2, length: 2 }])).toBe(
      "a <tg-spoiler>😀</tg-spoiler> b",
    );
  });

  it("a URL button is 'Label | link'", () => {
    expect(parseButton("Read more | https://example.com/a")).toEqual({
      text: "Read more",
      url: "https://example.com/a",
    });
    expect(parseButton("no link")).toBeUndefined();
    expect(parseButton("x | ftp://example.com")).toBeUndefined();
    expect(parseButton(" | https://example.com")).toBeUndefined();
  });

  it("the draft offers what is not set yet; the confirm appears only with recipients", () => {
    expect(dataOf(draftScreen(draft, 10).buttons)).toEqual([
      "bc:4:seg",
      "bc:4:btn",
      "bc:4:b",
      "bc:4:p",
      "bc:4:del",
    ]);
    const full = { ...draft, textB: "B", button: { text: "x", url: "https://e.x" } };
    expect(dataOf(draftScreen(full, 10).buttons)).toContain("bc:4:btn0");
    expect(dataOf(draftScreen(full, 10).buttons)).toContain("bc:4:b0");
    expect(dataOf(confirmScreen(draft, 3).buttons)).toEqual(["bc:4:go", "bc:4"]);
    expect(dataOf(confirmScreen(draft, 0).buttons)).toEqual(["bc:4"]);
    expect(dataOf(segmentsScreen(draft, ["en", "ru"]).buttons)).toEqual([
      "bc:4:s:all",
      "bc:4:s:active",
      "bc:4:s:trial",
      "bc:4:s:expired",
      "bc:4:s:never_paid",
      "bc:4:s:lang:en",
      "bc:4:s:lang:ru",
      "bc:4",
    ]);
  });

  it("the summary of an A/B broadcast counts each variant", () => {
    const counts: BroadcastCounts = {
      recipients: 5,
      byStatus: { ...zero, sent: 3, blocked: 1, unknown: 1 },
      byVariant: { a: { ...zero, sent: 2, blocked: 1 }, b: { ...zero, sent: 1, unknown: 1 } },
    };
    const screen = summaryScreen({ ...draft, status: "done", textB: "B" }, counts);
    expect(screen.text).toEqual([
      {
        key: "admin.broadcasts.summary",
        vars: {
          id: "4",
          cancelled: "no",
          recipients: 5,
          sent: 3,
          failed: 0,
          blocked: 1,
          unknown: 1,
          left: 0,
        },
      },
      {
        key: "admin.broadcasts.variant_counts",
        vars: { variant: "A", recipients: 3, sent: 2, failed: 0, blocked: 1, unknown: 0 },
      },
      {
        key: "admin.broadcasts.variant_counts",
        vars: { variant: "B", recipients: 2, sent: 1, failed: 0, blocked: 0, unknown: 1 },
      },
    ]);
  });
});
