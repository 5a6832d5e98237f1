/**
 * Regularizing noise, active only in training mode (`apply(params, x, { training: true, key })`):
 * `dropout` and `gaussianNoise`. At inference they are the identity.
 *
 * @example
 * ```ts
 * const model = tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dropout(0.2), tg.nn.dense(128, 10));
 * const [params, x] = [model.init(tg.random.key(0)), tg.zeros([32, 784])];
 * model.apply(params, x, { training: true, key: tg.random.key(1) });
 * ```
 * @module
 */
import { add, div, lt, mul, where } from "../prims/elementwise.js";
import { randomUniform } from "../prims/random.js";
import { normal } from "../random/index.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor } from "../tensor/tensor.js";
import type { ForwardOptions } from "./layer.js";
import { type IdentityFn, type LayerSpec, layer, spec } from "./model.js";

function needKey(name: string, opts: ForwardOptions<unknown>): AnyTensor {
  if (!opts.key)
    throw new ShapeError(
      name,
      "training mode needs a random key: apply(params, x, { training: true, key })",
    );
  return opts.key;
}

/**
 * Dropout: in training, each element is zeroed with probability `rate` and the kept ones are
 * scaled by `1/(1−rate)`, so the expected value is unchanged. The identity at inference.
 * @example
 * ```ts
 * const x = tg.ones([2, 4]);
 * tg.nn.dropout(0.5).build([4]).apply({}, x, { training: true, key: tg.random.key(0) }); // each entry 0 or 2
 * ```
 */
export function dropout(rate: number): LayerSpec<IdentityFn> {
  if (!(rate >= 0 && rate < 1))
    throw new ShapeError("dropout", `rate must be in [0, 1), got ${rate}`);
  const name = `dropout(${rate})`;
  return spec(name, (shape) =>
    layer({
      name,
      inputShape: shape,
      outputShape: shape,
      forward: (_p, x, opts) => {
        if (!opts.training || rate === 0) return { y: x, state: opts.state };
        const keep = lt(
          randomUniform(needKey(name, opts), x.shape, x.dtype === "f64" ? "f64" : "f32"),
          1 - rate,
        );
        return { y: where(keep, div(x, 1 - rate), 0), state: opts.state };
      },
    }),
  );
}

/**
 * Additive Gaussian noise with standard deviation `std`, in training only.
 * @example
 * ```ts
 * tg.nn.sequential([10], tg.nn.gaussianNoise(0.1), tg.nn.dense(1));
 * ```
 */
export function gaussianNoise(std: number): LayerSpec<IdentityFn> {
  if (!(std >= 0)) throw new ShapeError("gaussianNoise", `std must be ≥ 0, got ${std}`);
  const name = `gaussianNoise(${std})`;
  return spec(name, (shape) =>
    layer({
      name,
      inputShape: shape,
      outputShape: shape,
      forward: (_p, x, opts) => {
        if (!opts.training || std === 0) return { y: x, state: opts.state };
        const n = normal(needKey(name, opts) as never, x.shape, {
          dtype: x.dtype === "f64" ? "f64" : "f32",
        });
        return { y: add(x, mul(n, std)), state: opts.state };
      },
    }),
  );
}
