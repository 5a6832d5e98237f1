/**
 * Second derivatives, composed from the first-order transformations: forward over reverse.
 * @module
 */
import { constant } from "../prims/constants.js";
import { reshape } from "../prims/movement.js";
import { ShapeError } from "../shape/errors.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { grad } from "./grad.js";
import { jvp } from "./jvp.js";
import { vmap } from "./vmap.js";

/**
 * A Hessian-vector product `H(x)·v` of a scalar function, as `jvp(grad(f))`: no Hessian is built.
 * @example
 * ```ts
 * const [x, v] = [tg.tensor([1, 2, 3]), tg.tensor([1, 1, 1])];
 * const hv = tg.hvp((x: tg.Tensor<[3]>) => tg.sum(tg.mul(x, tg.mul(x, x))), x, v); // 6·x·v: [6, 12, 18]
 * ```
 */
export function hvp<S extends Shape, D extends DType>(
  f: (x: Tensor<S, D>) => Tensor<readonly [], DType>,
  x: Tensor<S, D>,
  v: Tensor<S, D>,
): Tensor<S, D> {
  return jvp((y: Tensor<S, D>) => grad(f)(y), [x], [v])[1];
}

/**
 * The full Hessian of a scalar function of one tensor, shape `[...x.shape, ...x.shape]`: the
 * Hessian-vector product mapped over a basis with `vmap`.
 * @example
 * ```ts
 * tg.hessian((x: tg.Tensor<[2]>) => tg.sum(tg.mul(x, x)))(tg.ones([2])); // Tensor<[2, 2]> [[2, 0], [0, 2]]
 * ```
 */
export function hessian<S extends Shape, D extends DType>(
  f: (x: Tensor<S, D>) => Tensor<readonly [], DType>,
): (x: Tensor<S, D>) => Tensor<[...S, ...S], D> {
  return (x) => {
    const n = x.size;
    if (n > 4096)
      throw new ShapeError(
        "hessian",
        `x has ${n} elements; the Hessian would have ${n * n} (use hvp)`,
      );
    const eye = constant(
      Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)),
      [n, ...x.shape],
      x.dtype,
    );
    const rows: AnyTensor = vmap((v: Tensor<S, D>) => hvp(f, x, v), { inAxes: [0] })(eye as never);
    return reshape(rows, [...x.shape, ...x.shape]) as Tensor<[...S, ...S], D>;
  };
}
