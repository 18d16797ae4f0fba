import { describe, expect, it } from "vitest";
import type { DbAccess, QueryResultRow } from "../../src/db/pool.js";
import { csvExport } from "../../src/features/admin/exports/stream.js";
import { csvLine } from "../../src/util/csv.js";
import { parseCsv } from "../support/csv.js";
import { testDb } from "../support/db.js";

const db = await testDb();

describe("CSV lines", () => {
  it("quotes commas, quotes and line breaks, and defuses formulas", () => {
    expect(csvLine([1, "plain", null, true, new Date("2026-12-07T10:00:00Z")])).toBe(
      "1,plain,,true,2026-12-07T10:00:00.000Z\r\n",
    );
    expect(csvLine(["a,b", 'say "hi"', "two\nlines", "cr\rhere"])).toBe(
      '"a,b","say ""hi""","two\nlines","cr\rhere"\r\n',
    );
    expect(csvLine(["=HYPERLINK(1)", "+1", "-2", "@x", "ok=1"])).toBe(
      "'=HYPERLINK(1),'+1,'-2,'@x,ok=1\r\n",
    );
    expect(parseCsv(csvLine(['x,"y"\r\nz', "", "w"]))).toEqual([['x,"y"\r\nz', "", "w"]]);
  });
});

describe("a CSV export of 10 000 payments", () => {
  it("reads pages of bounded size, holds no connection between them, and writes every row once", async () => {
    await db.query(
      "seed_users",
      "INSERT INTO users (telegram_id, first_name) SELECT i, 'C' || i FROM generate_series(7001, 7010) i",
    );
    await db.query(
      "seed_payments",
      `INSERT INTO payments (user_id, provider, provider_payment_id, amount_kopecks, currency)
       SELECT 7001 + i % 10, 'telegram_card',
              CASE WHEN i % 1000 = 7 THEN 'pay,"' || i || E'"\\nnext line' ELSE 'p-' || i END,
              100 + i, 'RUB'
         FROM generate_series(1, 10000) i`,
    );

    const pageRows = 500;
    const perQuery: number[] = [];
    // A query spy on the real database: rows per statement, connections out between pages.
    const spy: DbAccess = {
      ...db.forKind("handler"),
      query: async <R extends QueryResultRow>(label: string, text: string, values?: unknown[]) => {
        const result = await db.query<R>(label, text, values);
        perQuery.push(result.rows.length);
        return result;
      },
    };
    const csv = csvExport(spy, "payments", pageRows);
    const chunks: Buffer[] = [];
    let largestChunk = 0;
    for await (const chunk of csv.chunks) {
      // The consumer (the upload) holds the chunk: no connection is checked out meanwhile.
      const stats = db.stats();
      expect(stats.total - stats.idle).toBe(0);
      chunks.push(Buffer.from(chunk));
      largestChunk = Math.max(largestChunk, chunk.byteLength);
    }

    expect(perQuery.every((n) => n <= pageRows)).toBe(true);
    // 20 full pages and the empty page that ends the export.
    expect(perQuery).toEqual([...Array(20).fill(pageRows), 0]);
    expect(csv.rows()).toBe(10_000);
    // One chunk is one page: the header, then a page of ~60-byte lines at most.
    expect(largestChunk).toBeLessThan(pageRows * 120);

    const rows = parseCsv(Buffer.concat(chunks).toString("utf8"));
    expect(rows[0]).toEqual([
      "id",
      "user_id",
      "purchase_id",
      "provider",
      "provider_payment_id",
      "amount_kopecks",
      "stars_amount",
      "currency",
      "created_at",
    ]);
    expect(rows.length).toBe(10_001);
    const ids = rows.slice(1).map((r) => Number(r[0]));
    expect(new Set(ids).size).toBe(10_000);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const tricky = rows.filter((r) => r[4]?.startsWith("pay,"));
    expect(tricky.length).toBe(10);
    expect(tricky[0]?.[4]).toBe('pay,"7"\nnext line');
    expect(tricky[0]?.[5]).toBe("107");
  });
});
