/**
 * Metrics inside the training step: each is a traceable function from a batch of predictions and
 * targets to the *sum* of a per-example score, so the fit loop averages them over an epoch exactly,
 * whatever the batch sizes. `tg.metrics` has the host-side versions for finished predictions.
 * @module
 */
import { abs, cast, eq, gt, mul, sub } from "../prims/elementwise.js";
import { reshape } from "../prims/movement.js";
import { argmax, reduceSum } from "../prims/reduce.js";
import { ShapeError, fmt } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * A metric of the fit loop: `sum(pred, y)` is the sum over the batch of a per-example score (a
 * rank-0 tensor), written with tensor ops.
 * @example
 * ```ts
 * const top: tg.train.Metric = { name: "meanPred", sum: (pred) => tg.sum(pred) };
 * ```
 */
export interface Metric {
  /** The key in logs and history (`"accuracy"`, and `"valAccuracy"` on validation data). */
  readonly name: string;
  /** The batch sum of the per-example score. */
  sum(pred: T, y: T): T;
}

/** A metric given by name, or a custom one. */
export type MetricLike = "accuracy" | "binaryAccuracy" | "mae" | "mse" | Metric;

const f32 = (x: T): T => cast(x, "f32");

/** Predictions and targets with the same number of elements per example, flattened to `[B, k]`. */
function aligned(op: string, pred: T, y: T): [T, T] {
  const b = pred.shape[0];
  if (y.shape[0] !== b)
    throw new ShapeError(
      op,
      `predictions ${fmt(pred.shape)} and targets ${fmt(y.shape)} have different batch sizes`,
    );
  if (pred.size !== y.size)
    throw new ShapeError(
      op,
      `predictions ${fmt(pred.shape)} and targets ${fmt(y.shape)} differ in size`,
    );
  return [reshape(pred, [b, pred.size / b]), reshape(y, [b, y.size / b])];
}

/**
 * Accuracy, Keras's way of guessing the kind: integer labels `[B]` against scores `[B, C]` (sparse
 * categorical), one-hot targets against scores of the same shape (categorical), or else binary with
 * the prediction thresholded at `threshold` (default 0.5; use 0 for logits).
 * @example
 * ```ts
 * tg.train.accuracy().sum(tg.tensor([[0.1, 0.9]]), tg.tensor([1], "i32")).item(); // 1
 * ```
 */
export function accuracy(opts: { threshold?: number } = {}): Metric {
  return {
    name: "accuracy",
    sum(pred, y) {
      const c = pred.shape[pred.rank - 1];
      if (pred.rank === y.rank + 1 && c > 1)
        return reduceSum(f32(eq(argmax(pred, -1), cast(y, "i32"))));
      if (
        pred.rank === y.rank &&
        c > 1 &&
        pred.shape.every((d: number, i: number) => d === y.shape[i])
      ) {
        return reduceSum(f32(eq(argmax(pred, -1), argmax(y, -1))));
      }
      return binaryAccuracy(opts).sum(pred, y);
    },
  };
}

/**
 * Binary accuracy: the fraction of components where `pred > threshold` (default 0.5) agrees with
 * `y > 0.5`; averaged over an example's components.
 * @example
 * ```ts
 * const [logits, y] = [tg.tensor([[2], [-1], [0.5]]), tg.tensor([[1], [1], [1]])];
 * tg.train.binaryAccuracy({ threshold: 0 }).sum(logits, y); // Tensor 2: two of three right
 * ```
 */
export function binaryAccuracy(opts: { threshold?: number } = {}): Metric {
  const th = opts.threshold ?? 0.5;
  return {
    name: "binaryAccuracy",
    sum(pred, y) {
      const [p, t] = aligned("binaryAccuracy", pred, y);
      const hit = f32(eq(gt(p, th), gt(f32(t), 0.5)));
      return mul(reduceSum(hit), 1 / p.shape[1]);
    },
  };
}

/**
 * Mean absolute error per example, summed over the batch.
 * @example
 * ```ts
 * const [pred, y] = [tg.tensor([[1], [2]]), tg.tensor([[1.5], [1]])];
 * tg.train.maeMetric().sum(pred, y); // Tensor 1.5: 0.5 + 1
 * ```
 */
export function maeMetric(): Metric {
  return {
    name: "mae",
    sum(pred, y) {
      const [p, t] = aligned("mae", pred, y);
      return mul(reduceSum(abs(sub(p, f32(t)))), 1 / p.shape[1]);
    },
  };
}

/**
 * Mean squared error per example, summed over the batch.
 * @example
 * ```ts
 * const [pred, y] = [tg.tensor([[1], [2]]), tg.tensor([[1.5], [1]])];
 * tg.train.mseMetric().sum(pred, y); // Tensor 1.25: 0.25 + 1
 * ```
 */
export function mseMetric(): Metric {
  return {
    name: "mse",
    sum(pred, y) {
      const [p, t] = aligned("mse", pred, y);
      const d = sub(p, f32(t));
      return mul(reduceSum(mul(d, d)), 1 / p.shape[1]);
    },
  };
}

/** The named metrics, made once (so jitted steps that use them are cached). */
const builtins: Partial<Record<string, Metric>> = {};

/**
 * A metric from its name or itself.
 * @example
 * ```ts
 * toMetric("accuracy").name; // "accuracy"
 * ```
 */
export function toMetric(m: MetricLike): Metric {
  switch (m) {
    case "accuracy":
      return (builtins.accuracy ??= accuracy());
    case "binaryAccuracy":
      return (builtins.binaryAccuracy ??= binaryAccuracy());
    case "mae":
      return (builtins.mae ??= maeMetric());
    case "mse":
      return (builtins.mse ??= mseMetric());
    default:
      if (typeof m === "object" && m && typeof m.sum === "function") return m;
      throw new TypeError(
        `train: unknown metric ${JSON.stringify(m)}; use "accuracy", "binaryAccuracy", "mae", "mse" or a { name, sum } object`,
      );
  }
}

/**
 * The key of a validation metric: `valLoss`, `valAccuracy`.
 * @example
 * ```ts
 * valKey("accuracy"); // "valAccuracy"
 * ```
 */
export function valKey(name: string): string {
  return `val${name[0].toUpperCase()}${name.slice(1)}`;
}
