/** CSV: typed columns, labels, quoting, and each error (ragged row, non-numeric cell, missing file). */
import "./backend.js";
import * as E from "fp-ts/lib/Either.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCsv, parseCsvRows, readCsv } from "../../src/data/csv.js";
import type { LoadError } from "../../src/io/load-error.js";

const right = <A>(r: E.Either<LoadError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a Right, got ${r.left.message}`);
  return r.right;
};
const left = <A>(r: E.Either<LoadError, A>): LoadError => {
  if (E.isRight(r)) throw new Error("expected a Left");
  return r.left;
};

describe("loadCsv", () => {
  it("reads numeric features and a category label", () => {
    const d = right(
      loadCsv("a,b,species\n1,2.5,setosa\n3,-4e1,virginica\n5,6,setosa\n", { label: "species" }),
    );
    expect(d.x.shape).toEqual([3, 2]);
    expect(d.x.toArray()).toEqual([
      [1, 2.5],
      [3, -40],
      [5, 6],
    ]);
    expect(d.columns).toEqual(["a", "b"]);
    expect(d.y?.dtype).toBe("i32");
    expect(d.y?.toArray()).toEqual([0, 1, 0]);
    expect(d.classes).toEqual(["setosa", "virginica"]);
  });

  it("handles a delimiter, no header, a label index, quoted fields, CRLF and blank lines", () => {
    const d = right(
      loadCsv('1;"x;y";0.5\r\n\r\n2;"he said ""hi""";1.5\r\n', {
        header: false,
        delimiter: ";",
        label: 2,
        columns: { "1": "category" },
      }),
    );
    expect(d.x.toArray()).toEqual([
      [1, 0],
      [2, 1],
    ]);
    expect(d.categories["1"]).toEqual(["x;y", 'he said "hi"']);
    expect(d.y?.dtype).toBe("f32");
    expect(d.y?.toArray()).toEqual([0.5, 1.5]);
  });

  it("skips columns and fills missing values on request", () => {
    const d = right(
      loadCsv("id,v,w\na,1,\nb,2,3\n", { columns: { id: "skip" }, missing: Number.NaN }),
    );
    expect(d.columns).toEqual(["v", "w"]);
    expect(Number.isNaN(d.x.dataSync()[1])).toBe(true);
  });

  it("reports a ragged row with its line", () => {
    const e = left(loadCsv("a,b\n1,2\n3\n4,5\n", { path: "t.csv" }));
    expect(e.kind).toBe("ragged");
    expect(e.line).toBe(3);
    expect(e.message).toBe("t.csv:3: 1 fields, but the header has 2");
  });

  it("reports a non-numeric cell, an empty cell, an unknown label and an unclosed quote", () => {
    const e = left(loadCsv("a,b\n1,2\n3,oops\n"));
    expect(e.kind).toBe("parse");
    expect(e.line).toBe(3);
    expect(e.message).toContain('column "b": "oops" is not a number');
    expect(left(loadCsv("a,b\n1,\n")).message).toContain("empty cell");
    expect(left(loadCsv("a,b\n1,2\n", { label: "c" })).kind).toBe("missing-key");
    expect(left(loadCsv('a,b\n1,"2\n')).kind).toBe("parse");
    expect(left(loadCsv("a,b\n1,2\n3,x\n", { label: "b", labelType: "number" })).kind).toBe(
      "parse",
    );
    expect(left(loadCsv("")).kind).toBe("parse");
  });

  it("parses rows with line numbers", () => {
    expect(right(parseCsvRows('a,"b\nc"\n1,2'))).toEqual({
      rows: [
        ["a", "b\nc"],
        ["1", "2"],
      ],
      lines: [1, 3],
    });
  });
});

describe("readCsv", () => {
  it("reads a file as a TaskEither, and reports a missing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-"));
    const p = join(dir, "t.csv");
    writeFileSync(p, "x,y\n1,0\n2,1\n");
    const d = right(await readCsv(p, { label: "y" })());
    expect(d.y?.toArray()).toEqual([0, 1]);
    const e = left(await readCsv(join(dir, "none.csv"))());
    expect(e.kind).toBe("missing-file");
    expect(e.path).toBe(join(dir, "none.csv"));
  });
});
