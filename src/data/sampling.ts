/**
 * Rebalancing imbalanced classes by random oversampling (repeat minority examples) or
 * undersampling (drop majority examples), keyed by an explicit random key.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import { type Dataset, datasetLength, type Rows, takeDataset } from "./dataset.js";
import { type Key, streamOf } from "./rng.js";

/** Options of `oversample` and `undersample`. */
export interface SampleOptions {
  /** The name of the class-id tensor `[N]` in the dataset. Default `"y"`. */
  labels?: string;
}

function classMembers(op: string, ds: Dataset, labels: string): Map<number, number[]> {
  const n = datasetLength(op, ds);
  const y = ds[labels];
  if (!y) throw new ShapeError(op, `the dataset has no "${labels}" tensor of class ids`);
  if (y.shape.length !== 1)
    throw new ShapeError(op, `"${labels}" must be class ids [N], got [${y.shape.join(", ")}]`);
  const ids = y.dataSync();
  const by = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = ids[i];
    if (!by.has(c)) by.set(c, []);
    by.get(c)!.push(i);
  }
  return by;
}

/**
 * Random oversampling: every class is brought up to the size of the largest by drawing extra
 * copies of its examples at random (with replacement). The result holds every original example,
 * in order, followed by the drawn copies; shuffle or batch it afterwards.
 * @example
 * ```ts
 * const [x, y] = [tg.tensor([[1], [2], [3]]), tg.tensor([0, 0, 1], "i32")];
 * const balanced = tg.data.oversample(tg.random.key(0), { x, y }); // every class as large as the largest
 * ```
 */
export function oversample<DS extends Dataset>(
  key: Key,
  dataset: DS,
  options: SampleOptions = {},
): Rows<DS, number> {
  const by = classMembers("oversample", dataset, options.labels ?? "y");
  const r = streamOf(key, "oversample");
  const target = Math.max(0, ...[...by.values()].map((m) => m.length));
  const idx: number[] = Array.from({ length: datasetLength("oversample", dataset) }, (_, i) => i);
  for (const c of [...by.keys()].sort((a, b) => a - b)) {
    const m = by.get(c)!;
    for (let k = m.length; k < target; k++) idx.push(m[r.int(m.length)]);
  }
  return takeDataset(dataset, idx);
}

/**
 * Random undersampling: every class is brought down to the size of the smallest by keeping a
 * random subset of its examples (without replacement). Kept examples stay in their original order.
 * @example
 * ```ts
 * const [x, y] = [tg.tensor([[1], [2], [3]]), tg.tensor([0, 0, 1], "i32")];
 * const balanced = tg.data.undersample(tg.random.key(0), { x, y }); // every class as small as the smallest
 * ```
 */
export function undersample<DS extends Dataset>(
  key: Key,
  dataset: DS,
  options: SampleOptions = {},
): Rows<DS, number> {
  const by = classMembers("undersample", dataset, options.labels ?? "y");
  const r = streamOf(key, "undersample");
  const target = Math.min(...[...by.values()].map((m) => m.length));
  const idx: number[] = [];
  for (const c of [...by.keys()].sort((a, b) => a - b)) {
    const m = [...by.get(c)!];
    // A partial Fisher–Yates: the first `target` slots become a uniform random subset.
    for (let i = 0; i < target; i++) {
      const j = i + r.int(m.length - i);
      [m[i], m[j]] = [m[j], m[i]];
      idx.push(m[i]);
    }
  }
  idx.sort((a, b) => a - b);
  return takeDataset(dataset, idx);
}
