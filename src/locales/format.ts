/**
 * A small subset of ICU MessageFormat, enough for a bot's texts and free of dependencies:
 *
 *   plain text with <b>HTML</b>            (messages are sent with parse_mode HTML)
 *   {name}                                  a variable; strings are HTML-escaped
 *   {n, plural, =0 {…} one {…} few {…} other {…}}   `#` inside a case is the formatted number
 *   {kind, select, trial {…} other {…}}
 *
 * `{` and `}` are always syntax. Every message is parsed once when its locale is loaded, so a
 * syntax error fails at start (and in the completeness test), not in front of a customer.
 */

export type MessageNode =
  | { type: "text"; value: string }
  | { type: "var"; name: string }
  | { type: "hash" }
  | { type: "plural"; name: string; cases: Record<string, MessageNode[]> }
  | { type: "select"; name: string; cases: Record<string, MessageNode[]> };

/** Money in kopecks, formatted as rubles in the customer's locale. */
export interface MoneyVar {
  kopecks: number;
}
/** Trusted, already formatted HTML (e.g. another rendered message); never escaped. */
export interface HtmlVar {
  html: string;
}
/**
 * Another message of the same locale, rendered in place (a plan's name inside a price line).
 * `I18n.t` resolves it; the key is a string here so this module stays free of the key list.
 */
export interface NestedMessageVar {
  msg: string;
  vars?: MessageVars;
}
export type MessageVar = string | number | Date | MoneyVar | HtmlVar | NestedMessageVar;
export type MessageVars = Readonly<Record<string, MessageVar>>;

class MessageSyntaxError extends Error {
  override name = "MessageSyntaxError";
  constructor(
    readonly source: string,
    readonly position: number,
    problem: string,
  ) {
    super(`${problem} at position ${position} in ${JSON.stringify(source)}`);
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const SELECTOR = /=\d+|[A-Za-z_][A-Za-z0-9_]*/y;

export function parseMessage(source: string): MessageNode[] {
  let i = 0;
  const fail = (problem: string): never => {
    throw new MessageSyntaxError(source, i, problem);
  };
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i] ?? "")) i++;
  };
  const read = (pattern: RegExp, what: string): string => {
    pattern.lastIndex = i;
    const match = pattern.exec(source);
    if (!match) return fail(`expected ${what}`);
    i += match[0].length;
    return match[0];
  };

  const nodes = (inPlural: boolean, closing: boolean): MessageNode[] => {
    const out: MessageNode[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") out.push({ type: "text", value: text });
      text = "";
    };
    while (i < source.length) {
      const c = source[i];
      if (c === "{") {
        flush();
        i++;
        out.push(argument(inPlural));
      } else if (c === "}") {
        if (!closing) fail("unbalanced }");
        flush();
        return out;
      } else if (c === "#" && inPlural) {
        flush();
        out.push({ type: "hash" });
        i++;
      } else {
        text += c;
        i++;
      }
    }
    if (closing) fail("missing }");
    flush();
    return out;
  };

  const argument = (inPlural: boolean): MessageNode => {
    skipSpace();
    const name = read(IDENT, "a variable name");
    skipSpace();
    if (source[i] === "}") {
      i++;
      return { type: "var", name };
    }
    if (source[i] !== ",") fail("expected , or }");
    i++;
    skipSpace();
    const kind = read(IDENT, "plural or select");
    if (kind !== "plural" && kind !== "select") fail(`unknown argument type "${kind}"`);
    skipSpace();
    if (source[i] !== ",") fail("expected ,");
    i++;
    const cases: Record<string, MessageNode[]> = {};
    for (;;) {
      skipSpace();
      if (source[i] === "}") {
        i++;
        break;
      }
      if (i >= source.length) fail("missing }");
      const selector = read(SELECTOR, "a case selector");
      skipSpace();
      if (source[i] !== "{") fail("expected {");
      i++;
      cases[selector] = nodes(kind === "plural" || inPlural, true);
      i++; // the case's closing brace
    }
    if (!cases.other) fail(`{${name}, ${kind}} needs an "other" case`);
    return kind === "plural" ? { type: "plural", name, cases } : { type: "select", name, cases };
  };

  return nodes(false, false);
}

/**
 * A rendered message as plain text, for places that take no HTML (invoice titles, Crypto Pay
 * descriptions): tags dropped, entities decoded, cut to `max` characters.
 */
export function plainText(html: string, max: number): string {
  const text = html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;",
  );
}

/** Locale-aware formatters, built once per locale. */
export class LocaleFormatters {
  readonly plural: Intl.PluralRules;
  readonly number: Intl.NumberFormat;
  readonly date: Intl.DateTimeFormat;
  readonly #money = new Map<boolean, Intl.NumberFormat>();

  constructor(
    readonly locale: string,
    timeZone: string,
  ) {
    this.plural = new Intl.PluralRules(locale);
    this.number = new Intl.NumberFormat(locale);
    // The zone is named in the text: customers are not all in the service's time zone.
    this.date = new Intl.DateTimeFormat(locale, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZone,
      timeZoneName: "short",
    });
  }

  money(kopecks: number): string {
    const fractional = kopecks % 100 !== 0;
    let format = this.#money.get(fractional);
    if (!format) {
      format = new Intl.NumberFormat(this.locale, {
        style: "currency",
        currency: "RUB",
        currencyDisplay: "narrowSymbol",
        minimumFractionDigits: fractional ? 2 : 0,
        maximumFractionDigits: 2,
      });
      this.#money.set(fractional, format);
    }
    return format.format(kopecks / 100);
  }
}

function formatVar(value: MessageVar | undefined, name: string, f: LocaleFormatters): string {
  if (value === undefined) return `{${name}}`;
  if (typeof value === "string") return escapeHtml(value);
  if (typeof value === "number") return f.number.format(value);
  if (value instanceof Date) return escapeHtml(f.date.format(value));
  if ("kopecks" in value) return escapeHtml(f.money(value.kopecks));
  if ("html" in value) return value.html;
  // Resolved by I18n.t before rendering; shown as its key if it ever gets here.
  return `{${value.msg}}`;
}

function asNumber(value: MessageVar | undefined): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return Number.NaN;
}

/** Renders parsed nodes with variables; a missing variable shows as `{name}` (never throws). */
export function renderMessage(
  nodes: readonly MessageNode[],
  vars: MessageVars,
  f: LocaleFormatters,
  hash?: number,
): string {
  let out = "";
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        out += node.value;
        break;
      case "var":
        out += formatVar(vars[node.name], node.name, f);
        break;
      case "hash":
        out += hash === undefined ? "#" : f.number.format(hash);
        break;
      case "plural": {
        const n = asNumber(vars[node.name]);
        const chosen =
          node.cases[`=${n}`] ??
          (Number.isNaN(n) ? undefined : node.cases[f.plural.select(n)]) ??
          node.cases.other ??
          [];
        out += renderMessage(chosen, vars, f, Number.isNaN(n) ? undefined : n);
        break;
      }
      case "select": {
        const value = vars[node.name];
        const key = typeof value === "string" || typeof value === "number" ? String(value) : "";
        out += renderMessage(node.cases[key] ?? node.cases.other ?? [], vars, f, hash);
        break;
      }
    }
  }
  return out;
}
