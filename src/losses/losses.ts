/**
 * Losses: `loss(pred, target, opts?)` gives the mean over the batch of a per-example loss (the
 * per-example loss averages over the non-batch axes, as Keras averages over the last axis).
 * `{ reduction: "sum" }` sums over the batch and `{ reduction: "none" }` returns one value per
 * example. Every loss is a composition of primitives: gradients come from the transformations.
 *
 * @example
 * ```ts
 * const [pred, y] = [tg.tensor([1, 2, 3]), tg.tensor([1, 2, 5])];
 * const [logits, labels] = [tg.tensor([[2, 0, 0], [0, 1, 0]]), tg.tensor([0, 1], "i32")];
 * const l = tg.losses.mse(pred, y);                                     // Tensor<[]>
 * const ce = tg.losses.sparseCategoricalCrossEntropy(logits, labels, { fromLogits: true });
 * const per = tg.losses.mae(pred, y, { reduction: "none" });            // Tensor<[B]>
 * ```
 * @module
 */
import { constant } from "../prims/constants.js";
import * as P from "../prims/elementwise.js";
import { reshape } from "../prims/movement.js";
import { reduceSum } from "../prims/reduce.js";
import { DTypeError, ShapeError } from "../shape/errors.js";
import type { Fmt, Kinds, ShapeMismatch, ShapesFit } from "../shape/dims.js";
import type { DType, DTypeCheck } from "../shape/dtype.js";
import type { AnyTensor as T, Shape, Tensor } from "../tensor/tensor.js";
import { logSoftmaxAxis, meanAxes, sumKeep } from "../nn/numeric.js";

/** How per-example losses are combined: mean over the batch (default), sum, or none. */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss takes. */
export interface LossOptions<R extends Reduction = Reduction> {
  /** `"mean"` (default), `"sum"`, or `"none"` for one value per example. */
  reduction?: R;
}

/** Options of the cross-entropies. */
export interface CrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /**
   * The predictions are logits (unnormalized log-probabilities), computed in the stable
   * log-sum-exp form. The default follows PyTorch: `true` for the categorical cross-entropies
   * (models end in a dense layer), `false` for binary cross-entropy
   * (predictions are probabilities, as after a sigmoid). Pass it explicitly to choose. Left out, a
   * categorical loss given rows that are all probability distributions, or a binary one given a
   * value outside [0, 1], throws instead of computing a wrong loss (checked eagerly).
   */
  fromLogits?: boolean;
}

/** A loss's result: a scalar, or `[batch]` with `reduction: "none"`. */
export type LossValue<S extends Shape, R extends Reduction> = [R] extends ["none"]
  ? Tensor<[S extends readonly [infer B extends number, ...unknown[]] ? B : number], "f32">
  : Tensor<[], "f32">;

/**
 * How a loss's targets must relate to its predictions: `"same"` (the same shape), `"classes"`
 * (the same shape, `[batch, ..., classes]`), `"sparse"` (i32 class indices shaped as the
 * predictions without their last axis).
 */
export type TargetRule = "same" | "classes" | "sparse";

type Init<S extends readonly number[]> = S extends readonly [...infer I extends number[], number]
  ? I
  : [];

/**
 * `unknown` when targets of shape `T` and dtype `DT` fit predictions of shape `S` under `Rule`;
 * otherwise a mismatch naming the loss and both shapes, as the runtime's ShapeError does. Shapes
 * of unknown rank are left to the runtime.
 * @example
 * ```ts
 * type E = TargetCheck<"sparseCategoricalCrossEntropy", "sparse", [32, 10], [16], "i32", Kinds>;
 * // { error: "sparseCategoricalCrossEntropy: predictions [32, 10] need targets [32], got [16]" }
 * ```
 */
export type TargetCheck<
  Op extends string,
  Rule extends TargetRule,
  S extends Shape,
  T extends Shape,
  DT,
  K extends Kinds,
> = K extends Kinds
  ? number extends S["length"] | T["length"]
    ? unknown
    : S extends readonly []
      ? ShapeMismatch<`${Op}: predictions need a leading batch dimension, got []`>
      : Rule extends "sparse"
        ? DTypeCheck<Op, DT, "i32", K> extends infer C
          ? unknown extends C
            ? S extends readonly [infer N extends number]
              ? ShapeMismatch<`${Op}: predictions must be [batch, ..., classes], got [${N}]`>
              : ShapesFit<Init<S>, T, K> extends true
                ? unknown
                : ShapeMismatch<`${Op}: predictions ${Fmt<S>} need targets ${Fmt<Init<S>>}, got ${Fmt<T>}`>
            : C
          : never
        : ShapesFit<S, T, K> extends true
          ? Rule extends "classes"
            ? S extends readonly [infer N extends number]
              ? ShapeMismatch<`${Op}: predictions must be [batch, ..., classes], got [${N}]`>
              : unknown
            : unknown
          : ShapeMismatch<`${Op}: predictions ${Fmt<S>} and targets ${Fmt<T>} differ in shape`>
  : never;

/**
 * A loss function of predictions and targets. The targets are checked against the predictions at
 * compile time by `Rule` (see `TargetCheck`); `Op` names the loss in the message.
 */
export type Loss<
  O extends LossOptions = LossOptions,
  Rule extends TargetRule = "same",
  Op extends string = string,
> = <
  S extends Shape,
  T extends Shape,
  DT extends DType,
  R extends Reduction = "mean",
  Kn extends Kinds = Kinds,
>(
  pred: Tensor<S, any>,
  target: Tensor<T, DT> & NoInfer<TargetCheck<Op, Rule, S, T, DT, Kn>>,
  opts?: O & LossOptions<R>,
) => LossValue<S, R>;

const EPS = 1e-7;

/**
 * Combines per-element losses: the mean over every axis after the batch gives one value per
 * example (unless `perExample`), then `reduction` combines the batch (`"mean"`, `"sum"` or `"none"`).
 * @example
 * ```ts
 * reduce(tg.tensor([[1, 3], [5, 7]]), "sum", "mse"); // 2 + 6 = 8
 * ```
 */
export function reduce(
  perElement: T,
  reduction: Reduction | undefined,
  op: string,
  perExample = false,
): T {
  if (perElement.rank === 0) throw new ShapeError(op, "predictions need a leading batch dimension");
  const ex = perExample
    ? perElement
    : perElement.rank > 1
      ? meanAxes(perElement, perElement.shape.map((_: number, i: number) => i).slice(1))
      : perElement;
  switch (reduction ?? "mean") {
    case "mean":
      return meanAxes(ex, [0]);
    case "sum":
      return reduceSum(ex, [0]);
    case "none":
      return ex;
    default:
      throw new ShapeError(
        op,
        `reduction must be "mean", "sum" or "none", got ${String(reduction)}`,
      );
  }
}

function sameShape(op: string, p: T, t: T): void {
  if (p.rank !== t.rank || p.shape.some((d: number, i: number) => d !== t.shape[i])) {
    throw new ShapeError(
      op,
      `predictions [${p.shape.join(", ")}] and targets [${t.shape.join(", ")}] differ in shape`,
    );
  }
}

/** Targets as the predictions' float dtype. */
const asFloat = (t: T, like: T) => P.cast(t, like.dtype);

function elementwiseLoss(name: string, f: (p: T, t: T) => T): Loss {
  const loss = (pred: T, target: T, opts: LossOptions = {}) => {
    sameShape(name, pred, target);
    return reduce(f(pred, asFloat(target, pred)), opts.reduction, name);
  };
  Object.defineProperty(loss, "name", { value: name });
  return loss as Loss;
}

const clip = (x: T, lo: number, hi: number) => P.minimum(P.maximum(x, lo), hi);

/**
 * Mean squared error: mean of `(pred − target)²`.
 * @example
 * ```ts
 * tg.losses.mse(tg.tensor([[1, 2]]), tg.tensor([[1, 4]])).item(); // 2
 * ```
 */
export const mse: Loss<LossOptions, "same", "mse"> = elementwiseLoss("mse", (p, t) =>
  P.square(P.sub(p, t)),
);

/**
 * Mean absolute error: mean of `|pred − target|`.
 * @example
 * ```ts
 * tg.losses.mae(tg.tensor([[1, 2]]), tg.tensor([[1, 4]])).item(); // 1
 * ```
 */
export const mae: Loss<LossOptions, "same", "mae"> = elementwiseLoss("mae", (p, t) =>
  P.abs(P.sub(p, t)),
);

/**
 * Mean squared logarithmic error: mean of `(log(1 + pred) − log(1 + target))²`, with both
 * clipped below at 1e-7 as Keras does.
 * @example
 * ```ts
 * tg.losses.msle(tg.tensor([[3]]), tg.tensor([[1]])).item(); // (log 4 − log 2)² ≈ 0.48
 * ```
 */
export const msle: Loss<LossOptions, "same", "msle"> = elementwiseLoss("msle", (p, t) =>
  P.square(P.sub(P.log(P.add(P.maximum(p, EPS), 1)), P.log(P.add(P.maximum(t, EPS), 1)))),
);

/**
 * The Huber loss: `½e²` where `|e| ≤ delta`, `delta·(|e| − ½delta)` beyond (delta defaults to 1).
 * @example
 * ```ts
 * tg.losses.huber(tg.tensor([[0, 3]]), tg.tensor([[0.5, 0]])).item(); // (0.125 + 2.5) / 2
 * ```
 */
export const huber: Loss<LossOptions & { delta?: number }, "same", "huber"> = ((
  pred: T,
  target: T,
  opts: LossOptions & { delta?: number } = {},
) => {
  const delta = opts.delta ?? 1;
  return elementwiseLoss("huber", (p, t) => {
    const e = P.abs(P.sub(p, t));
    return P.where(P.le(e, delta), P.mul(P.square(e), 0.5), P.mul(P.sub(e, 0.5 * delta), delta));
  })(pred, target, opts);
}) as unknown as Loss<LossOptions & { delta?: number }, "same", "huber">;

/**
 * Binary cross-entropy of probabilities (clipped to [1e-7, 1 − 1e-7]) or, with `fromLogits`, of
 * logits in the stable form `max(z, 0) − z·t + log(1 + e^−|z|)`. Without `fromLogits`, a
 * prediction outside [0, 1] is an error (eagerly): it is a logit, not a probability.
 * @example
 * ```ts
 * tg.losses.binaryCrossEntropy(tg.tensor([[1000, -1000]]), tg.tensor([[1, 0]]), { fromLogits: true }).item(); // 0
 * ```
 */
export const binaryCrossEntropy: Loss<CrossEntropyOptions, "same", "binaryCrossEntropy"> = (
  pred: T,
  target: T,
  opts: CrossEntropyOptions = {},
) => {
  const name = "binaryCrossEntropy";
  sameShape(name, pred, target);
  const t = asFloat(target, pred);
  checkProbabilities(name, pred, opts);
  let per: T;
  if (opts.fromLogits) {
    const z = pred;
    per = P.add(P.sub(P.maximum(z, 0), P.mul(z, t)), P.log(P.add(P.exp(P.neg(P.abs(z))), 1)));
  } else {
    const p = clip(pred, EPS, 1 - EPS);
    per = P.neg(P.add(P.mul(t, P.log(p)), P.mul(P.sub(1, t), P.log(P.sub(1, p)))));
  }
  return reduce(per, opts.reduction, name) as never;
};

/**
 * The categorical cross-entropies take logits unless `fromLogits: false` is passed (as PyTorch);
 * Keras users pass probabilities. So that the default cannot go wrong silently, predictions whose
 * every row is a probability distribution (≥ 0, summing to 1) with `fromLogits` omitted are an
 * error, eagerly (inside `jit` nothing is read, unless `tg.debug.nans(true)` runs it op by op).
 */
/** Whether `t`'s data can be read synchronously (not on webgpu). */
const readsSync = (t: T): boolean => t._concrete("read").backend.readAsync === undefined;

function checkNotProbabilities(name: string, pred: T, opts: CrossEntropyOptions): void {
  if (opts.fromLogits !== undefined || !pred.isConcrete || pred.size === 0) return;
  const c = pred.shape[pred.rank - 1];
  if (c < 2) return;
  if (!readsSync(pred)) {
    throw new ShapeError(
      name,
      "pass { fromLogits: true } (logits, as in PyTorch) or { fromLogits: false } (probabilities, as in Keras) explicitly on a backend that cannot read synchronously (webgpu): the check that these are not probabilities read as logits would have to read the predictions",
    );
  }
  const d = pred.dataSync();
  for (let r = 0; r < d.length; r += c) {
    let sum = 0;
    for (let k = r; k < r + c; k++) {
      if (!(d[k] >= 0)) return;
      sum += d[k];
    }
    if (Math.abs(sum - 1) > 1e-3) return;
  }
  throw new ShapeError(
    name,
    "every row of the predictions is a probability distribution (≥ 0, summing to 1), but they are read as logits by default (as in PyTorch): pass { fromLogits: false } for probabilities (softmax outputs, as in Keras), or { fromLogits: true } if these really are logits",
  );
}

/**
 * Binary cross-entropy reads probabilities unless `fromLogits: true`: eagerly, a value outside
 * [0, 1] is an error (it would be clipped into a wrong loss without a word).
 */
function checkProbabilities(name: string, pred: T, opts: CrossEntropyOptions): void {
  // on webgpu, as under jit, the values are not read
  if (opts.fromLogits || !pred.isConcrete || !readsSync(pred)) return;
  const d = pred.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] >= 0 && d[i] <= 1) && !Number.isNaN(d[i])) {
      throw new ShapeError(
        name,
        `prediction ${Number(d[i].toPrecision(7))} at flat index ${i} is not a probability in [0, 1]; for logits (a dense layer's output without a sigmoid) pass { fromLogits: true }`,
      );
    }
  }
}

/** Per-example `−Σ t·log p` over the last axis, from logits or probabilities. */
function crossEntropyPer(pred: T, t: T, fromLogits: boolean | undefined): T {
  const logp = fromLogits
    ? logSoftmaxAxis(pred, -1)
    : P.log(clip(P.div(pred, sumKeep(pred, [-1])), EPS, 1 - EPS));
  const perRow = P.neg(reduceSum(P.mul(t, logp), [pred.rank - 1]));
  return perRow;
}

function perExampleOf(per: T): T {
  return per.rank > 1 ? meanAxes(per, per.shape.map((_: number, i: number) => i).slice(1)) : per;
}

/**
 * Categorical cross-entropy with one-hot (or probability) targets `[B, C]`: `−Σ t·log p`. The
 * predictions are logits by default (log-softmax: logits of ±1000 give finite values and
 * gradients); pass `{ fromLogits: false }` for probabilities. With the option omitted, predictions
 * whose rows are all probability distributions are an error (eagerly), never a silently wrong loss.
 * @example
 * ```ts
 * const logits = tg.tensor([[2, 0, 0], [0, 1, 0]]);
 * const oneHotLabels = tg.tensor([[1, 0, 0], [0, 1, 0]]);
 * tg.losses.categoricalCrossEntropy(logits, oneHotLabels, { fromLogits: true });
 * ```
 */
export const categoricalCrossEntropy: Loss<
  CrossEntropyOptions,
  "classes",
  "categoricalCrossEntropy"
> = (pred: T, target: T, opts: CrossEntropyOptions = {}) => {
  const name = "categoricalCrossEntropy";
  sameShape(name, pred, target);
  if (pred.rank < 2)
    throw new ShapeError(
      name,
      `predictions must be [batch, ..., classes], got [${pred.shape.join(", ")}]`,
    );
  checkNotProbabilities(name, pred, opts);
  const per = perExampleOf(crossEntropyPer(pred, asFloat(target, pred), opts.fromLogits ?? true));
  return reduce(per, opts.reduction, name, true) as never;
};

/**
 * Cross-entropy with integer class targets: predictions `[B, ..., C]`, targets `[B, ...]` (i32).
 * The predictions are logits by default: `logsumexp(z) − z[target]`, stable for logits of ±1000;
 * pass `{ fromLogits: false }` for probabilities. With the option omitted, predictions whose rows
 * are all probability distributions are an error (eagerly), never a silently wrong loss.
 * @example
 * ```ts
 * const logits = tg.tensor([[0, 0, 0, 5], [0, 5, 0, 0]]);
 * tg.losses.sparseCategoricalCrossEntropy(logits, tg.tensor([3, 1], "i32"), { fromLogits: true });
 * ```
 */
export const sparseCategoricalCrossEntropy: Loss<
  CrossEntropyOptions,
  "sparse",
  "sparseCategoricalCrossEntropy"
> = (pred: T, target: T, opts: CrossEntropyOptions = {}) => {
  const name = "sparseCategoricalCrossEntropy";
  if (target.dtype !== "i32")
    throw new DTypeError(name, `targets must be i32 class indices, got ${target.dtype}`);
  const lead = pred.shape.slice(0, -1);
  if (
    pred.rank < 2 ||
    target.rank !== lead.length ||
    target.shape.some((d: number, i: number) => d !== lead[i])
  ) {
    throw new ShapeError(
      name,
      `predictions [${pred.shape.join(", ")}] need targets [${lead.join(", ")}], got [${target.shape.join(", ")}]`,
    );
  }
  const c = pred.shape[pred.rank - 1];
  checkClassIndices(name, target, c);
  checkNotProbabilities(name, pred, opts);
  const classes = constant(
    Array.from({ length: c }, (_, i) => i),
    [c],
    "i32",
  );
  const oneHot = P.cast(P.eq(reshape(target, [...target.shape, 1]), classes), pred.dtype);
  const per = perExampleOf(crossEntropyPer(pred, oneHot, opts.fromLogits ?? true));
  return reduce(per, opts.reduction, name, true) as never;
};

/**
 * Eagerly (when the targets hold data, not while tracing), every class index must lie in
 * `[0, classes)`: an index outside would match no class and add 0 to the loss without a word.
 * Under `jit` the check runs when NaN checks are on (`tg.debug.nans(true)` runs jitted code op by op).
 */
function checkClassIndices(name: string, target: T, classes: number): void {
  // on webgpu the labels are read only while they have a host copy (made from host data)
  if (!target.isConcrete) return;
  let d: ArrayLike<number>;
  try {
    d = target.dataSync();
  } catch (e) {
    if (readsSync(target)) throw e;
    return;
  }
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= classes) {
      throw new ShapeError(
        name,
        `target ${d[i]} at flat index ${i} is not a class index in [0, ${classes}) (predictions have ${classes} classes)`,
      );
    }
  }
}

/**
 * The hinge loss for targets −1/1: mean of `max(1 − t·pred, 0)`.
 * @example
 * ```ts
 * tg.losses.hinge(tg.tensor([[0.5, -2]]), tg.tensor([[1, -1]])).item(); // 0.25
 * ```
 */
export const hinge: Loss<LossOptions, "same", "hinge"> = elementwiseLoss("hinge", (p, t) =>
  P.maximum(P.sub(1, P.mul(t, p)), 0),
);

/**
 * The squared hinge loss for targets −1/1: mean of `max(1 − t·pred, 0)²`.
 * @example
 * ```ts
 * tg.losses.squaredHinge(tg.tensor([[0.5, -2]]), tg.tensor([[1, -1]])).item(); // 0.125
 * ```
 */
export const squaredHinge: Loss<LossOptions, "same", "squaredHinge"> = elementwiseLoss(
  "squaredHinge",
  (p, t) => P.square(P.maximum(P.sub(1, P.mul(t, p)), 0)),
);

/**
 * Kullback–Leibler divergence `Σ t·log(t/p)` over the last axis, with both clipped to [1e-7, 1].
 * @example
 * ```ts
 * tg.losses.klDivergence(tg.tensor([[0.5, 0.5]]), tg.tensor([[0.5, 0.5]])).item(); // 0
 * ```
 */
export const klDivergence: Loss<LossOptions, "classes", "klDivergence"> = (
  pred: T,
  target: T,
  opts: LossOptions = {},
) => {
  const name = "klDivergence";
  sameShape(name, pred, target);
  if (pred.rank < 2)
    throw new ShapeError(
      name,
      `predictions must be [batch, ..., classes], got [${pred.shape.join(", ")}]`,
    );
  const t = clip(asFloat(target, pred), EPS, 1);
  const p = clip(pred, EPS, 1);
  const per = reduceSum(P.mul(t, P.log(P.div(t, p))), [pred.rank - 1]);
  return reduce(perExampleOf(per), opts.reduction, name, true) as never;
};
