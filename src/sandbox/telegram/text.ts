import { badRequest } from "./errors.js";
import { HtmlParseError, parseHtml } from "./html.js";
import type { MessageEntity } from "./types.js";

export const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;

const PARSE_MODES = new Map([
  ["html", "HTML"],
  ["markdownv2", "MarkdownV2"],
  ["markdown", "Markdown"],
]);

export function normaliseParseMode(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  const mode = PARSE_MODES.get(value.toLowerCase());
  if (!mode) throw badRequest("unsupported parse_mode");
  return mode;
}

/**
 * The text Telegram would store: HTML is parsed (and must be well-formed); Markdown is kept
 * as is, since the sandbox does not check it; explicit entities are passed through.
 */
function formatText(
  raw: string,
  parseMode: string | null,
  entities: unknown,
): { plain: string; entities: MessageEntity[] } {
  if (parseMode === "HTML") {
    try {
      const parsed = parseHtml(raw);
      return { plain: parsed.text, entities: parsed.entities };
    } catch (err) {
      if (err instanceof HtmlParseError) throw badRequest(`can't parse entities: ${err.message}`);
      throw err;
    }
  }
  return { plain: raw, entities: Array.isArray(entities) ? (entities as MessageEntity[]) : [] };
}

/** Text of a message, checked like Telegram: non-empty and at most 4096 characters once parsed. */
export function checkedText(raw: string | undefined, parseMode: string | null, entities: unknown) {
  const formatted = formatText(raw ?? "", parseMode, entities);
  if (formatted.plain.trim() === "") throw badRequest("message text is empty");
  if (formatted.plain.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
  return formatted;
}

export function checkedCaption(
  raw: string | undefined,
  parseMode: string | null,
  entities: unknown,
) {
  if (raw === undefined) return { plain: null, entities: [] as MessageEntity[] };
  const formatted = formatText(raw, parseMode, entities);
  if (formatted.plain.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
  return formatted;
}

/** `bot_command` entities for each `/command` that starts the text or follows whitespace. */
export function botCommandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?)/g)) {
    const command = m[2] ?? "";
    const offset = (m.index ?? 0) + (m[1]?.length ?? 0);
    entities.push({ type: "bot_command", offset, length: command.length });
  }
  return entities;
}
