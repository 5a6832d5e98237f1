/**
 * Activations, each both a function of a tensor and a layer: `tg.nn.relu(x)` computes, and
 * `tg.nn.relu` in `serial`/`sequential` is a shape-preserving layer. `activation(name, f)` turns a
 * function of your own (written from ops) into the same thing; it differentiates with no extra code.
 *
 * @example
 * ```ts
 * tg.nn.relu(tg.tensor([-1, 2]));                      // [0, 2]
 * tg.nn.serial(tg.nn.dense(4, 8), tg.nn.relu, tg.nn.dense(8, 2));
 * const swish = tg.nn.activation("swish", (x) => tg.mul(x, tg.sigmoid(x)));
 * ```
 * @module
 */
import * as ops from "../ops/activation.js";
import { named as errorsAs } from "../ops/named.js";
import * as P from "../prims/elementwise.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { type IdentityFn, type LayerSpec, layer, spec } from "./model.js";
import { logSoftmaxAxis, softmaxAxis } from "./numeric.js";

/** A function of a tensor that keeps its shape and dtype, and is a layer too. */
export type Activation = (<S extends Shape, D extends DType>(x: Tensor<S, D>) => Tensor<S, D>) &
  LayerSpec<IdentityFn>;

/**
 * Turns an elementwise (or shape-preserving) function into an activation: a function and a layer.
 * @example
 * ```ts
 * const swish = tg.nn.activation("swish", (x) => tg.mul(x, tg.sigmoid(x)));
 * tg.nn.serial(tg.nn.dense(4, 4), swish);
 * ```
 */
export function activation(name: string, f: (x: any, ...args: any[]) => any): Activation {
  const s = spec<IdentityFn>(name, (shape) =>
    layer({
      name,
      inputShape: shape,
      outputShape: shape,
      forward: (_p, x, { state }) => ({ y: f(x), state }),
    }),
  );
  const fn = (x: AnyTensor, ...args: unknown[]) => f(x, ...args);
  Object.defineProperty(fn, "name", { value: name });
  return Object.assign(fn, { kind: s.kind, build: s.build }) as unknown as Activation;
}

const named = activation;

/**
 * `max(x, 0)` (the same function as `tg.relu`): its derivative at 0 is 0, and NaN gives NaN with a
 * NaN gradient. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.nn.relu(tg.tensor([-1, 0, 2])); // [0, 0, 2]
 * ```
 */
export const relu: Activation = named("relu", (x) => ops.relu(x));

/**
 * `x` for x > 0, `alpha·x` otherwise (alpha defaults to 0.3, as in Keras; `tg.leakyRelu`'s is 0.2).
 * Edge cases (NaN, the derivative at 0): docs/numerics.md.
 * @example
 * ```ts
 * tg.nn.leakyRelu(tg.tensor([-1, 2])); // [-0.3, 2]
 * tg.nn.leakyRelu(tg.tensor([-1, 2]), 0.1); // [-0.1, 2]
 * ```
 */
export const leakyRelu: Activation &
  (<S extends Shape, D extends DType>(x: Tensor<S, D>, alpha?: number) => Tensor<S, D>) = named(
  "leakyRelu",
  (x: AnyTensor, alpha = 0.3) => ops.leakyRelu(x, alpha),
) as never;

/**
 * `x` for x > 0, `alpha·(eˣ − 1)` otherwise (alpha defaults to 1), the same function as `tg.elu`.
 * Edge cases (NaN, the derivative at 0): docs/numerics.md.
 * @example
 * ```ts
 * tg.nn.elu(tg.tensor([-1, 2])); // [-0.632, 2]
 * tg.nn.elu(tg.tensor([-1]), 0.5); // [-0.316]
 * ```
 */
export const elu: Activation &
  (<S extends Shape, D extends DType>(x: Tensor<S, D>, alpha?: number) => Tensor<S, D>) = named(
  "elu",
  (x: AnyTensor, alpha = 1) => ops.elu(x, alpha),
) as never;

/**
 * The Gaussian error linear unit, exact form `x·Φ(x) = ½x(1 + erf(x/√2))`.
 * @example
 * ```ts
 * tg.nn.gelu(tg.tensor([1])); // [0.8413]
 * ```
 */
export const gelu: Activation = named("gelu", (x) => ops.gelu(x));

/**
 * The logistic function `1 / (1 + e⁻ˣ)`.
 * @example
 * ```ts
 * tg.nn.sigmoid(tg.tensor([0])); // [0.5]
 * ```
 */
export const sigmoid: Activation = named("sigmoid", (x) => ops.sigmoid(x));

/**
 * The hyperbolic tangent.
 * @example
 * ```ts
 * tg.nn.tanh(tg.tensor([0])); // [0]
 * ```
 */
export const tanh: Activation = named("tanh", (x) => P.tanh(x));

/**
 * `log(1 + eˣ)`, the smooth ReLU (a primitive: see `tg.softplus`).
 * @example
 * ```ts
 * tg.nn.softplus(tg.tensor([0])); // [0.6931472]
 * ```
 */
export const softplus: Activation = named("softplus", (x) => P.unary("softplus", x));

/**
 * Softmax over the last axis (stable: the maximum is subtracted first).
 * @example
 * ```ts
 * tg.nn.softmax(tg.tensor([[0, 0]])); // [[0.5, 0.5]]
 * ```
 */
export const softmax: Activation = named("softmax", (x) =>
  errorsAs("softmax", () => softmaxAxis(x, -1)),
);

/**
 * Log-softmax over the last axis: `x − logsumexp(x)`, stable for large logits.
 * @example
 * ```ts
 * tg.nn.logSoftmax(tg.tensor([[1000, 1000]])); // [[-0.693, -0.693]]
 * ```
 */
export const logSoftmax: Activation = named("logSoftmax", (x) =>
  errorsAs("logSoftmax", () => logSoftmaxAxis(x, -1)),
);

/**
 * The identity.
 * @example
 * ```ts
 * const x = tg.tensor([1, -2]);
 * tg.nn.linear(x) === x; // true
 * ```
 */
export const linear: Activation = named("linear", (x) => x);

/** The activations by name, for layers that take `activation: "relu"` and so on. */
export const activations = {
  relu,
  leakyRelu,
  elu,
  gelu,
  sigmoid,
  tanh,
  softplus,
  softmax,
  logSoftmax,
  linear,
} as const;

/** An activation's name or the activation itself. */
export type ActivationLike = keyof typeof activations | Activation | ((x: AnyTensor) => AnyTensor);

/** @internal Resolves an activation option to a function. */
export function activationFn(
  a: ActivationLike | undefined,
  fallback: (x: AnyTensor) => AnyTensor = (x) => x,
) {
  if (a === undefined) return fallback;
  if (typeof a === "string") return activations[a] as (x: AnyTensor) => AnyTensor;
  return a as (x: AnyTensor) => AnyTensor;
}
