/**
 * Ranking metrics of a binary classifier's scores: the ROC curve and the area under it.
 * @module
 */
import { fmt, ShapeError } from "../shape/errors.js";
import { type LabelsLike, valuesOf } from "./labels.js";

/** Scores `[N]` (or `[N, 1]`) and 0/1 labels `[N]` (or `[N, 1]`), checked. */
function scoresAndLabels(
  op: string,
  scores: LabelsLike,
  y: LabelsLike,
): { s: ArrayLike<number>; t: ArrayLike<number>; pos: number; neg: number } {
  const a = valuesOf(scores);
  const b = valuesOf(y);
  const flat = (shape: readonly number[]) =>
    shape.length === 1 || (shape.length === 2 && shape[1] === 1);
  if (!flat(a.shape) || !flat(b.shape) || a.data.length !== b.data.length)
    throw new ShapeError(
      op,
      `expected scores [N] and labels [N] (or [N, 1]), got ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  let pos = 0;
  for (let i = 0; i < b.data.length; i++) {
    const v = b.data[i];
    if (v !== 0 && v !== 1)
      throw new ShapeError(op, `labels must be 0 or 1, got ${v} at index ${i}`);
    if (Number.isNaN(a.data[i])) throw new ShapeError(op, `the score at index ${i} is NaN`);
    pos += v;
  }
  const neg = b.data.length - pos;
  if (pos === 0 || neg === 0)
    throw new ShapeError(
      op,
      `needs both classes among the labels, got ${pos} positive and ${neg} negative`,
    );
  return { s: a.data, t: b.data, pos, neg };
}

/**
 * The area under the ROC curve: the probability that a random positive example scores higher
 * than a random negative one, ties counting one half (the Mann–Whitney U statistic divided by
 * `pos · neg`). Scores may be logits or probabilities: only their order matters. O(n log n).
 * Throws a ShapeError when the labels are not 0/1, a score is NaN, or one class is absent.
 * @example
 * ```ts
 * tg.metrics.rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * ```
 */
export function rocAuc(scores: LabelsLike, y: LabelsLike): number {
  const { s, t, pos, neg } = scoresAndLabels("rocAuc", scores, y);
  const order = Array.from({ length: s.length }, (_, i) => i).sort((i, j) => s[i] - s[j]);
  // sum of the positives' ranks (1-based, ties get their mean rank)
  let rankSum = 0;
  for (let k = 0; k < order.length; ) {
    let e = k;
    while (e + 1 < order.length && s[order[e + 1]] === s[order[k]]) e++;
    const mid = (k + e) / 2 + 1;
    for (let q = k; q <= e; q++) if (t[order[q]] === 1) rankSum += mid;
    k = e + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** The ROC curve: at each distinct threshold (high to low), the rates of `score >= threshold`. */
export interface RocCurve {
  /** False-positive rates, from 0 to 1. */
  fpr: number[];
  /** True-positive rates, from 0 to 1. */
  tpr: number[];
  /** The thresholds; the first is +Infinity (nothing predicted positive). */
  thresholds: number[];
}

/**
 * The ROC curve of binary scores: one point per distinct score, from (0, 0) at threshold +∞ to
 * (1, 1). The trapezoidal area under it equals `rocAuc`.
 * @example
 * ```ts
 * tg.metrics.rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).tpr; // [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function rocCurve(scores: LabelsLike, y: LabelsLike): RocCurve {
  const { s, t, pos, neg } = scoresAndLabels("rocCurve", scores, y);
  const order = Array.from({ length: s.length }, (_, i) => i).sort((i, j) => s[j] - s[i]);
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Number.POSITIVE_INFINITY] };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; ) {
    const th = s[order[k]];
    while (k < order.length && s[order[k]] === th) {
      if (t[order[k]] === 1) tp++;
      else fp++;
      k++;
    }
    out.fpr.push(fp / neg);
    out.tpr.push(tp / pos);
    out.thresholds.push(th);
  }
  return out;
}
