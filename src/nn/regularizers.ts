/**
 * Weight penalties to add to a loss: `l1` and `l2` over every float tensor of a parameter tree.
 *
 * @example
 * ```ts
 * const model = tg.nn.sequential([3], tg.nn.dense(1));
 * const [params, x, y] = [model.init(tg.random.key(0)), tg.zeros([8, 3]), tg.zeros([8, 1])];
 * const loss = (p: typeof params) => tg.add(tg.losses.mse(model.apply(p, x), y), tg.nn.l2(p, 1e-4));
 * ```
 * @module
 */
import { scalar } from "../prims/constants.js";
import { abs, add, mul } from "../prims/elementwise.js";
import { reduceSum } from "../prims/reduce.js";
import { isFloat } from "../shape/dtype.js";
import type { AnyTensor, Tensor } from "../tensor/tensor.js";
import { flatten } from "../transforms/pytree.js";

function penalty(
  params: unknown,
  scale: number,
  f: (w: AnyTensor) => AnyTensor,
): Tensor<readonly [], "f32"> {
  const leaves = flatten(params)[0].filter((t) => isFloat(t.dtype));
  if (leaves.length === 0) return scalar(0, "f32") as never;
  const total = leaves.map((w) => reduceSum(f(w))).reduce((a, b) => add(a, b));
  return mul(total, scale) as never;
}

/**
 * `scale · Σ|w|` over every float tensor of a parameter tree (scale defaults to 0.01, as Keras).
 * @example
 * ```ts
 * tg.nn.l1({ w: tg.tensor([1, -2]) }, 0.1).item(); // 0.3
 * ```
 */
export function l1(params: unknown, scale = 0.01): Tensor<readonly [], "f32"> {
  return penalty(params, scale, abs);
}

/**
 * `scale · Σw²` over every float tensor of a parameter tree (scale defaults to 0.01, as Keras).
 * @example
 * ```ts
 * tg.nn.l2({ w: tg.tensor([1, -2]) }, 0.1).item(); // 0.5
 * ```
 */
export function l2(params: unknown, scale = 0.01): Tensor<readonly [], "f32"> {
  return penalty(params, scale, (w) => mul(w, w));
}
