/** CSV: typed columns, labels, quoting, and each error (ragged row, non-numeric cell, missing file). */
import "./backend.js";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type CsvOptions,
  loadCsv,
  parseCsvNumber,
  parseCsvRows,
  readCsv,
} from "../../src/data/csv.js";
import type { LoadError } from "../../src/io/load-error.js";
import type { Tensor } from "../../src/tensor/tensor.js";

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
    expect(e.message).toBe('line 3: column 2 ("b"): "oops" is not a number');
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

describe("loadCsv: every bad input is a typed error", () => {
  // [why, text, options, kind, a piece of the message]
  const bad: [string, unknown, unknown, LoadError["kind"], string][] = [
    [
      "an empty delimiter (looped forever)",
      "a,b\n1,2\n",
      { delimiter: "" },
      "bad-argument",
      "single character",
    ],
    ["a two-character delimiter", "a,b\n", { delimiter: ";;" }, "bad-argument", "single character"],
    ["a quote as delimiter", "a,b\n", { delimiter: '"' }, "bad-argument", "quote"],
    ["a newline as delimiter", "a,b\n", { delimiter: "\n" }, "bad-argument", "line break"],
    ["a fractional label index", "a,b\n1,2\n", { label: 0.5 }, "bad-argument", "label 0.5"],
    ["a negative label index", "a,b\n1,2\n", { label: -1 }, "bad-argument", "label -1"],
    ["a label index past the end", "a,b\n1,2\n", { label: 2 }, "missing-key", "(2 columns)"],
    [
      "an unknown label dtype",
      "a,b\n1,2\n",
      { label: "b", labelDtype: "int8" },
      "bad-argument",
      '"i32", "f32"',
    ],
    [
      "an unknown label type",
      "a,b\n1,2\n",
      { label: "b", labelType: "int" },
      "bad-argument",
      "labelType",
    ],
    [
      "an unknown column type",
      "a,b\n1,2\n",
      { columns: { a: "text" } },
      "bad-argument",
      'columns["a"]',
    ],
    ["a header that is not a boolean", "a,b\n", { header: "yes" }, "bad-argument", "header"],
    ["a missing value that is not a number", "a\n\n", { missing: "0" }, "bad-argument", "missing"],
    ["an unknown option", "a\n1\n", { lable: "a" }, "bad-argument", '"lable"'],
    ["options that are not an object", "a\n1\n", 5, "bad-argument", "not an object"],
    ["null text", null, {}, "bad-argument", "null, not a string"],
    ["bytes instead of text", new Uint8Array(3), {}, "bad-argument", "not a string"],
    ["a number as text", 42, undefined, "bad-argument", "42, not a string"],
    [
      "a template key as a column name",
      "a,b\n1,2\n",
      { columns: { toString: "skip" } },
      "missing-key",
      '"toString"',
    ],
  ];
  it.each(bad)("%s", (_, text, options, kind, piece) => {
    const e = left(loadCsv(text as string, options as CsvOptions));
    expect(e.kind).toBe(kind);
    expect(e.message).toContain(piece);
  });

  // Cells that the old parser (Number()) took as numbers, or that lose data.
  const cells: [string, string, LoadError["kind"], string][] = [
    ["hexadecimal", "0x1F", "parse", '"0x1F" is not a number'],
    ["binary", "0b11", "parse", '"0b11" is not a number'],
    ["octal", "0o7", "parse", "is not a number"],
    ["text after a closing quote", '"1"5', "parse", "after the closing quote"],
    ["a quote inside a field", '1"5', "parse", "a quote inside the unquoted field"],
    ["an empty cell", "", "parse", "an empty cell"],
    ["only spaces", "   ", "parse", "an empty cell"],
    ["a digit separator", "1_000", "parse", "is not a number"],
    ["a lone sign", "-", "parse", "is not a number"],
    ["a lone dot", ".", "parse", "is not a number"],
    ["an exponent without digits", "1e", "parse", "is not a number"],
    ["Infinity spelt with a suffix", "infinityx", "parse", "is not a number"],
    ["a value beyond f32", "1e39", "out-of-range", "1e39 overflows f32"],
  ];
  it.each(cells)("rejects a %s cell, naming its line and column", (_, cell, kind, piece) => {
    const e = left(loadCsv(`a,b\n1,2\n3,${cell}\n`));
    expect(e.kind).toBe(kind);
    expect(e.line).toBe(3);
    expect(e.message).toContain(piece);
    if (kind !== "parse" || !piece.includes("quote")) expect(e.message).toContain('column 2 ("b")');
    else expect(e.message).toContain("field 2");
  });

  it("accepts the documented number grammar", () => {
    const good: [string, number][] = [
      ["1", 1],
      ["-2.5", -2.5],
      ["+3", 3],
      [".5", 0.5],
      ["3.", 3],
      ["1e-3", 1e-3],
      ["-1.5E+3", -1500],
      [" 7 ", 7],
      ["nan", Number.NaN],
      ["NaN", Number.NaN],
      ["-inf", -Infinity],
      ["Infinity", Infinity],
    ];
    for (const [cell, v] of good) expect(parseCsvNumber(cell)).toBe(v);
    const d = right(loadCsv(`a\n${good.map(([c]) => `"${c}"`).join("\n")}\n`));
    expect(Array.from(d.x.dataSync())).toEqual(good.map(([, v]) => Math.fround(v)));
  });

  it("reads back every double written by String, toExponential and toFixed exactly", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        for (const s of [String(v), v.toExponential(17), ` ${v.toExponential()}\t`])
          expect(parseCsvNumber(s)).toBe(Number(s.trim()));
        expect(parseCsvNumber(String(v))).toBe(v + 0); // String(-0) is "0"
        if (Math.abs(v) < 1e21) expect(parseCsvNumber(v.toFixed(3))).toBe(Number(v.toFixed(3)));
      }),
      { numRuns: 500 },
    );
  });

  const labels: [string, string, CsvOptions, LoadError["kind"], string][] = [
    [
      "beyond i32 (wrapped to -1294967296)",
      "3000000000",
      {},
      "out-of-range",
      "outside the i32 range",
    ],
    ["below i32", "-2147483649", {}, "out-of-range", "outside the i32 range"],
    ["fractional, as i32", "1.5", { labelDtype: "i32" }, "out-of-range", "1.5 is not an integer"],
    ["nan, as i32", "nan", { labelDtype: "i32" }, "out-of-range", "nan is not an integer"],
    ["beyond f32", "1e40", { labelDtype: "f32" }, "out-of-range", "1e40 overflows f32"],
    ["not a number, as a number", "x", { labelType: "number" }, "parse", '"x" is not a number'],
    ["empty, as a number", "", { labelType: "number" }, "parse", "an empty cell"],
  ];
  it.each(labels)("rejects a label %s, naming line and column", (_, cell, options, kind, piece) => {
    const e = left(loadCsv(`x,y\n1,0\n2,${cell}\n`, { label: "y", ...options }));
    expect(e.kind).toBe(kind);
    expect(e.line).toBe(3);
    expect(e.message).toContain('column 2 ("y"): label');
    expect(e.message).toContain(piece);
  });

  it("keeps i32 labels at the range ends exactly, and large labels as f32 on request", () => {
    const d = right(loadCsv("x,y\n1,2147483647\n2,-2147483648\n", { label: "y" }));
    expect(d.y?.dtype).toBe("i32");
    expect(d.y?.toArray()).toEqual([2147483647, -2147483648]);
    const f = right(loadCsv("x,y\n1,3000000000\n", { label: "y", labelDtype: "f32" }));
    expect(f.y?.toArray()).toEqual([3e9]);
  });

  it("allows any column name, such as __proto__ and toString", () => {
    const d = right(
      loadCsv("__proto__,toString,y\nu,v,1\nw,v,0\n", {
        label: "y",
        columns: JSON.parse('{"__proto__": "category", "toString": "category"}'),
      }),
    );
    expect(Object.keys(d.categories)).toEqual(["__proto__", "toString"]);
    expect(Object.getOwnPropertyDescriptor(d.categories, "__proto__")?.value).toEqual(["u", "w"]);
    expect(d.x.toArray()).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it("gives the label dtype of the options in the type", () => {
    const f = right(loadCsv("x,y\n1,2\n", { label: "y", labelDtype: "f32" }));
    expectTypeOf(f.y).toEqualTypeOf<Tensor<[number], "f32"> | undefined>();
    expect(f.y?.dtype).toBe("f32");
    const i = right(loadCsv("x,y\n1,2\n", { label: "y", labelDtype: "i32" }));
    expectTypeOf(i.y).toEqualTypeOf<Tensor<[number], "i32"> | undefined>();
    const u = right(loadCsv("x,y\n1,2\n", { label: "y" }));
    expectTypeOf(u.y).toEqualTypeOf<
      Tensor<[number], "i32"> | Tensor<[number], "f32"> | undefined
    >();
    // @ts-expect-error: an i32 label is not an f32 tensor
    const wrong: Tensor<[number], "f32"> | undefined = i.y;
    expect(wrong?.dtype).toBe("i32");
    // @ts-expect-error: "int8" is not a label dtype
    expect(left(loadCsv("x,y\n1,2\n", { label: "y", labelDtype: "int8" })).kind).toBe(
      "bad-argument",
    );
  });

  it("readCsv: the label dtype in the type, invalid UTF-8 and a bad path are errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-"));
    const p = join(dir, "t.csv");
    writeFileSync(p, "x,y\n1,0\n2,1\n");
    const d = right(await readCsv(p, { label: "y", labelDtype: "f32" })());
    expectTypeOf(d.y).toEqualTypeOf<Tensor<[number], "f32"> | undefined>();
    expect(d.y?.dtype).toBe("f32");
    writeFileSync(p, Buffer.from([0x61, 0x0a, 0xff, 0x0a]));
    expect(left(await readCsv(p)()).message).toContain("not valid UTF-8");
    expect(left(await readCsv(null as unknown as string)()).kind).toBe("bad-argument");
    writeFileSync(p, "x,y\n1,0\n");
    expect(left(await readCsv(p, { delimiter: "" })()).kind).toBe("bad-argument");
  });
});
