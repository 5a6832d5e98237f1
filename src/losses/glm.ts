/**
 * Negative log-likelihoods of two generalised linear models, named as PyTorch names them:
 * `gaussianNll` (a normal distribution with a predicted variance: regression with its own error
 * bars) and `poissonNll` (a Poisson distribution: counts, with the log link). Each averages over
 * the non-batch axes and then reduces over the batch, as every loss in `tg.losses` does.
 *
 * @example
 * ```ts
 * const [logRate, y] = [tg.tensor([0, 1, 2]), tg.tensor([1, 3, 6])];
 * const [mean, variance] = [tg.tensor([1, 2.5, 6.5]), tg.exp(tg.tensor([0, 0, 0]))];
 * const counts = tg.losses.poissonNll(logRate, y);                 // logRate = x·w + b (log link)
 * const nll = tg.losses.gaussianNll(mean, y, variance);            // variance > 0, e.g. exp(s)
 * ```
 * @module
 */
import * as P from "../prims/elementwise.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { Kinds } from "../shape/dims.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor as T, Shape, Tensor } from "../tensor/tensor.js";
import {
  type Loss,
  type LossOptions,
  type LossValue,
  type Reduction,
  reduce,
  type TargetCheck,
} from "./losses.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of `gaussianNll`. */
export interface GaussianNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Add the constant `½·log 2π`, so that the value is the exact negative log-density (default false). */
  full?: boolean;
  /** The variance is clamped below at `eps` for stability (default 1e-6, as PyTorch). */
  eps?: number;
}

/** Options of `poissonNll`. */
export interface PoissonNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The input is the log of the rate, `log λ` (default true: the log link of a Poisson GLM). */
  logInput?: boolean;
  /** Add Stirling's approximation of `log(y!)` for targets above 1, so the value is the exact negative log-likelihood up to that approximation (default false). */
  full?: boolean;
  /** Added to the rate before its log when `logInput` is false (default 1e-8). */
  eps?: number;
}

function check(op: string, input: T, target: T): void {
  if (input.rank === 0) throw new ShapeError(op, "predictions need a leading batch dimension");
  if (
    input.rank !== target.rank ||
    input.shape.some((d: number, i: number) => d !== target.shape[i])
  )
    throw new ShapeError(
      op,
      `predictions ${fmt(input.shape)} and targets ${fmt(target.shape)} differ in shape`,
    );
  if (input.dtype !== "f32" && input.dtype !== "f64")
    throw new DTypeError(op, `predictions must be floating point, got ${input.dtype}`);
}

/** The variance's shape must broadcast to the predictions' (aligned on the right, sizes equal or 1). */
function checkVariance(input: T, variance: T): void {
  const s = input.shape;
  const v = variance.shape;
  const fits =
    v.length <= s.length &&
    v.every((d: number, i: number) => d === 1 || d === s[s.length - v.length + i]);
  if (!fits)
    throw new ShapeError(
      "gaussianNll",
      `the variance ${fmt(v)} does not broadcast to the predictions ${fmt(s)}`,
    );
}

/**
 * The Gaussian negative log-likelihood of targets `y` under `N(mean, variance)`:
 * `½·(log max(σ², eps) + (mean − y)² / max(σ², eps))`, plus `½·log 2π` with `full`. The variance
 * broadcasts to the predictions: the same shape (one variance per output), `[B, 1]` (one per
 * example) or `[]` (one for all). Keep it positive, for example as `exp` of a predicted
 * log-variance. With a constant variance this is the mean squared error, scaled and shifted.
 * @example
 * ```ts
 * const mean = tg.tensor([[1], [2]]), y = tg.tensor([[1.5], [2]]);
 * tg.losses.gaussianNll(mean, y, tg.tensor([[1], [1]])).item(); // 0.0625 = ½·mean((mean − y)²)
 * ```
 */
export function gaussianNll<
  S extends Shape,
  U extends Shape,
  DT extends DType,
  R extends Reduction = "mean",
  Kn extends Kinds = Kinds,
>(
  mean: Tensor<S, any>,
  target: Tensor<U, DT> & NoInfer<TargetCheck<"gaussianNll", "same", S, U, DT, Kn>>,
  variance: Tensor<Shape, any>,
  opts?: GaussianNllOptions<R>,
): LossValue<S, R>;
export function gaussianNll(mean: T, target: T, variance: T, opts: GaussianNllOptions = {}): T {
  check("gaussianNll", mean, target);
  checkVariance(mean, variance);
  const eps = opts.eps ?? 1e-6;
  const v = P.maximum(P.cast(variance, mean.dtype), eps);
  const sq = P.square(P.sub(mean, P.cast(target, mean.dtype)));
  let per = P.mul(P.add(P.log(v), P.div(sq, v)), 0.5);
  if (opts.full) per = P.add(per, HALF_LOG_2PI);
  return reduce(per, opts.reduction, "gaussianNll");
}

/**
 * The Poisson negative log-likelihood of counts `y` with rate `λ`: `exp(input) − y·input` when
 * the input is `log λ` (the default: a Poisson GLM's log link), `input − y·log(input + eps)`
 * when it is `λ` itself. `full` adds Stirling's term `y·log y − y + ½·log(2πy)` where `y > 1`.
 * @example
 * ```ts
 * const logRate = tg.tensor([[0], [Math.log(2)]]), y = tg.tensor([[1], [3]]);
 * tg.losses.poissonNll(logRate, y).item(); // mean(1 − 0, 2 − 3·log 2) ≈ 0.4603
 * ```
 */
export const poissonNll: Loss<PoissonNllOptions, "same", "poissonNll"> = ((
  input: T,
  target: T,
  opts: PoissonNllOptions = {},
): T => {
  check("poissonNll", input, target);
  const y = P.cast(target, input.dtype);
  let per =
    (opts.logInput ?? true)
      ? P.sub(P.exp(input), P.mul(y, input))
      : P.sub(input, P.mul(y, P.log(P.add(input, opts.eps ?? 1e-8))));
  if (opts.full) {
    const safe = P.maximum(y, 1);
    const stirling = P.add(
      P.sub(P.mul(safe, P.log(safe)), safe),
      P.mul(P.log(P.mul(safe, 2 * Math.PI)), 0.5),
    );
    per = P.add(per, P.where(P.gt(y, 1), stirling, 0));
  }
  return reduce(per, opts.reduction, "poissonNll");
}) as never;
