import type { DbAccess } from "../../../db/pool.js";
import { exportPaymentsPage, PAYMENT_EXPORT_COLUMNS } from "../../../domain/billing/export.js";
import { CUSTOMER_EXPORT_COLUMNS, exportCustomersPage } from "../../../domain/customers/export.js";
import {
  exportSubscriptionsPage,
  SUBSCRIPTION_EXPORT_COLUMNS,
} from "../../../domain/subscriptions/export.js";
import { type CsvPage, csvLine } from "../../../util/csv.js";

export type ExportKind = "users" | "subscriptions" | "payments";
export const EXPORT_KINDS: readonly ExportKind[] = ["users", "subscriptions", "payments"];

/** Rows read per query: an export never holds more than one page in memory. */
export const EXPORT_PAGE_ROWS = 1_000;

interface ExportSource {
  columns: readonly string[];
  page(db: DbAccess, afterId: number | undefined, limit: number): Promise<CsvPage>;
}

const SOURCES: Record<ExportKind, ExportSource> = {
  users: { columns: CUSTOMER_EXPORT_COLUMNS, page: exportCustomersPage },
  subscriptions: { columns: SUBSCRIPTION_EXPORT_COLUMNS, page: exportSubscriptionsPage },
  payments: { columns: PAYMENT_EXPORT_COLUMNS, page: exportPaymentsPage },
};

/** A CSV export being streamed: its bytes, and how many rows went out so far. */
export interface CsvExport {
  chunks: AsyncIterable<Uint8Array>;
  rows(): number;
}

/**
 * The whole table as CSV, read page by page (keyset over the primary key, one short checkout
 * per page, released before the page is handed on), so the upload that consumes the chunks
 * never has a connection held while it waits on the network, and memory holds one page.
 */
export function csvExport(
  db: DbAccess,
  kind: ExportKind,
  pageRows: number = EXPORT_PAGE_ROWS,
): CsvExport {
  const source = SOURCES[kind];
  let rows = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(csvLine(source.columns), "utf8");
    let after: number | undefined;
    for (;;) {
      const page = await source.page(db, after, pageRows);
      if (page.rows.length > 0) {
        rows += page.rows.length;
        yield Buffer.from(page.rows.map(csvLine).join(""), "utf8");
      }
      if (page.next === undefined) return;
      after = page.next;
    }
  }
  return { chunks: chunks(), rows: () => rows };
}

/** The file name of an export made at `at`: `payments-2026-12-07T11-30-00Z.csv`. */
export function exportFileName(kind: ExportKind, at: Date): string {
  return `${kind}-${at.toISOString().slice(0, 19).replaceAll(":", "-")}Z.csv`;
}
