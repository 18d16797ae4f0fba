import type { MessageEntity } from "./types.js";

/** The tags Telegram's HTML parse mode understands; anything else is rejected. */
const ALLOWED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "span",
  "tg-spoiler",
  "blockquote",
  "tg-emoji",
]);

const SIMPLE_ENTITY: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  span: "spoiler",
  "tg-spoiler": "spoiler",
};

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** The part after "Bad Request: can't parse entities: ". */
export class HtmlParseError extends Error {}

interface OpenTag {
  name: string;
  offset: number;
  attrs: Map<string, string>;
  /** Set on a `pre` by a nested `<code class="language-…">`. */
  language?: string;
}

/**
 * Parses Telegram-flavoured HTML the way the Bot API does: only the allowed tags, properly
 * nested, the four named entities and numeric ones decoded; a bare `&` stays literal. Returns
 * the plain text and its entities (offsets in UTF-16 code units, as Telegram counts them).
 */
export function parseHtml(source: string): { text: string; entities: MessageEntity[] } {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  let i = 0;
  const byteOffset = (at: number) => Buffer.byteLength(source.slice(0, at), "utf8");

  while (i < source.length) {
    const ch = source[i];
    if (ch === "&") {
      const decoded = decodeEntity(source, i);
      if (decoded) {
        text += decoded.value;
        i += decoded.length;
        continue;
      }
      text += ch;
      i += 1;
      continue;
    }
    if (ch !== "<") {
      text += ch;
      i += 1;
      continue;
    }
    const tagStart = i;
    if (source[i + 1] === "/") {
      const close = source.indexOf(">", i + 2);
      if (close < 0)
        throw new HtmlParseError(`Unclosed end tag at byte offset ${byteOffset(tagStart)}`);
      const name = source
        .slice(i + 2, close)
        .trim()
        .toLowerCase();
      const open = stack.pop();
      if (!open)
        throw new HtmlParseError(`Unexpected end tag at byte offset ${byteOffset(tagStart)}`);
      if (open.name !== name) {
        throw new HtmlParseError(
          `Unmatched end tag at byte offset ${byteOffset(tagStart)}, expected "</${open.name}>", found "</${name}>"`,
        );
      }
      closeTag(open, stack, text, entities);
      i = close + 1;
      continue;
    }
    let j = i + 1;
    while (j < source.length && !/[\s>/]/.test(source[j] ?? "")) j++;
    if (j >= source.length)
      throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(tagStart)}`);
    const name = source.slice(i + 1, j).toLowerCase();
    if (!ALLOWED_TAGS.has(name)) {
      throw new HtmlParseError(
        `Unsupported start tag "${name}" at byte offset ${byteOffset(tagStart)}`,
      );
    }
    const { attrs, end } = parseAttributes(source, j, () => byteOffset(tagStart));
    checkAttributes(name, attrs, byteOffset(tagStart));
    stack.push({ name, offset: text.length, attrs });
    i = end;
  }
  const unclosed = stack.pop();
  if (unclosed) {
    throw new HtmlParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function closeTag(open: OpenTag, stack: OpenTag[], text: string, entities: MessageEntity[]): void {
  const length = text.length - open.offset;
  const parent = stack[stack.length - 1];
  const codeLanguage = /^language-(.+)$/.exec(open.attrs.get("class") ?? "")?.[1];
  if (open.name === "code" && parent?.name === "pre" && parent.offset === open.offset) {
    // `<pre><code class="language-x">` is one pre entity with a language, as in Telegram.
    if (codeLanguage) parent.language = codeLanguage;
    return;
  }
  if (length === 0) return;
  const base = { offset: open.offset, length };
  const simple = SIMPLE_ENTITY[open.name];
  if (simple) {
    entities.push({ type: simple, ...base });
  } else if (open.name === "a") {
    const href = open.attrs.get("href");
    if (href) entities.push({ type: "text_link", ...base, url: href });
  } else if (open.name === "code") {
    entities.push({ type: "code", ...base });
  } else if (open.name === "pre") {
    entities.push({ type: "pre", ...base, ...(open.language ? { language: open.language } : {}) });
  } else if (open.name === "blockquote") {
    entities.push({
      type: open.attrs.has("expandable") ? "expandable_blockquote" : "blockquote",
      ...base,
    });
  } else if (open.name === "tg-emoji") {
    entities.push({
      type: "custom_emoji",
      ...base,
      custom_emoji_id: open.attrs.get("emoji-id") ?? "",
    });
  }
}

function parseAttributes(
  source: string,
  from: number,
  tagOffset: () => number,
): { attrs: Map<string, string>; end: number } {
  const attrs = new Map<string, string>();
  let i = from;
  for (;;) {
    while (i < source.length && /\s/.test(source[i] ?? "")) i++;
    if (i >= source.length)
      throw new HtmlParseError(`Unclosed start tag at byte offset ${tagOffset()}`);
    if (source[i] === ">") return { attrs, end: i + 1 };
    if (source[i] === "/" && source[i + 1] === ">") return { attrs, end: i + 2 };
    const nameStart = i;
    while (i < source.length && /[A-Za-z0-9_-]/.test(source[i] ?? "")) i++;
    const name = source.slice(nameStart, i).toLowerCase();
    if (name === "") {
      throw new HtmlParseError(`Empty attribute name in the tag at byte offset ${tagOffset()}`);
    }
    while (i < source.length && /\s/.test(source[i] ?? "")) i++;
    if (source[i] !== "=") {
      attrs.set(name, "");
      continue;
    }
    i++;
    while (i < source.length && /\s/.test(source[i] ?? "")) i++;
    const quote = source[i];
    let value: string;
    if (quote === '"' || quote === "'") {
      const close = source.indexOf(quote, i + 1);
      if (close < 0) throw new HtmlParseError(`Unclosed start tag at byte offset ${tagOffset()}`);
      value = source.slice(i + 1, close);
      i = close + 1;
    } else {
      const start = i;
      while (i < source.length && !/[\s>]/.test(source[i] ?? "")) i++;
      value = source.slice(start, i);
    }
    attrs.set(name, decodeAll(value));
  }
}

function checkAttributes(name: string, attrs: Map<string, string>, offset: number): void {
  if (name === "span" && attrs.get("class") !== "tg-spoiler") {
    throw new HtmlParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${offset}`);
  }
  if (name === "tg-emoji" && !attrs.get("emoji-id")) {
    throw new HtmlParseError(
      `Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${offset}`,
    );
  }
}

function decodeEntity(source: string, at: number): { value: string; length: number } | null {
  const m = /^&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot));/.exec(
    source.slice(at, at + 12),
  );
  if (!m) return null;
  if (m[3] !== undefined) return { value: NAMED_ENTITIES[m[3]] ?? "", length: m[0].length };
  const code = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2]);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return { value: String.fromCodePoint(code), length: m[0].length };
}

function decodeAll(value: string): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    const decoded = value[i] === "&" ? decodeEntity(value, i) : null;
    if (decoded) {
      out += decoded.value;
      i += decoded.length;
    } else {
      out += value[i];
      i += 1;
    }
  }
  return out;
}
