import { describe, expect, it } from "vitest";
import { sourceFiles } from "../support/source-files.js";

describe("thrown values", () => {
  it("are turned into errors by toError (src/util/errors.ts), never cast", () => {
    const casts = sourceFiles("src").flatMap(({ path, text }) =>
      text
        .split("\n")
        .flatMap((line, i) => (/\bas Error\b/.test(line) ? [`${path}:${i + 1}`] : [])),
    );
    expect(casts).toEqual([]);
  });
});
