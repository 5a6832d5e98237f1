/**
 * Classification metrics computed on the host, as plain numbers: accuracy, precision, recall and
 * F1 (binary, or averaged over classes).
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import { type LabelsLike, pairIds } from "./labels.js";

/**
 * The fraction of predictions equal to the labels. `pred` may be class ids `[N]` or scores `[N, C]`
 * (logits, probabilities: their argmax is the prediction); `y` may be ids `[N]` or one-hot `[N, C]`.
 * An empty input gives NaN.
 * @example
 * ```ts
 * tg.metrics.accuracy(tg.tensor([[2, 1], [0, 3]]), tg.tensor([0, 0], "i32")); // 0.5
 * tg.metrics.accuracy([1, 2, 3], [1, 2, 0]); // 0.666…
 * ```
 */
export function accuracy(
  pred: LabelsLike,
  y: LabelsLike,
  options: { threshold?: number } = {},
): number {
  const [p, t] = pairIds("accuracy", pred, y, options.threshold);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) ok++;
  return ok / p.length;
}

/** How precision, recall and F1 combine classes. */
export interface AverageOptions {
  /**
   * `"binary"` (the default): the metric of class `positive` only. `"macro"`: the unweighted mean
   * over classes. `"micro"`: from the total counts. `"weighted"`: the mean weighted by each class's
   * support (its count among the labels).
   */
  average?: "binary" | "macro" | "micro" | "weighted";
  /** The positive class of a binary metric. Default 1. */
  positive?: number;
  /** The number of classes (default: the largest id seen + 1). */
  numClasses?: number;
  /** Binarise `[N]` probabilities: a prediction `>= threshold` is class 1. */
  threshold?: number;
}

interface Counts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  support: Float64Array;
}

function counts(op: string, pred: LabelsLike, y: LabelsLike, o: AverageOptions): Counts {
  const [p, t] = pairIds(op, pred, y, o.threshold);
  let c = o.numClasses ?? 0;
  if (o.numClasses === undefined)
    for (let i = 0; i < p.length; i++) c = Math.max(c, p[i] + 1, t[i] + 1);
  c = Math.max(c, (o.positive ?? 1) + 1, 2);
  const r: Counts = {
    tp: new Float64Array(c),
    fp: new Float64Array(c),
    fn: new Float64Array(c),
    support: new Float64Array(c),
  };
  for (let i = 0; i < p.length; i++) {
    if (p[i] < 0 || p[i] >= c || t[i] < 0 || t[i] >= c) {
      throw new ShapeError(
        op,
        `class id ${p[i] < 0 || p[i] >= c ? p[i] : t[i]} at index ${i} is outside 0…${c - 1}`,
      );
    }
    r.support[t[i]]++;
    if (p[i] === t[i]) r.tp[p[i]]++;
    else {
      r.fp[p[i]]++;
      r.fn[t[i]]++;
    }
  }
  return r;
}

const safe = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const precisionOf = (tp: number, fp: number, _fn: number): number => safe(tp, tp + fp);
const recallOf = (tp: number, _fp: number, fn: number): number => safe(tp, tp + fn);
const f1Of = (tp: number, fp: number, fn: number): number => safe(2 * tp, 2 * tp + fp + fn);

function averaged(
  op: string,
  metric: (tp: number, fp: number, fn: number) => number,
  pred: LabelsLike,
  y: LabelsLike,
  o: AverageOptions,
): number {
  const k = counts(op, pred, y, o);
  const c = k.tp.length;
  switch (o.average ?? "binary") {
    case "binary": {
      const pos = o.positive ?? 1;
      return metric(k.tp[pos], k.fp[pos], k.fn[pos]);
    }
    case "micro": {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let j = 0; j < c; j++) {
        tp += k.tp[j];
        fp += k.fp[j];
        fn += k.fn[j];
      }
      return metric(tp, fp, fn);
    }
    case "macro": {
      // Over every class when numClasses is given, else over the classes seen (as scikit-learn).
      let s = 0;
      let m = 0;
      for (let j = 0; j < c; j++) {
        if (o.numClasses === undefined && k.tp[j] + k.fp[j] + k.fn[j] === 0) continue;
        s += metric(k.tp[j], k.fp[j], k.fn[j]);
        m++;
      }
      return safe(s, m);
    }
    case "weighted": {
      let s = 0;
      let n = 0;
      for (let j = 0; j < c; j++) {
        s += k.support[j] * metric(k.tp[j], k.fp[j], k.fn[j]);
        n += k.support[j];
      }
      return safe(s, n);
    }
  }
}

/**
 * Precision `tp / (tp + fp)`: of the examples predicted positive, the fraction that are. Binary by
 * default (class 1 is positive); `{ average: "macro" }` averages it over classes. 0 when nothing
 * is predicted positive.
 * @example
 * ```ts
 * tg.metrics.precision([1, 1, 0, 1], [1, 0, 0, 1]); // 2/3
 * const [logits, labels] = [tg.tensor([[2, 0], [0, 1], [3, 1]]), tg.tensor([0, 1, 1], "i32")];
 * tg.metrics.precision(logits, labels, { average: "macro" }); // (1/2 + 1) / 2 = 0.75
 * ```
 */
export function precision(pred: LabelsLike, y: LabelsLike, options: AverageOptions = {}): number {
  return averaged("precision", precisionOf, pred, y, options);
}

/**
 * Recall `tp / (tp + fn)`: of the positive examples, the fraction predicted positive. Binary by
 * default; `{ average: "macro" }` averages over classes. 0 when there are no positives.
 * @example
 * ```ts
 * tg.metrics.recall([1, 0, 0, 1], [1, 1, 0, 1]); // 2/3
 * ```
 */
export function recall(pred: LabelsLike, y: LabelsLike, options: AverageOptions = {}): number {
  return averaged("recall", recallOf, pred, y, options);
}

/**
 * F1, the harmonic mean of precision and recall, `2tp / (2tp + fp + fn)`. Binary by default;
 * `{ average: "macro" }` is the mean of the per-class F1 scores.
 * @example
 * ```ts
 * tg.metrics.f1([1, 1, 0, 1], [1, 0, 0, 1]); // 0.8
 * const [pred, y] = [tg.tensor([0, 1, 1], "i32"), tg.tensor([0, 1, 0], "i32")];
 * tg.metrics.f1(pred, y, { average: "macro" }); // (2/3 + 2/3) / 2
 * ```
 */
export function f1(pred: LabelsLike, y: LabelsLike, options: AverageOptions = {}): number {
  return averaged("f1", f1Of, pred, y, options);
}
