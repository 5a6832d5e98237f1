/**
 * Splitting a dataset into training and test parts, at random (keyed), optionally stratified.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { datasetLength, type WithRows, takeRows } from "./dataset.js";
import { type Key, permutation, streamOf } from "./rng.js";

/** A part of a split. */
export interface SplitPart<X, Y> {
  readonly x: WithRows<X, number>;
  readonly y: WithRows<Y, number>;
}

/** Options of `trainTestSplit`. */
export interface SplitOptions {
  /** Keep each class's share of `y` (class ids) in both parts. Default false. */
  stratify?: boolean;
}

/**
 * Splits `(x, y)` at random into `{ train, test }`; the test part has `ceil(testFraction · N)`
 * examples (as scikit-learn), the two parts are disjoint and together hold every example once.
 * With `{ stratify: true }`, each class of `y` is split in the same proportion.
 * @example
 * ```ts
 * const [x, y] = [tg.zeros([100, 4]), tg.zeros([100], "i32")];
 * const { train, test } = tg.data.trainTestSplit(tg.random.key(0), x, y, 0.2);
 * train.x.shape; // [80, 4]
 * ```
 */
export function trainTestSplit<X extends AnyTensor, Y extends AnyTensor>(
  key: Key,
  x: X,
  y: Y,
  testFraction: number,
  options: SplitOptions = {},
): { train: SplitPart<X, Y>; test: SplitPart<X, Y> } {
  const n = datasetLength("trainTestSplit", { x, y });
  if (!(testFraction >= 0 && testFraction <= 1)) {
    throw new ShapeError("trainTestSplit", `testFraction must be in [0, 1], got ${testFraction}`);
  }
  const r = streamOf(key, "trainTestSplit");
  let testIdx: number[];
  let trainIdx: number[];
  if (options.stratify) {
    const labels = y.dataSync();
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    }
    testIdx = [];
    trainIdx = [];
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
      const members = byClass.get(c)!;
      const p = permutation(r, members.length);
      const k = Math.ceil(testFraction * members.length);
      for (let i = 0; i < members.length; i++) (i < k ? testIdx : trainIdx).push(members[p[i]]);
    }
    testIdx.sort((a, b) => a - b);
    trainIdx.sort((a, b) => a - b);
  } else {
    const p = permutation(r, n);
    const k = Math.ceil(testFraction * n);
    testIdx = Array.from(p.subarray(0, k));
    trainIdx = Array.from(p.subarray(k));
  }
  const part = (idx: number[]) => ({ x: takeRows(x, idx), y: takeRows(y, idx) }) as SplitPart<X, Y>;
  return { train: part(trainIdx), test: part(testIdx) };
}
