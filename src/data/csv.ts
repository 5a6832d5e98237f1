/**
 * CSV loading: a header, a delimiter, quoted fields (RFC 4180), typed columns (numbers or
 * categories) and a label column, decoded into a feature tensor `[N, F]` and a label tensor `[N]`.
 * Bad input is an error value, never an exception or a silently shortened table.
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import type * as TE from "fp-ts/lib/TaskEither.js";
import { type LoadError, loadError } from "../io/load-error.js";
import type { Tensor } from "../tensor/tensor.js";
import { fromTyped } from "./host.js";

/** How a column is read: a number, a category (mapped to ids 0, 1, … in order of appearance), or skipped. */
export type ColumnType = "number" | "category" | "skip";

/** Options of `loadCsv`. */
export interface CsvOptions {
  /** Whether the first row names the columns. Default true. */
  header?: boolean;
  /** The field separator. Default `","`. */
  delimiter?: string;
  /** Column types by name (or by index, as a string, when there is no header); default `"number"`. */
  columns?: Record<string, ColumnType>;
  /** The label column (name or 0-based index); it is left out of `x`. */
  label?: string | number;
  /** How to read the label: `"number"` or `"category"`. Default: a category if any cell is not a number. */
  labelType?: "number" | "category";
  /** The label tensor's dtype. Default i32 for categories and integer labels, else f32. */
  labelDtype?: "i32" | "f32";
  /** The value of an empty numeric cell; by default an empty cell is a `"parse"` error. */
  missing?: number;
  /** A name for messages (the file path, when the text came from a file). */
  path?: string;
}

/** A decoded CSV table. */
export interface CsvData {
  /** The features, `[N, F]` f32, in column order. */
  readonly x: Tensor<[number, number], "f32">;
  /** The labels `[N]`, when a label column was given. */
  readonly y?: Tensor<[number], "i32"> | Tensor<[number], "f32">;
  /** The names of the feature columns (the indices as strings without a header). */
  readonly columns: readonly string[];
  /** For each category column (and a category label), its values in id order. */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** The label's classes in id order, when the label is a category. */
  readonly classes?: readonly string[];
}

/**
 * Splits CSV text into rows of fields (quotes may hold delimiters, newlines and `""`). Blank lines
 * are skipped. Returns the 1-based line number where each row starts.
 * @example
 * ```ts
 * parseCsvRows('a,"b,c"\n1,2\n', ","); // Right({ rows: [["a", "b,c"], ["1", "2"]], lines: [1, 2] })
 * ```
 */
export function parseCsvRows(
  text: string,
  delimiter = ",",
  path?: string,
): E.Either<LoadError, { rows: string[][]; lines: number[] }> {
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0].trim() === "" && !fieldStarted)) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    field = "";
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
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === "") {
      quoted = true;
      fieldStarted = true;
      field = "";
    } else if (t.startsWith(delimiter, i)) {
      row.push(field);
      field = "";
      fieldStarted = true;
      i += delimiter.length - 1;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && t[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted)
    return E.left(loadError("parse", "a quoted field is not closed before the end", path, rowLine));
  if (field !== "" || row.length > 0) endRow();
  return E.right({ rows, lines });
}

function parseNumber(s: string): number | null {
  const v = s.trim();
  if (v === "") return null;
  const n = Number(v);
  if (Number.isNaN(n) && !/^[+-]?nan$/i.test(v)) return null;
  return n;
}

/**
 * Decodes CSV text into features `x` `[N, F]` (f32) and, with `label`, labels `y` `[N]`. Errors:
 * `"ragged"` for a row with the wrong number of fields, `"parse"` for a non-numeric cell in a
 * number column (or an unclosed quote), `"missing-key"` for an unknown label or column name.
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const r = tg.data.loadCsv("a,b,species\n1,2,setosa\n3,4,virginica\n", { label: "species" });
 * if (E.isRight(r)) { r.right.x.shape; r.right.classes; } // [2, 2], ["setosa", "virginica"]
 * ```
 */
export function loadCsv(text: string, options: CsvOptions = {}): E.Either<LoadError, CsvData> {
  const path = options.path;
  const parsed = parseCsvRows(text, options.delimiter ?? ",", path);
  if (E.isLeft(parsed)) return parsed;
  const { rows, lines } = parsed.right;
  const hasHeader = options.header ?? true;
  if (rows.length === 0 || (hasHeader && rows.length === 0)) {
    return E.left(loadError("parse", "the CSV text has no rows", path));
  }
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
  let labelCol = -1;
  if (options.label !== undefined) {
    labelCol = typeof options.label === "number" ? options.label : names.indexOf(options.label);
    if (labelCol < 0 || labelCol >= width) {
      return E.left(
        loadError(
          "missing-key",
          `no label column ${JSON.stringify(options.label)} among [${names.join(", ")}]`,
          path,
        ),
      );
    }
  }
  for (const k of Object.keys(options.columns ?? {})) {
    if (!names.includes(k))
      return E.left(
        loadError(
          "missing-key",
          `no column ${JSON.stringify(k)} among [${names.join(", ")}]`,
          path,
        ),
      );
  }
  const typeOf = (j: number): ColumnType => options.columns?.[names[j]] ?? "number";
  const featureCols = names.map((_, j) => j).filter((j) => j !== labelCol && typeOf(j) !== "skip");
  const n = body.length;
  const f = featureCols.length;
  const x = new Float32Array(n * f);
  const categories: Record<string, string[]> = {};
  const catIds: Record<number, Map<string, number>> = {};
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < f; k++) {
      const j = featureCols[k];
      const cell = body[r][j];
      if (typeOf(j) === "category") {
        const ids = (catIds[j] ??= new Map());
        const key = cell.trim();
        if (!ids.has(key)) {
          ids.set(key, ids.size);
          (categories[names[j]] ??= []).push(key);
        }
        x[r * f + k] = ids.get(key)!;
      } else {
        const v = parseNumber(cell);
        if (v === null) {
          if (cell.trim() === "" && options.missing !== undefined) x[r * f + k] = options.missing;
          else {
            const what =
              cell.trim() === "" ? "an empty cell" : `${JSON.stringify(cell)} is not a number`;
            return E.left(loadError("parse", `column "${names[j]}": ${what}`, path, bodyLines[r]));
          }
        } else x[r * f + k] = v;
      }
    }
  }
  const result: { -readonly [K in keyof CsvData]: CsvData[K] } = {
    x: fromTyped(x, [n, f], "f32") as CsvData["x"],
    columns: featureCols.map((j) => names[j]),
    categories,
  };
  if (labelCol >= 0) {
    const cells = body.map((row) => row[labelCol].trim());
    const numbers = cells.map(parseNumber);
    const asCategory =
      options.labelType === "category" ||
      (options.labelType === undefined && numbers.some((v) => v === null));
    if (asCategory) {
      const ids = new Map<string, number>();
      const y = new Int32Array(n);
      cells.forEach((c, r) => {
        if (!ids.has(c)) ids.set(c, ids.size);
        y[r] = ids.get(c)!;
      });
      result.classes = [...ids.keys()];
      result.y = fromTyped(y, [n], options.labelDtype ?? "i32") as CsvData["y"];
    } else {
      const bad = numbers.indexOf(null);
      if (bad >= 0) {
        return E.left(
          loadError(
            "parse",
            `label column "${names[labelCol]}": ${JSON.stringify(cells[bad])} is not a number`,
            path,
            bodyLines[bad],
          ),
        );
      }
      const vals = numbers as number[];
      const dtype = options.labelDtype ?? (vals.every(Number.isInteger) ? "i32" : "f32");
      result.y = fromTyped(vals, [n], dtype) as CsvData["y"];
    }
  }
  return E.right(result);
}

/**
 * Reads a CSV file and decodes it as `loadCsv` does, as a `TaskEither` (`"missing-file"` if it
 * cannot be read).
 * @example
 * ```ts
 * const r = await tg.data.readCsv("iris.csv", { label: "species" })();
 * ```
 */
export function readCsv(path: string, options: CsvOptions = {}): TE.TaskEither<LoadError, CsvData> {
  return async () => {
    const fs = (
      globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }
    ).process?.getBuiltinModule?.("node:fs/promises") as
      | typeof import("node:fs/promises")
      | undefined;
    if (!fs) return E.left(loadError("unavailable", "reading files needs Node (node:fs)", path));
    let text: string;
    try {
      text = await fs.readFile(path, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code;
      return E.left(
        loadError("missing-file", code === "ENOENT" ? "no such file" : String(err), path),
      );
    }
    return loadCsv(text, { ...options, path: options.path ?? path });
  };
}
