import type { MessageEntity } from "grammy/types";
import { escapeHtml } from "../../../locales/format.js";

function tags(e: MessageEntity): [open: string, close: string] | undefined {
  switch (e.type) {
    case "bold":
      return ["<b>", "</b>"];
    case "italic":
      return ["<i>", "</i>"];
    case "underline":
      return ["<u>", "</u>"];
    case "strikethrough":
      return ["<s>", "</s>"];
    case "spoiler":
      return ["<tg-spoiler>", "</tg-spoiler>"];
    case "code":
      return ["<code>", "</code>"];
    case "pre":
      return e.language
        ? [`<pre><code class="language-${escapeHtml(e.language)}">`, "</code></pre>"]
        : ["<pre>", "</pre>"];
    case "text_link":
      return [`<a href="${escapeHtml(e.url)}">`, "</a>"];
    case "blockquote":
      return ["<blockquote>", "</blockquote>"];
    case "expandable_blockquote":
      return ["<blockquote expandable>", "</blockquote>"];
    default:
      return undefined;
  }
}

/**
 * The admin's message as Telegram HTML. Formatting applied in the Telegram client (bold, links,
 * spoilers… — message entities) becomes tags and the rest is escaped; a message without any
 * formatting is taken as typed, so an admin may also write the HTML tags themselves (Telegram
 * checks them when the preview is sent).
 */
export function messageHtml(text: string, entities: readonly MessageEntity[] | undefined): string {
  const formatting = (entities ?? []).flatMap((e) => {
    const t = tags(e);
    return t ? [{ start: e.offset, end: e.offset + e.length, open: t[0], close: t[1] }] : [];
  });
  if (formatting.length === 0) return text;
  // Outer entities first where two start together; Telegram's entities nest properly.
  formatting.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  const open: typeof formatting = [];
  let next = 0;
  for (let i = 0; i <= text.length; i++) {
    while (open.length > 0 && (open.at(-1)?.end ?? -1) <= i) out += open.pop()?.close ?? "";
    while (next < formatting.length && formatting[next]?.start === i) {
      const e = formatting[next++];
      if (!e) break;
      out += e.open;
      open.push(e);
    }
    if (i < text.length) out += escapeHtml(text.charAt(i));
  }
  while (open.length > 0) out += open.pop()?.close ?? "";
  return out;
}
