/**
 * Recurrent layers over `[time, features]`: `simpleRnn`, `lstm` and `gru`. Each is built on the
 * `scan` primitive, so a sequence of any length traces to one loop whose body is a few equations,
 * and its gradient is a reverse scan. The input projection of every step is one matmul up front.
 *
 * @example
 * ```ts
 * const model = tg.nn.sequential([200, 8], tg.nn.lstm(32), tg.nn.dense(1));            // [B, 200, 8] → [B, 1]
 * const seq = tg.nn.sequential([200, 8], tg.nn.gru(16, { returnSequences: true }));     // → [B, 200, 16]
 * ```
 * @module
 */
import type { Mul } from "../shape/arith.js";
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import { constant, filled } from "../prims/constants.js";
import { scan } from "../prims/control.js";
import { add, logistic, mul, sub, tanh } from "../prims/elementwise.js";
import { matmulPrim } from "../prims/linalg.js";
import { moveAxisTo, slice } from "../prims/movement.js";
import { split } from "../random/index.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor as T, Shape, Tensor } from "../tensor/tensor.js";
import { type ActivationLike, activationFn } from "./activations.js";
import {
  glorotUniform,
  type InitializerLike,
  initializerFn,
  orthogonal,
  zeros,
} from "./initializers.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";

/** Options of the recurrent layers. */
export interface RecurrentOptions {
  /** Return the output of every step `[T, units]` instead of the last `[units]` (default false). */
  returnSequences?: boolean;
  /** Input kernel initializer (default `glorotUniform`). */
  kernelInitializer?: InitializerLike;
  /** Recurrent kernel initializer (default `orthogonal`). */
  recurrentInitializer?: InitializerLike;
}

/** The parameters of a recurrent layer with `G` gates: input kernel, recurrent kernel and bias. */
export type RecurrentParams<F extends number, U extends number, G extends number> = {
  kernel: Tensor<[F, Mul<G, U>]>;
  recurrentKernel: Tensor<[U, Mul<G, U>]>;
  bias: Tensor<[Mul<G, U>]>;
};
/** GRU's parameters: as the others plus the recurrent bias of the reset-after form (Keras's default). */
export type GruParams<F extends number, U extends number> = RecurrentParams<F, U, 3> & {
  recurrentBias: Tensor<[Mul<3, U>]>;
};

type Ret<O, T extends number, U extends number> = O extends { returnSequences: true }
  ? [T, U]
  : [U];

/** What a recurrent spec builds from `[time, features]`. */
export interface RecurrentFn<Name extends string, U extends number, G extends number, O>
  extends ShapeFn {
  out: In<this> extends [infer T extends number, infer F extends number]
    ? Model<[T, F], Ret<O, T, U>, Name extends "gru" ? GruParams<F, U> : RecurrentParams<F, U, G>>
    : ShapeMismatch<`${Name}(${U}) takes [time, features] but gets ${Fmt<In<this>>}`>;
}

type Cell = (p: Record<string, T>, xw: T, carry: T[]) => T[]; // new carry; carry[0] is the output h

function gate(z: T, k: number, u: number): T {
  const b = z.shape[0];
  return slice(z, [0, k * u], [b, (k + 1) * u]);
}

function recurrent(
  name: string,
  units: number,
  gates: number,
  opts: RecurrentOptions,
  carries: number,
  cell: Cell,
  extraInit?: (key: T) => Record<string, T>,
): LayerSpec<any> {
  if (!(Number.isInteger(units) && units > 0))
    throw new ShapeError(name, `units must be a positive integer, got ${units}`);
  const kInit = initializerFn(opts.kernelInitializer, glorotUniform);
  const rInit = initializerFn(opts.recurrentInitializer, orthogonal);
  const label = `${name}(${units})`;
  return spec(label, (shape: Shape) => {
    if (shape.length !== 2)
      throw new ShapeError(label, `takes [time, features] but gets [${shape.join(", ")}]`);
    const [steps, f] = shape;
    const g = gates * units;
    return layer<any, any, Record<string, T>>({
      name: label,
      inputShape: shape,
      outputShape: opts.returnSequences ? [steps, units] : [units],
      init: (key) => {
        const [k1, k2, k3] = split(key, 3);
        const bias = name === "lstm" ? lstmBias(units) : zeros(k3, [g]);
        return {
          kernel: kInit(k1, [f, g]),
          recurrentKernel: rInit(k2, [units, g]),
          bias,
          ...(extraInit ? extraInit(k3) : {}),
        };
      },
      forward: (p, x, { state }) => {
        const b = x.shape[0];
        // the input projection of every step at once: [T, B, F]·[F, G] → [T, B, G] (time moves
        // first on the narrow input, so neither the projection nor its gradient is transposed)
        const xw = add(matmulPrim(moveAxisTo(x, 1, 0), p.kernel), p.bias);
        const init = Array.from({ length: carries }, () => filled([b, units], 0, x.dtype));
        const [last, [ys]] = scan(
          (c, [xt]) => {
            const next = cell(p, xt, c);
            return [next, [next[0]]];
          },
          init,
          [xw],
        );
        return { y: opts.returnSequences ? moveAxisTo(ys, 0, 1) : last[0], state };
      },
    });
  });
}

/** Keras's unit forget bias: the forget gate's bias starts at 1, the others at 0. */
function lstmBias(units: number): T {
  return constant(
    Array.from({ length: 4 * units }, (_, i) => (i >= units && i < 2 * units ? 1 : 0)),
    [4 * units],
    "f32",
  );
}

/**
 * A fully connected recurrent layer: `hₜ = activation(xₜ·W + hₜ₋₁·U + b)` (tanh by default).
 * @example
 * ```ts
 * tg.nn.sequential([10, 4], tg.nn.simpleRnn(8)); // Model<[10, 4], [8], RecurrentParams<4, 8, 1>>
 * ```
 */
export function simpleRnn<
  const U extends number,
  const O extends RecurrentOptions & { activation?: ActivationLike } = {},
>(units: U, opts?: O): LayerSpec<RecurrentFn<"simpleRnn", U, 1, O>> {
  const act = activationFn(opts?.activation, tanh);
  return recurrent("simpleRnn", units, 1, opts ?? {}, 1, (p, xw, [h]) => [
    act(add(xw, matmulPrim(h, p.recurrentKernel))),
  ]);
}

/**
 * Long short-term memory (Keras's gate order i, f, c, o; forget bias starts at 1):
 * `i, f, o = σ(·)`, `g = tanh(·)`, `c = f∘c + i∘g`, `h = o∘tanh(c)`.
 * @example
 * ```ts
 * tg.nn.sequential([200, 8], tg.nn.lstm(32)); // Model<[200, 8], [32], RecurrentParams<8, 32, 4>>
 * ```
 */
export function lstm<const U extends number, const O extends RecurrentOptions = {}>(
  units: U,
  opts?: O,
): LayerSpec<RecurrentFn<"lstm", U, 4, O>> {
  return recurrent("lstm", units, 4, opts ?? {}, 2, (p, xw, [h, c]) => {
    const z = add(xw, matmulPrim(h, p.recurrentKernel));
    const i = logistic(gate(z, 0, units));
    const f = logistic(gate(z, 1, units));
    const g = tanh(gate(z, 2, units));
    const o = logistic(gate(z, 3, units));
    const c2 = add(mul(f, c), mul(i, g));
    return [mul(o, tanh(c2)), c2];
  });
}

/**
 * Gated recurrent unit, Keras's default "reset after" form (gate order z, r, h):
 * `z, r = σ(·)`, `ĥ = tanh(xW_h + b_h + r∘(hU_h + b'_h))`, `h = z∘hₜ₋₁ + (1 − z)∘ĥ`.
 * @example
 * ```ts
 * tg.nn.sequential([50, 8], tg.nn.gru(16, { returnSequences: true })); // → [50, 16]
 * ```
 */
export function gru<const U extends number, const O extends RecurrentOptions = {}>(
  units: U,
  opts?: O,
): LayerSpec<RecurrentFn<"gru", U, 3, O>> {
  return recurrent(
    "gru",
    units,
    3,
    opts ?? {},
    1,
    (p, xw, [h]) => {
      const hu = add(matmulPrim(h, p.recurrentKernel), p.recurrentBias);
      const z = logistic(add(gate(xw, 0, units), gate(hu, 0, units)));
      const r = logistic(add(gate(xw, 1, units), gate(hu, 1, units)));
      const hh = tanh(add(gate(xw, 2, units), mul(r, gate(hu, 2, units))));
      return [add(mul(z, h), mul(sub(1, z), hh))];
    },
    () => ({ recurrentBias: filled([3 * units], 0, "f32") }),
  );
}
