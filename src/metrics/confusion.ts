/**
 * The confusion matrix: counts of (true class, predicted class) pairs, and a printable table.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Tensor } from "../tensor/tensor.js";
import { fromTyped } from "../data/host.js";
import { type LabelsLike, pairIds, valuesOf } from "./labels.js";

/**
 * The `[C, C]` i32 matrix whose entry `[i, j]` counts the examples of true class `i` predicted as
 * class `j` (rows: truth, columns: prediction, as scikit-learn). `pred` may be ids `[N]` or
 * scores `[N, C]`.
 * @example
 * ```ts
 * tg.metrics.confusionMatrix([0, 1, 1], [0, 1, 0], 2).toArray(); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix<C extends number>(
  pred: LabelsLike,
  y: LabelsLike,
  numClasses: C,
): Tensor<[C, C], "i32"> {
  const [p, t] = pairIds("confusionMatrix", pred, y);
  const c = numClasses;
  if (!Number.isInteger(c) || c < 1)
    throw new ShapeError("confusionMatrix", `numClasses must be a positive integer, got ${c}`);
  const m = new Int32Array(c * c);
  for (let i = 0; i < p.length; i++) {
    if (p[i] < 0 || p[i] >= c || t[i] < 0 || t[i] >= c) {
      throw new ShapeError(
        "confusionMatrix",
        `class id ${p[i] < 0 || p[i] >= c ? p[i] : t[i]} at index ${i} is outside 0…${c - 1}`,
      );
    }
    m[t[i] * c + p[i]]++;
  }
  return fromTyped(m, [c, c], "i32") as Tensor<[C, C], "i32">;
}

/** Options of `formatConfusionMatrix`. */
export interface FormatConfusionOptions {
  /** Class names (default: the class ids). */
  labels?: readonly string[];
  /** Append each row's recall (the diagonal / the row sum) as a last column. Default true. */
  recall?: boolean;
}

/**
 * A confusion matrix as a text table: rows are true classes, columns predicted classes, with
 * totals and each class's recall.
 * @example
 * ```ts
 * const y = tg.tensor([0, 0, 0, 0, 0, 0, 1, 2], "i32");
 * const pred = tg.tensor([0, 0, 0, 0, 0, 2, 1, 2], "i32");
 * console.log(tg.metrics.formatConfusionMatrix(tg.metrics.confusionMatrix(pred, y, 3)));
 * // true\pred   0   1   2 │ total recall
 * //         0   5   0   1 │     6  83.3%
 * //         1   0   1   0 │     1 100.0%
 * // …
 * ```
 */
export function formatConfusionMatrix(
  cm: AnyTensor | readonly (readonly number[])[],
  options: FormatConfusionOptions = {},
): string {
  let rows: number[][];
  if (Array.isArray(cm)) rows = cm.map((r) => [...r]);
  else {
    const { data, shape } = valuesOf(cm as AnyTensor);
    if (shape.length !== 2 || shape[0] !== shape[1]) {
      throw new ShapeError(
        "formatConfusionMatrix",
        `expected a square matrix [C, C], got [${shape.join(", ")}]`,
      );
    }
    rows = [];
    for (let i = 0; i < shape[0]; i++)
      rows.push(Array.from({ length: shape[1] }, (_, j) => data[i * shape[1] + j]));
  }
  const c = rows.length;
  const names = Array.from({ length: c }, (_, i) => options.labels?.[i] ?? String(i));
  const showRecall = options.recall ?? true;
  const totals = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const corner = "true\\pred";
  const w = Math.max(...names.map((n) => n.length), ...rows.flat().map((v) => String(v).length), 3);
  const first = Math.max(corner.length, ...names.map((n) => n.length));
  const totalW = Math.max(5, ...totals.map((t) => String(t).length));
  const pad = (s: string, n: number) => s.padStart(n);
  const head = [pad(corner, first), ...names.map((n) => pad(n, w))].join(" ");
  const tail = showRecall ? ` │ ${pad("total", totalW)} recall` : ` │ ${pad("total", totalW)}`;
  const lines = [head + tail];
  rows.forEach((r, i) => {
    const rec = totals[i] === 0 ? "    -" : `${((100 * r[i]) / totals[i]).toFixed(1)}%`;
    const cells = [pad(names[i], first), ...r.map((v) => pad(String(v), w))].join(" ");
    lines.push(
      `${cells} │ ${pad(String(totals[i]), totalW)}${showRecall ? ` ${pad(rec, 6)}` : ""}`,
    );
  });
  const correct = rows.reduce((a, r, i) => a + r[i], 0);
  const all = totals.reduce((a, b) => a + b, 0);
  if (all > 0) lines.push(`accuracy ${((100 * correct) / all).toFixed(2)}% (${correct}/${all})`);
  return lines.join("\n");
}
