/**
 * Turning predictions into class ids on the host: ids stay ids, scores `[N, C]` (logits,
 * probabilities, one-hot) become their argmax, and binary probabilities `[N]` are thresholded.
 * @module
 */
import { ShapeError, fmt } from "../shape/errors.js";
import type { AnyTensor } from "../tensor/tensor.js";

/** Something metrics accept as labels or predictions: a tensor or a plain array of numbers. */
export type LabelsLike = AnyTensor | ArrayLike<number>;

function isTensor(x: LabelsLike): x is AnyTensor {
  return typeof (x as AnyTensor).dataSync === "function" && Array.isArray((x as AnyTensor).shape);
}

/**
 * The flat values and shape of a tensor or an array.
 * @example
 * ```ts
 * valuesOf([1, 2, 3]); // { data: [1, 2, 3], shape: [3] }
 * ```
 */
export function valuesOf(x: LabelsLike): { data: ArrayLike<number>; shape: readonly number[] } {
  if (isTensor(x)) return { data: x.dataSync(), shape: x.shape };
  return { data: x, shape: [x.length] };
}

/**
 * Class ids `[N]` from ids `[N]` or scores `[N, C]` (argmax over the last axis). With a
 * `threshold`, a `[N]` input is binarised (`>= threshold` → 1); without one, `[N]` values must be
 * integers.
 * @example
 * ```ts
 * classIds("accuracy", tg.tensor([[0.1, 0.9], [0.8, 0.2]])); // Int32Array [1, 0]
 * ```
 */
export function classIds(op: string, x: LabelsLike, threshold?: number): Int32Array {
  const { data, shape } = valuesOf(x);
  if (shape.length === 2) {
    const [n, c] = shape;
    if (c < 1) throw new ShapeError(op, `scores ${fmt(shape)} have no classes`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bv = data[i * c];
      for (let j = 1; j < c; j++) {
        const v = data[i * c + j];
        if (v > bv || (Number.isNaN(v) && !Number.isNaN(bv))) {
          best = j;
          bv = v;
        }
      }
      out[i] = best;
    }
    return out;
  }
  if (shape.length !== 1) {
    throw new ShapeError(op, `expected class ids [N] or scores [N, C], got ${fmt(shape)}`);
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (threshold !== undefined) out[i] = v >= threshold ? 1 : 0;
    else if (!Number.isInteger(v)) {
      throw new ShapeError(
        op,
        `value ${v} at index ${i} is not a class id; pass scores [N, C], or { threshold } for probabilities [N]`,
      );
    } else out[i] = v;
  }
  return out;
}

/**
 * Class ids of a prediction and of the truth, checked to have the same length.
 * @example
 * ```ts
 * const [pred, y] = [tg.tensor([[0.9, 0.1], [0.2, 0.8]]), [0, 1]];
 * pairIds("f1", pred, y); // [Int32Array [0, 1], Int32Array [0, 1]]
 * ```
 */
export function pairIds(
  op: string,
  pred: LabelsLike,
  y: LabelsLike,
  threshold?: number,
): [Int32Array, Int32Array] {
  const p = classIds(op, pred, threshold);
  const t = classIds(op, y);
  if (p.length !== t.length) {
    throw new ShapeError(op, `${p.length} predictions for ${t.length} labels`);
  }
  return [p, t];
}
