/**
 * Fuzzing `loadCsv`: tables of numbers and categories written with random delimiters, quoting,
 * spacing, number spellings and line endings, under random options, then mutated (truncated, a
 * character overwritten, junk inserted or appended). Each case must be the `Left` that a reference
 * reader written here predicts (same kind, and the same line for a cell or a ragged row), or the
 * same table as the reference reader's.
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CsvOptions, loadCsv } from "../../src/data/csv.js";
import {
  expectKind,
  expectOnArena,
  expectSameValues,
  fuzz,
  type Mutation,
  mutation,
  type Outcome,
  runs,
  Tally,
} from "./harness.js";

// ---------------------------------------------------------------------------------------------
// the reference reader

type Failure = { kind: string; line?: number };
type Table = {
  x: number[];
  shape: [number, number];
  columns: string[];
  categories: Record<string, string[]>;
  y?: { dtype: string; values: number[] };
  classes?: string[];
};

const DIGITS = "0123456789";
const allDigits = (s: string) => s.length > 0 && [...s].every((c) => DIGITS.includes(c));

/** A number by the documented grammar, checked piece by piece, or null. */
function refNumber(cell: string): number | null {
  let a = 0;
  let b = cell.length;
  while (a < b && (cell[a] === " " || cell[a] === "\t")) a++;
  while (b > a && (cell[b - 1] === " " || cell[b - 1] === "\t")) b--;
  const s = cell.slice(a, b);
  const signed = s[0] === "+" || s[0] === "-";
  const body = signed ? s.slice(1) : s;
  const low = body.toLowerCase();
  if (low === "nan") return Number.NaN;
  if (low === "inf" || low === "infinity") return s[0] === "-" ? -Infinity : Infinity;
  const e = Math.max(body.indexOf("e"), body.indexOf("E"));
  const mant = e < 0 ? body : body.slice(0, e);
  if (e >= 0) {
    let exp = body.slice(e + 1);
    if (exp[0] === "+" || exp[0] === "-") exp = exp.slice(1);
    if (!allDigits(exp)) return null;
  }
  const parts = mant.split(".");
  if (parts.length > 2) return null;
  if (!parts.every((p) => p === "" || allDigits(p))) return null;
  if (parts.join("") === "") return null;
  return Number(s);
}

/** Rows of fields and the line each starts on, read with sticky regular expressions. */
function refRows(text: string, d: string): { rows: string[][]; lines: number[] } | Failure {
  const t = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const esc = d.replace(/[\\^$.*+?()[\]{}|-]/g, "\\$&");
  const ws = d === "\t" ? "[ ]" : "[ \\t]";
  const openQuote = new RegExp(`${ws}*"`, "y");
  const quoted = new RegExp(`${ws}*"((?:[^"]|"")*)"${ws}*`, "y");
  const plain = new RegExp(`[^"\\r\\n${esc}]*`, "y");
  const rows: string[][] = [];
  const lines: number[] = [];
  let pos = 0;
  let line = 1;
  while (pos < t.length) {
    const start = line;
    const fields: string[] = [];
    let blankPlain = false;
    for (;;) {
      openQuote.lastIndex = pos;
      if (openQuote.test(t)) {
        quoted.lastIndex = pos;
        const m = quoted.exec(t);
        if (!m) return { kind: "parse" };
        fields.push(m[1].replace(/""/g, '"'));
        line += (m[1].match(/\r\n|\n|\r/g) ?? []).length;
        pos = quoted.lastIndex;
        blankPlain = false;
      } else {
        plain.lastIndex = pos;
        const m = plain.exec(t)!;
        if (t[plain.lastIndex] === '"') return { kind: "parse" };
        fields.push(m[0]);
        pos = plain.lastIndex;
        blankPlain = fields.length === 1 && m[0].trim() === "";
      }
      const c = t[pos];
      if (c === d) {
        pos++;
        continue;
      }
      if (c === undefined || c === "\n" || c === "\r") {
        pos += t.startsWith("\r\n", pos) ? 2 : c === undefined ? 0 : 1;
        if (c !== undefined) line++;
        break;
      }
      return { kind: "parse" }; // text after a closing quote
    }
    if (!(fields.length === 1 && blankPlain)) {
      rows.push(fields);
      lines.push(start);
    }
  }
  return { rows, lines };
}

function refOptionsBad(o: CsvOptions): boolean {
  const d = o.delimiter;
  if (d !== undefined && (typeof d !== "string" || d.length !== 1 || '"\r\n'.includes(d)))
    return true;
  const l = o.label as unknown;
  if (l !== undefined && typeof l !== "string") {
    if (typeof l !== "number" || !Number.isInteger(l) || l < 0) return true;
  }
  if (o.labelDtype !== undefined && !["i32", "f32"].includes(o.labelDtype)) return true;
  return false;
}

/** What loadCsv must give, by the documented rules in their documented order. */
function refCsv(text: string, o: CsvOptions): Table | Failure {
  if (refOptionsBad(o)) return { kind: "bad-argument" };
  const parsed = refRows(text, o.delimiter ?? ",");
  if ("kind" in parsed) return parsed;
  const { rows, lines } = parsed;
  if (rows.length === 0) return { kind: "parse" };
  const header = o.header ?? true;
  const width = rows[0].length;
  const names = header ? rows[0].map((s) => s.trim()) : rows[0].map((_, i) => String(i));
  const body = header ? rows.slice(1) : rows;
  const at = header ? lines.slice(1) : lines;
  for (let r = 0; r < body.length; r++)
    if (body[r].length !== width) return { kind: "ragged", line: at[r] };
  let label = -1;
  if (o.label !== undefined) {
    label = typeof o.label === "number" ? o.label : names.indexOf(o.label);
    if (label < 0 || label >= width) return { kind: "missing-key" };
  }
  const types = new Map(Object.entries(o.columns ?? {}));
  for (const k of types.keys()) if (!names.includes(k)) return { kind: "missing-key" };
  const kind = (j: number) => types.get(names[j]) ?? "number";
  const cols = names.map((_, j) => j).filter((j) => j !== label && kind(j) !== "skip");
  const x: number[] = [];
  const categories: Record<string, string[]> = Object.create(null);
  for (let r = 0; r < body.length; r++) {
    for (const j of cols) {
      const cell = body[r][j];
      if (kind(j) === "category") {
        const list = (categories[names[j]] ??= []);
        if (!list.includes(cell.trim())) list.push(cell.trim());
        x.push(list.indexOf(cell.trim()));
        continue;
      }
      const v = refNumber(cell);
      if (v === null) {
        const blank = [...cell].every((ch) => ch === " " || ch === "\t");
        if (blank && o.missing !== undefined) x.push(Math.fround(o.missing));
        else return { kind: "parse", line: at[r] };
      } else if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
        return { kind: "out-of-range", line: at[r] };
      } else x.push(Math.fround(v));
    }
  }
  const table: Table = {
    x,
    shape: [body.length, cols.length],
    columns: cols.map((j) => names[j]),
    categories,
  };
  if (label < 0) return table;
  const cells = body.map((row) => row[label].trim());
  const nums = cells.map(refNumber);
  if (o.labelType === "category" || (o.labelType === undefined && nums.includes(null))) {
    const classes: string[] = [];
    for (const c of cells) if (!classes.includes(c)) classes.push(c);
    const values = cells.map((c) => classes.indexOf(c));
    return { ...table, classes, y: { dtype: o.labelDtype ?? "i32", values } };
  }
  const bad = nums.indexOf(null);
  if (bad >= 0) return { kind: "parse", line: at[bad] };
  const vals = nums as number[];
  const dtype = o.labelDtype ?? (vals.every(Number.isInteger) ? "i32" : "f32");
  for (let r = 0; r < vals.length; r++) {
    const v = vals[r];
    if (dtype === "i32" && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31))
      return { kind: "out-of-range", line: at[r] };
    if (dtype === "f32" && Number.isFinite(v) && !Number.isFinite(Math.fround(v)))
      return { kind: "out-of-range", line: at[r] };
  }
  const values = vals.map((v) => (dtype === "f32" ? Math.fround(v) : v + 0));
  return { ...table, y: { dtype, values } };
}

// ---------------------------------------------------------------------------------------------
// generated tables

const numberCell = fc.oneof(
  { arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 9 }).map(String), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 3 }))
      .map(([v, how]) =>
        how === 0
          ? String(v)
          : how === 1
            ? v.toExponential(3)
            : how === 2
              ? v.toFixed(2)
              : `+${Math.abs(v)}`,
      ),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(" 7 ", ".5", "3.", "1E3", "-0", "nan", "-inf", "Infinity"),
    weight: 2,
  },
  { arbitrary: fc.constantFrom("3000000000", "-2147483648", "1e39", "2147483647"), weight: 1 },
  { arbitrary: fc.constantFrom("", "0x1F", "0b11", "1_0", "1e", "--1", "1.2.3", "abc"), weight: 1 },
);

const textCell = fc.string({
  unit: fc.constantFrom("a", "b", "z", " ", '"', ",", ";", "\n", "1"),
  maxLength: 5,
});

const NAMES = ["a", "b", "c", "y", "__proto__", "toString", "a b", 'q"t', "c,d", "1"];

/** A field as written: quoted when it must be (or at random), with quotes doubled. */
function write(cell: string, d: string, quote: boolean): string {
  const must = /["\r\n]/.test(cell) || cell.includes(d) || cell !== cell.trim();
  return must || quote ? `"${cell.replace(/"/g, '""')}"` : cell;
}

interface Case {
  text: string;
  options: CsvOptions;
  m: Mutation;
}

const cases: fc.Arbitrary<Case> = fc
  .record({
    width: fc.integer({ min: 1, max: 4 }),
    height: fc.integer({ min: 0, max: 5 }),
    delimiter: fc.oneof(
      { arbitrary: fc.constantFrom(",", ";", "\t", "|"), weight: 30 },
      { arbitrary: fc.constantFrom("", ";;", '"', "\n"), weight: 1 },
    ),
    header: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    crlf: fc.boolean(),
    trailingNewline: fc.boolean(),
    m: mutation,
  })
  .chain((g) =>
    fc
      .record({
        names: fc.array(fc.constantFrom(...NAMES), { minLength: g.width, maxLength: g.width }),
        kinds: fc.array(fc.constantFrom("number", "number", "category", "skip"), {
          minLength: g.width,
          maxLength: g.width,
        }),
        cells: fc.array(
          fc.array(
            fc.oneof({ arbitrary: numberCell, weight: 9 }, { arbitrary: textCell, weight: 1 }),
            {
              minLength: g.width,
              maxLength: g.width,
            },
          ),
          { minLength: g.height, maxLength: g.height },
        ),
        quotes: fc.array(fc.boolean(), {
          minLength: (g.height + 1) * g.width,
          maxLength: (g.height + 1) * g.width,
        }),
        label: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 3 },
          { arbitrary: fc.integer({ min: 0, max: g.width - 1 }), weight: 2 },
          {
            arbitrary: fc.integer({ min: 0, max: g.width - 1 }).map((j) => `name:${j}`),
            weight: 2,
          },
          { arbitrary: fc.constantFrom(...NAMES), weight: 1 },
          { arbitrary: fc.constantFrom(g.width, 0.5, -1), weight: 1 },
        ),
        labelType: fc.constantFrom(undefined, undefined, "number", "category"),
        labelDtype: fc.oneof(
          { arbitrary: fc.constantFrom(undefined, "i32", "f32"), weight: 20 },
          { arbitrary: fc.constant("int8"), weight: 1 },
        ),
        missing: fc.constantFrom(undefined, undefined, 0, Number.NaN),
        typed: fc.boolean(),
      })
      .map((c): Case => {
        const d = typeof g.delimiter === "string" && g.delimiter.length === 1 ? g.delimiter : ",";
        const nl = g.crlf ? "\r\n" : "\n";
        let q = 0;
        const rows = [...(g.header ? [c.names] : []), ...c.cells].map((row) =>
          row.map((cell) => write(cell, d, c.quotes[q++ % c.quotes.length])).join(d),
        );
        const text = rows.join(nl) + (g.trailingNewline ? nl : "");
        const options: CsvOptions = { delimiter: g.delimiter, header: g.header };
        if (typeof c.label === "string" && c.label.startsWith("name:"))
          options.label = g.header ? c.names[Number(c.label.slice(5))] : Number(c.label.slice(5));
        else if (c.label !== undefined) options.label = c.label;
        if (c.labelType !== undefined) options.labelType = c.labelType as CsvOptions["labelType"];
        if (c.labelDtype !== undefined)
          options.labelDtype = c.labelDtype as CsvOptions["labelDtype"];
        if (c.missing !== undefined) options.missing = c.missing;
        if (c.typed) {
          const columns: Record<string, "number" | "category" | "skip"> = Object.create(null);
          const names = g.header ? c.names : c.names.map((_, i) => String(i));
          names.forEach((n, j) => {
            if (c.kinds[j] !== "number") columns[n] = c.kinds[j] as "category" | "skip";
          });
          options.columns = columns;
        }
        return { text, options, m: g.m };
      }),
  );

const JUNK = ["a", "1", " ", '"', ",", ";", "\n", "\r", "\t", "e", "-", "."];

/** The text after a mutation, junk bytes turned into characters that matter to CSV. */
function mutateText(s: string, m: Mutation): string {
  const chars = (junk: Uint8Array) => [...junk].map((b) => JUNK[b % JUNK.length]).join("");
  const n = s.length;
  switch (m.op) {
    case "none":
      return s;
    case "truncate":
      return s.slice(0, n === 0 ? 0 : m.at % n);
    case "set":
      return n === 0
        ? s
        : s.slice(0, m.at % n) + JUNK[m.value % JUNK.length] + s.slice((m.at % n) + 1);
    case "insert":
      return s.slice(0, m.at % (n + 1)) + chars(m.junk) + s.slice(m.at % (n + 1));
    case "append":
      return s + chars(m.junk);
  }
}

function run(c: Case): Outcome {
  const text = mutateText(c.text, c.m);
  const want = refCsv(text, c.options);
  const r = loadCsv(text, c.options);
  const what = `${JSON.stringify(text)} with ${JSON.stringify(c.options)}`;
  if ("kind" in want) {
    if (E.isRight(r)) {
      r.right.x.dispose();
      r.right.y?.dispose();
      throw new Error(`expected a ${want.kind} error for ${what}`);
    }
    if (want.line !== undefined)
      expect(r.left.line, `the line of ${r.left.message}`).toBe(want.line);
    return expectKind(r.left, [want.kind], what);
  }
  if (E.isLeft(r)) throw new Error(`expected a table for ${what}, got ${r.left.message}`);
  const got = r.right;
  try {
    expect(got.x.shape).toEqual(want.shape);
    expectOnArena(got.x);
    expectSameValues(got.x.dataSync(), want.x);
    expect(got.columns).toEqual(want.columns);
    expect(Object.entries(got.categories)).toEqual(Object.entries(want.categories));
    expect(got.classes).toEqual(want.classes);
    if (want.y) {
      expect(got.y?.dtype).toBe(want.y.dtype);
      expectSameValues(got.y!.dataSync(), want.y.values);
    } else expect(got.y).toBeUndefined();
  } finally {
    got.x.dispose();
    got.y?.dispose();
  }
  return "value";
}

describe("fuzz: loadCsv", () => {
  it("gives a typed error or the reference reader's table for generated and mutated text", () => {
    const tally = new Tally();
    fuzz("loadCsv", cases, runs(3000), tally, run);
    tally.expectBoth("loadCsv", 0.2);
    for (const k of ["parse", "ragged", "out-of-range", "missing-key", "bad-argument"])
      expect(tally.counts.get(`error:${k}`), k).toBeGreaterThan(0);
  });

  it("rejects text that is not a string", () => {
    const tally = new Tally();
    const junk = fc.constantFrom(null, undefined, 0, true, {}, ["a,b"], new Uint8Array([97]));
    fuzz("loadCsv(non-text)", junk, runs(50), tally, (x) => {
      const r = loadCsv(x as never);
      if (E.isRight(r)) throw new Error(`${String(x)} was accepted`);
      return expectKind(r.left, ["bad-argument"], String(x));
    });
  });
});
