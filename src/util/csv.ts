/** One CSV cell: text, a number, a flag, a time (ISO 8601, UTC) or empty. */
export type CsvValue = string | number | boolean | Date | null;

/** Cells a spreadsheet would read as a formula when they start the cell. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV line (RFC 4180, CRLF-terminated): a cell with a comma, a quote, CR or LF is quoted,
 * quotes doubled. Text that would start a spreadsheet formula gets a leading `'`, so a
 * customer's name cannot run in the operator's spreadsheet.
 */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

function csvCell(value: CsvValue): string {
  if (value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "string") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One page of a keyset-paged export: its rows and the key to continue after. */
export interface CsvPage {
  rows: CsvValue[][];
  /** The last row's key; undefined when the page was the last one. */
  next: number | undefined;
}

/**
 * Pure: a page from rows read in `key` order with `LIMIT limit` — the rows as CSV values in
 * `columns` order, and the key to continue after (none when the page was not full).
 */
export function csvPage(
  rows: ReadonlyArray<Record<string, CsvValue>>,
  columns: readonly string[],
  key: string,
  limit: number,
): CsvPage {
  return {
    rows: rows.map((r) => columns.map((c) => r[c] ?? null)),
    next: rows.length < limit ? undefined : Number(rows.at(-1)?.[key]),
  };
}
