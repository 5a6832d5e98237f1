/**
 * Layers that only change the shape: `flatten` and `reshape`. The batch dimension is kept.
 *
 * @example
 * ```ts
 * tg.nn.sequential([7, 7, 64], tg.nn.flatten, tg.nn.dense(10));      // [3136] → [10]
 * tg.nn.sequential([784], tg.nn.reshape([28, 28, 1]), tg.nn.conv2d(8, 3));
 * ```
 * @module
 */
import { reshape as reshapePrim, resolveShape } from "../prims/movement.js";
import type { Product } from "../shape/arith.js";
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import type { Reshape } from "../shape/reshape.js";
import { ShapeError } from "../shape/errors.js";
import type { Shape } from "../tensor/tensor.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";

/** What `flatten` builds: `[...s]` to `[product(s)]`. */
export interface FlattenFn extends ShapeFn {
  out: Model<In<this>, [Product<In<this>>], {}>;
}

/**
 * Flattens each example to a vector: `[7, 7, 64]` to `[3136]` (the product is computed at compile
 * time, digit by digit).
 * @example
 * ```ts
 * tg.nn.sequential([28, 28, 1], tg.nn.flatten); // Model<[28, 28, 1], [784]>
 * ```
 */
export const flatten: LayerSpec<FlattenFn> = spec("flatten", (shape: Shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return layer({
    name: "flatten",
    inputShape: shape,
    outputShape: [n],
    forward: (_p, x, { state }) => ({ y: reshapePrim(x, [x.shape[0], n]), state }),
  });
});

/** What `reshape(target)` builds. */
export interface ReshapeFn<T extends Shape> extends ShapeFn {
  out: Reshape<In<this>, T> extends infer R
    ? R extends ShapeMismatch<infer M>
      ? ShapeMismatch<M>
      : R extends Shape
        ? Model<In<this>, { -readonly [K in keyof R]: R[K] }, {}>
        : ShapeMismatch<`reshape: cannot reshape ${Fmt<In<this>>} to ${Fmt<T>}`>
    : never;
}

/**
 * Reshapes each example (one size may be -1, inferred); the element count must match, at compile
 * time when the sizes are known.
 * @example
 * ```ts
 * tg.nn.sequential([784], tg.nn.reshape([28, 28, 1])); // Model<[784], [28, 28, 1]>
 * ```
 */
export function reshape<const T extends Shape>(target: T): LayerSpec<ReshapeFn<T>> {
  const name = `reshape([${target.join(", ")}])`;
  return spec(name, (shape: Shape) => {
    let out: number[];
    try {
      out = resolveShape("reshape", shape, target);
    } catch (e) {
      throw new ShapeError(name, (e as Error).message);
    }
    return layer({
      name,
      inputShape: shape,
      outputShape: out,
      forward: (_p, x, { state }) => ({ y: reshapePrim(x, [x.shape[0], ...out]), state }),
    });
  });
}
