/**
 * Activation functions, written as compositions of primitives (no derivative code of their own).
 * The softmax family subtracts the maximum (held constant with `stopGradient`) for numerical
 * stability.
 *
 * @example
 * ```ts
 * tg.relu(tg.tensor([-1, 2]));          // [0, 2]
 * tg.softmax(tg.tensor([[1, 2, 3]]));   // rows sum to 1
 * ```
 * @module
 */
import { scalar } from "../prims/constants.js";
import * as P from "../prims/elementwise.js";
import { keptShape, reduceMax, reduceSum } from "../prims/reduce.js";
import { reshape } from "../prims/movement.js";
import { normAxes, normAxis } from "../prims/shapes.js";
import type { Axes } from "../shape/axes.js";
import type { Kinds, NotScalar } from "../shape/dims.js";
import type { DType, DTypeCheck, FloatDType } from "../shape/dtype.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { named } from "./named.js";
import { requireFloat, toFloat } from "./float.js";
import type { AxisArg, FloatOf, Reduced } from "./reduce.js";

/**
 * The NaN carrier of the ReLU family: `y` where `x` is a number, NaN where `x` is NaN, as
 * `y · where(x = x, 1, NaN)`. The factor is a constant to differentiation, so the derivative is
 * the one of `y` times 1 or NaN: NaN in, NaN value and NaN gradient out, with no max/min mask (the
 * whole activation, forward and backward, fuses into one kernel under `jit`). Integers have no NaN.
 */
const keepNaN = (x: AnyTensor, y: AnyTensor): AnyTensor =>
  x.dtype === "f32" || x.dtype === "f64"
    ? P.mul(y, P.where(P.eq(x, x), scalar(1, x.dtype), Number.NaN))
    : y;

/**
 * `max(x, 0)`, written as `where(x ≤ 0, 0, x)` times 1 (NaN where `x` is NaN), so NaN comes out
 * as NaN with a NaN gradient. The derivative is 1 where `x > 0` and 0
 * where `x ≤ 0`, including at 0 (as in PyTorch). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.relu(tg.tensor([Number.NaN, -1, 0, 2])); // [NaN, 0, 0, 2]
 * ```
 */
export function relu<S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, D> {
  return named("relu", () => keepNaN(x, P.where(P.le(x, 0), 0, x)));
}

/**
 * `x` where positive, `alpha · x` elsewhere (the derivative at 0 is `alpha`, as in PyTorch). NaN
 * gives NaN with a NaN gradient. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.leakyRelu(tg.tensor([-1, 2]), 0.1); // [-0.1, 2]
 * ```
 */
export function leakyRelu<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"leakyRelu", D, FloatDType, Kn>>,
  alpha = 0.2,
): Tensor<S, D> {
  requireFloat("leakyRelu", x);
  return named("leakyRelu", () => keepNaN(x, P.where(P.le(x, 0), P.mul(x, alpha), x)));
}

/**
 * `x` where positive, `alpha · (eˣ − 1)` elsewhere. The exponential only sees `x` where `x ≤ 0` (0
 * elsewhere), so large inputs cannot overflow the unused branch; the derivative at 0 is `alpha`
 * (as in PyTorch), and NaN gives NaN with a NaN gradient. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.elu(tg.tensor([-1, 2])); // [-0.632…, 2]
 * ```
 */
export function elu<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"elu", D, FloatDType, Kn>>,
  alpha = 1,
): Tensor<S, D> {
  requireFloat("elu", x);
  return named("elu", () => {
    const down = P.le(x, 0);
    const neg = P.mul(P.sub(P.exp(P.where(down, x, 0)), 1), alpha);
    return keepNaN(x, P.where(down, neg, x));
  });
}

/**
 * The Gaussian error linear unit `x · Φ(x)`; with `approximate`, the tanh form.
 * NaN gives NaN, with a NaN gradient. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.gelu(tg.tensor([0, 1])); // [0, 0.841…]
 * ```
 */
export function gelu<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"gelu", D, FloatDType, Kn>>,
  approximate = false,
): Tensor<S, D> {
  requireFloat("gelu", x);
  return named("gelu", () => {
    if (approximate) {
      const inner = P.mul(Math.sqrt(2 / Math.PI), P.add(x, P.mul(0.044715, P.mul(x, P.square(x)))));
      return P.mul(P.mul(x, 0.5), P.add(P.tanh(inner), 1));
    }
    return P.mul(P.mul(x, 0.5), P.add(P.erf(P.mul(x, Math.SQRT1_2)), 1));
  });
}

/**
 * The logistic function `1 / (1 + e⁻ˣ)`.
 * NaN gives NaN; results below the smallest normal float32 flush to 0. Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.sigmoid(tg.tensor([0])); // [0.5]
 * ```
 */
export function sigmoid<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"sigmoid", D, FloatDType, Kn>>,
): Tensor<S, D> {
  return named("sigmoid", () => P.logistic(x));
}

/**
 * The hyperbolic tangent.
 * @example
 * ```ts
 * tg.tanh(tg.tensor([0])); // [0]
 * ```
 */
export function tanh<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"tanh", D, FloatDType, Kn>>,
): Tensor<S, D> {
  return P.tanh(x);
}

/** The maximum over `axes`, kept as size 1 and held constant. */
function keptMax(x: AnyTensor, axes: number[]): AnyTensor {
  return P.stopGradient(reshape(reduceMax(x, axes), keptShape(x.shape, axes)));
}

/**
 * {@link keptMax} made finite (±∞ give 0), for logsumexp: a slice of −∞ then gives −∞ and one
 * holding +∞ gives +∞ (as PyTorch), where the plain shift would give NaN.
 */
function stableMax(x: AnyTensor, axes: number[]): AnyTensor {
  const m = keptMax(x, axes);
  return P.where(P.eq(P.abs(m), Number.POSITIVE_INFINITY), 0, m);
}

/**
 * `exp(x) / sum(exp(x))` along `axis` (the last by default).
 * A slice holding +∞ or all −∞ gives NaN, as PyTorch. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.softmax(tg.tensor([1, 1])); // [0.5, 0.5]
 * ```
 */
export function softmax<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"softmax", D, FloatDType, Kn> & NotScalar<"softmax", S, Kn>>,
  axis = -1,
): Tensor<S, D> {
  requireFloat("softmax", x);
  return named("softmax", () => {
    const a = [normAxis("softmax", axis, x.rank)];
    const e = P.exp(P.sub(x, keptMax(x, a)));
    return P.div(e, reshape(reduceSum(e, a), keptShape(x.shape, a)));
  });
}

/**
 * `log(softmax(x))` along `axis`, computed stably as `x − logsumexp(x)`.
 * A slice holding +∞ or all −∞ gives NaN, as PyTorch. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.logSoftmax(tg.tensor([1, 1])); // [-0.693…, -0.693…]
 * ```
 */
export function logSoftmax<S extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  x: Tensor<S, D> &
    NoInfer<DTypeCheck<"logSoftmax", D, FloatDType, Kn> & NotScalar<"logSoftmax", S, Kn>>,
  axis = -1,
): Tensor<S, D> {
  requireFloat("logSoftmax", x);
  return named("logSoftmax", () => {
    const a = [normAxis("logSoftmax", axis, x.rank)];
    const shifted = P.sub(x, keptMax(x, a));
    return P.sub(shifted, P.log(reshape(reduceSum(P.exp(shifted), a), keptShape(x.shape, a))));
  });
}

/**
 * `log(sum(exp(x)))` over `axis` (all axes when omitted), without overflow. An i32 or bool input
 * gives an f32 result (as NumPy and JAX; never truncated). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.logsumexp(tg.tensor([[0, 0], [1000, 1000]]), 1); // Tensor<[2]>: [0.693…, 1000.693…]
 * ```
 */
export function logsumexp<
  S extends Shape,
  D extends DType,
  const A extends Axes = undefined,
  K extends boolean = false,
>(
  x: Tensor<S, D>,
  axis?: AxisArg<"logsumexp", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, FloatOf<D>> {
  return named("logsumexp", () => {
    const axes = normAxes("logsumexp", axis, x.rank);
    const xf = toFloat(x);
    // an empty slice sums no exponentials: log 0 = −∞ (as PyTorch), with a zero derivative
    if (axes.some((a) => x.shape[a] === 0)) {
      const none = P.add(reduceSum(xf, axes), Number.NEGATIVE_INFINITY);
      return keepDims ? reshape(none, keptShape(x.shape, axes)) : none;
    }
    const m = stableMax(xf, axes);
    const lse = P.log(reshape(reduceSum(P.exp(P.sub(xf, m)), axes), keptShape(x.shape, axes)));
    const s = P.add(lse, m);
    return keepDims
      ? s
      : reshape(
          s,
          x.shape.filter((_: number, i: number) => !axes.includes(i)),
        );
  });
}
