/**
 * CSV loading: a header, a delimiter, quoted fields (RFC 4180), typed columns (numbers or
 * categories) and a label column, decoded into a feature tensor `[N, F]` and a label tensor `[N]`.
 * Bad input is an error value, never an exception or a silently shortened table.
 * @module
 */
import { loadingData } from "../tensor/scope.js";
import * as E from "fp-ts/lib/Either.js";
import type { Either, TaskEither } from "../io/either.js";
import { type LoadError, loadError } from "../io/load-error.js";
import type { Tensor } from "../tensor/tensor.js";
import { fromTyped } from "./host.js";

/** How a column is read: a number, a category (mapped to ids 0, 1, … in order of appearance), or skipped. */
export type ColumnType = "number" | "category" | "skip";

/** The dtypes a label tensor may have. */
export type LabelDType = "i32" | "f32";

/** Options of `loadCsv`. Every option is checked: a bad one is a `"bad-argument"` error. */
export interface CsvOptions {
  /** Whether the first row names the columns. Default true. */
  header?: boolean;
  /** The field separator: one character, not a quote, `\r` or `\n`. Default `","`. */
  delimiter?: string;
  /** Column types by name (or by index, as a string, when there is no header); default `"number"`. */
  columns?: Record<string, ColumnType>;
  /** The label column (name, or an integer 0-based index); it is left out of `x`. */
  label?: string | number;
  /** How to read the label: `"number"` or `"category"`. Default: a category if any cell is not a number. */
  labelType?: "number" | "category";
  /**
   * The label tensor's dtype. Default i32 for categories and for integer labels in the i32 range,
   * f32 for other numbers. An i32 label must be an integer in range; nothing is rounded or wrapped.
   */
  labelDtype?: LabelDType;
  /** The value of an empty numeric cell; by default an empty cell is a `"parse"` error. */
  missing?: number;
  /** A name for messages (the file path, when the text came from a file). */
  path?: string;
}

/** The tensor type of labels of dtype `L` (a union of tensors for a union of dtypes). */
export type LabelTensor<L extends LabelDType> = L extends LabelDType ? Tensor<[number], L> : never;

/** The label dtype that options `O` give: their `labelDtype`, else either. */
export type LabelDTypeOf<O> = O extends { labelDtype: infer L extends LabelDType } ? L : LabelDType;

/** A decoded CSV table; `L` is the label dtype when the options fix it. */
export interface CsvData<L extends LabelDType = LabelDType> {
  /** The features, `[N, F]` f32, in column order. */
  readonly x: Tensor<[number, number], "f32">;
  /** The labels `[N]`, when a label column was given. */
  readonly y?: LabelTensor<L>;
  /** The names of the feature columns (the indices as strings without a header). */
  readonly columns: readonly string[];
  /** For each category column (and a category label), its values in id order. */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** The label's classes in id order, when the label is a category. */
  readonly classes?: readonly string[];
}

const isLineBreak = (ch: string) => ch === "\n" || ch === "\r";

/** Why `delimiter` cannot separate fields, or null when it can. */
function badDelimiter(delimiter: unknown): string | null {
  if (typeof delimiter !== "string" || delimiter.length !== 1)
    return `delimiter ${describe(delimiter)} must be a single character`;
  if (delimiter === '"' || isLineBreak(delimiter))
    return `delimiter ${JSON.stringify(delimiter)} cannot be a quote or a line break`;
  return null;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v == null) return String(v);
  return Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

/**
 * Splits CSV text into rows of fields (RFC 4180: a quoted field may hold delimiters, line breaks
 * and `""`; a quote inside an unquoted field, or text after a closing quote, is a `"parse"` error
 * that names the line and the field). Blank lines are skipped. Returns the 1-based line number
 * where each row starts.
 * @example
 * ```ts
 * parseCsvRows('a,"b,c"\n1,2\n', ","); // Right({ rows: [["a", "b,c"], ["1", "2"]], lines: [1, 2] })
 * ```
 */
export function parseCsvRows(
  text: string,
  delimiter = ",",
  path?: string,
): Either<LoadError, { rows: string[][]; lines: number[] }> {
  if (typeof text !== "string")
    return E.left(
      loadError("bad-argument", `the CSV text is ${describe(text)}, not a string`, path),
    );
  const why = badDelimiter(delimiter);
  if (why) return E.left(loadError("bad-argument", why, path));
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let closed = false; // just after the closing quote of a quoted field
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;
  const fail = (what: string) =>
    E.left(loadError("parse", `field ${row.length + 1}: ${what}`, path, line));
  const endField = () => {
    row.push(field);
    field = "";
    closed = false;
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0].trim() === "" && !fieldStarted)) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    fieldStarted = false;
  };
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quoted) {
      if (ch === '"') {
        if (t[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          closed = true;
        }
      } else {
        if (ch === "\n" || (ch === "\r" && t[i + 1] !== "\n")) line++;
        field += ch;
      }
    } else if (ch === delimiter) {
      endField();
      fieldStarted = true;
    } else if (isLineBreak(ch)) {
      if (ch === "\r" && t[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else if (closed) {
      if (ch !== " " && ch !== "\t")
        return fail(`${JSON.stringify(ch)} after the closing quote (a quoted field ends there)`);
    } else if (ch === '"') {
      if (field.trim() !== "")
        return fail(
          `a quote inside the unquoted field ${JSON.stringify(field + ch)} (quote the whole field and double its quotes)`,
        );
      quoted = true;
      fieldStarted = true;
      field = "";
    } else field += ch;
  }
  if (quoted)
    return E.left(loadError("parse", "a quoted field is not closed before the end", path, rowLine));
  if (field !== "" || row.length > 0 || closed) endRow();
  return E.right({ rows, lines });
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * The value of a numeric CSV cell, or null when it is not one. The grammar is strict: an optional
 * sign, digits with an optional fraction (`1`, `-2.5`, `.5`, `3.`), an optional exponent (`1e-3`),
 * or `nan`, `inf`, `infinity` (any case, optionally signed). Spaces and tabs around the value are
 * ignored. Hexadecimal (`0x1F`), binary (`0b11`), `1_000`, `1,5` and empty cells are not numbers.
 * @example
 * ```ts
 * parseCsvNumber(" -1.5e3 "); // -1500
 * parseCsvNumber("0x1F");     // null
 * ```
 */
export function parseCsvNumber(cell: string): number | null {
  const v = cell.replace(/^[ \t]+|[ \t]+$/g, "");
  if (DECIMAL.test(v)) return Number(v);
  if (!SPECIAL.test(v)) return null;
  const sign = v.startsWith("-") ? -1 : 1;
  return /nan/i.test(v) ? Number.NaN : sign * Number.POSITIVE_INFINITY;
}

const isBlank = (cell: string) => /^[ \t]*$/.test(cell);
const fitsF32 = (v: number) => !Number.isFinite(v) || Number.isFinite(Math.fround(v));
const isI32 = (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1;

const OPTION_KEYS = [
  "header",
  "delimiter",
  "columns",
  "label",
  "labelType",
  "labelDtype",
  "missing",
  "path",
];
const COLUMN_TYPES: readonly ColumnType[] = ["number", "category", "skip"];

/** The first problem with loadCsv's options, or null. */
function checkOptions(o: unknown): string | null {
  if (o === null || typeof o !== "object" || Array.isArray(o))
    return `the options are ${describe(o)}, not an object`;
  const opts = o as Record<string, unknown>;
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(k))
      return `unknown option ${JSON.stringify(k)} (the options are ${OPTION_KEYS.join(", ")})`;
  }
  const { header, delimiter, columns, label, labelType, labelDtype, missing, path } = opts;
  if (header !== undefined && typeof header !== "boolean")
    return `header ${describe(header)} must be true or false`;
  if (delimiter !== undefined) {
    const why = badDelimiter(delimiter);
    if (why) return why;
  }
  if (columns !== undefined) {
    if (columns === null || typeof columns !== "object" || Array.isArray(columns))
      return `columns ${describe(columns)} must be an object of column types`;
    for (const [k, v] of Object.entries(columns)) {
      if (!COLUMN_TYPES.includes(v as ColumnType))
        return `columns[${JSON.stringify(k)}] is ${describe(v)}, not one of "number", "category", "skip"`;
    }
  }
  if (label !== undefined && typeof label !== "string") {
    if (typeof label !== "number" || !Number.isSafeInteger(label) || label < 0)
      return `label ${describe(label)} must be a column name or a non-negative integer index`;
  }
  if (labelType !== undefined && labelType !== "number" && labelType !== "category")
    return `labelType ${describe(labelType)} is not one of "number", "category"`;
  if (labelDtype !== undefined && labelDtype !== "i32" && labelDtype !== "f32")
    return `labelDtype ${describe(labelDtype)} is not one of "i32", "f32"`;
  if (missing !== undefined && (typeof missing !== "number" || !fitsF32(missing)))
    return `missing ${describe(missing)} must be a number that fits f32`;
  if (path !== undefined && typeof path !== "string")
    return `path ${describe(path)} must be a string`;
  return null;
}

/** The body of {@link loadCsv}. */
function loadCsvNow<const O extends CsvOptions = CsvOptions>(
  text: string,
  options?: O,
): Either<LoadError, CsvData<LabelDTypeOf<O>>> {
  const o: CsvOptions = options ?? {};
  const path = typeof o.path === "string" ? o.path : undefined;
  const bad = checkOptions(o);
  if (bad) return E.left(loadError("bad-argument", `loadCsv: ${bad}`, path));
  const parsed = parseCsvRows(text, o.delimiter ?? ",", path);
  if (E.isLeft(parsed)) return parsed;
  const { rows, lines } = parsed.right;
  const hasHeader = o.header ?? true;
  if (rows.length === 0) return E.left(loadError("parse", "the CSV text has no rows", path));
  const width = rows[0].length;
  const names = hasHeader
    ? rows[0].map((s) => s.trim())
    : Array.from({ length: width }, (_, i) => String(i));
  const body = hasHeader ? rows.slice(1) : rows;
  const bodyLines = hasHeader ? lines.slice(1) : lines;
  for (let r = 0; r < body.length; r++) {
    if (body[r].length !== width) {
      return E.left(
        loadError(
          "ragged",
          `${body[r].length} fields, but the ${hasHeader ? "header has" : "first row has"} ${width}`,
          path,
          bodyLines[r],
        ),
      );
    }
  }
  const at = (j: number) => `column ${j + 1} (${JSON.stringify(names[j])})`;
  const cellError = (kind: "parse" | "out-of-range", r: number, j: number, what: string) =>
    E.left(loadError(kind, `${at(j)}: ${what}`, path, bodyLines[r]));
  let labelCol = -1;
  if (o.label !== undefined) {
    labelCol = typeof o.label === "number" ? o.label : names.indexOf(o.label);
    if (labelCol < 0 || labelCol >= width) {
      return E.left(
        loadError(
          "missing-key",
          `no label column ${JSON.stringify(o.label)} among [${names.join(", ")}] (${width} columns)`,
          path,
        ),
      );
    }
  }
  const columns = o.columns ?? {};
  for (const k of Object.keys(columns)) {
    if (!names.includes(k))
      return E.left(
        loadError(
          "missing-key",
          `no column ${JSON.stringify(k)} among [${names.join(", ")}]`,
          path,
        ),
      );
  }
  const typeOf = (j: number): ColumnType =>
    Object.hasOwn(columns, names[j]) ? columns[names[j]] : "number";
  const featureCols = names.map((_, j) => j).filter((j) => j !== labelCol && typeOf(j) !== "skip");
  const n = body.length;
  const f = featureCols.length;
  const x = new Float32Array(n * f);
  const categories: Record<string, string[]> = Object.create(null);
  // By name, as `categories` is: columns that share a name share their ids.
  const catIds = new Map<string, Map<string, number>>();
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < f; k++) {
      const j = featureCols[k];
      const cell = body[r][j];
      if (typeOf(j) === "category") {
        let ids = catIds.get(names[j]);
        if (!ids) catIds.set(names[j], (ids = new Map()));
        const key = cell.trim();
        if (!ids.has(key)) {
          ids.set(key, ids.size);
          (categories[names[j]] ??= []).push(key);
        }
        x[r * f + k] = ids.get(key)!;
        continue;
      }
      const v = parseCsvNumber(cell);
      if (v === null) {
        if (isBlank(cell) && o.missing !== undefined) x[r * f + k] = o.missing;
        else
          return cellError(
            "parse",
            r,
            j,
            isBlank(cell) ? "an empty cell" : `${JSON.stringify(cell)} is not a number`,
          );
      } else if (!fitsF32(v)) {
        return cellError("out-of-range", r, j, `${cell.trim()} overflows f32`);
      } else x[r * f + k] = v;
    }
  }
  const labels =
    labelCol < 0
      ? null
      : decodeLabels(body, labelCol, o, (r, what, kind) =>
          cellError(kind, r, labelCol, `label ${what}`),
        );
  if (labels && E.isLeft(labels)) return labels;
  const result: { -readonly [K in keyof CsvData]: CsvData[K] } = {
    x: fromTyped(x, [n, f], "f32") as CsvData["x"],
    columns: featureCols.map((j) => names[j]),
    categories,
  };
  if (labels) {
    const { values, dtype, classes } = labels.right;
    if (classes) result.classes = classes;
    result.y = fromTyped(values, [n], dtype) as CsvData["y"];
  }
  return E.right(result as CsvData<LabelDTypeOf<O>>);
}

/** The label column decoded: values, dtype and (for a category) its classes, or the first bad cell. */
function decodeLabels(
  body: readonly string[][],
  col: number,
  o: CsvOptions,
  fail: (r: number, what: string, kind: "parse" | "out-of-range") => Either<LoadError, never>,
): Either<LoadError, { values: ArrayLike<number>; dtype: LabelDType; classes?: string[] }> {
  const cells = body.map((row) => row[col].trim());
  const numbers = cells.map(parseCsvNumber);
  const asCategory =
    o.labelType === "category" || (o.labelType === undefined && numbers.includes(null));
  if (asCategory) {
    const ids = new Map<string, number>();
    const values = cells.map((c) => {
      if (!ids.has(c)) ids.set(c, ids.size);
      return ids.get(c)!;
    });
    return E.right({ values, dtype: o.labelDtype ?? "i32", classes: [...ids.keys()] });
  }
  const bad = numbers.indexOf(null);
  if (bad >= 0) {
    const what =
      cells[bad] === "" ? "an empty cell" : `${JSON.stringify(cells[bad])} is not a number`;
    return fail(bad, what, "parse");
  }
  const vals = numbers as number[];
  const dtype = o.labelDtype ?? (vals.every(Number.isInteger) ? "i32" : "f32");
  for (let r = 0; r < vals.length; r++) {
    const v = vals[r];
    if (dtype === "i32" && !isI32(v)) {
      const why = Number.isInteger(v)
        ? `${cells[r]} is outside the i32 range [-2147483648, 2147483647]`
        : `${cells[r]} is not an integer`;
      const hint = o.labelDtype ? "" : ' (pass labelDtype: "f32" or labelType: "category")';
      return fail(r, `${why}, as an i32 label must be${hint}`, "out-of-range");
    }
    if (dtype === "f32" && !fitsF32(v)) return fail(r, `${cells[r]} overflows f32`, "out-of-range");
  }
  return E.right({ values: vals, dtype });
}

/**
 * Reads a CSV file and decodes it as `loadCsv` does, as a `TaskEither`: `"missing-file"` if it
 * cannot be read, `"parse"` if it is not valid UTF-8 (no byte is replaced silently).
 * @example
 * ```ts
 * const r = await tg.data.readCsv("iris.csv", { label: "species", labelDtype: "f32" })();
 * // Either<LoadError, CsvData<"f32">>: y is a Tensor<[number], "f32">
 * ```
 */
export function readCsv<const O extends CsvOptions = CsvOptions>(
  path: string,
  options?: O,
): TaskEither<LoadError, CsvData<LabelDTypeOf<O>>> {
  return async () => {
    if (typeof path !== "string")
      return E.left(
        loadError("bad-argument", `readCsv: the path is ${describe(path)}, not a string`),
      );
    const fs = (
      globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }
    ).process?.getBuiltinModule?.("node:fs/promises") as
      | typeof import("node:fs/promises")
      | undefined;
    if (!fs) return E.left(loadError("unavailable", "reading files needs Node (node:fs)", path));
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(path);
    } catch (err) {
      const code = (err as { code?: string }).code;
      return E.left(
        loadError("missing-file", code === "ENOENT" ? "no such file" : String(err), path),
      );
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return E.left(loadError("parse", "the file is not valid UTF-8 text", path));
    }
    const o = (options ?? {}) as CsvOptions;
    const withPath = o !== null && typeof o === "object" ? { ...o, path: o.path ?? path } : o;
    return loadCsv(text, withPath) as Either<LoadError, CsvData<LabelDTypeOf<O>>>;
  };
}

/**
 * Decodes CSV text into features `x` `[N, F]` (f32) and, with `label`, labels `y` `[N]`. Errors:
 * `"bad-argument"` for text that is not a string or a bad option (each is checked), `"ragged"` for
 * a row with the wrong number of fields, `"parse"` for a cell that is not a number (see
 * `parseCsvNumber`) or a badly quoted field, `"out-of-range"` for a value that overflows f32 or an
 * i32 label that is not an integer in range, `"missing-key"` for an unknown label or column name.
 * Every error names the line, and for a cell its column.
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const r = tg.data.loadCsv("a,b,species\n1,2,setosa\n3,4,virginica\n", { label: "species" });
 * if (E.isRight(r)) { r.right.x.shape; r.right.classes; } // [2, 2], ["setosa", "virginica"]
 * ```
 */
export function loadCsv<const O extends CsvOptions = CsvOptions>(
  text: string,
  options?: O,
): Either<LoadError, CsvData<LabelDTypeOf<O>>> {
  // the data is held on purpose: the memory warning for synchronous jobs does not count it
  return loadingData(() => loadCsvNow(text, options));
}
