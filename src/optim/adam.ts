/**
 * Adam and AdamW (Adam with decoupled weight decay).
 * @module
 */
import { add, cast, div, mul, pow, sqrt, sub } from "../prims/elementwise.js";
import {
  freshScalar,
  type LearningRate,
  lrAt,
  type Optimizer,
  rateOf,
  type Scalar,
  zerosTree,
  zipTrees,
} from "./types.js";

/** Options of `adam`. */
export interface AdamOptions {
  /** The learning rate or a schedule (default 1e-3). */
  lr?: LearningRate;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** ε added to the root (default 1e-8). */
  eps?: number;
}

/** Options of `adamw`: Adam's plus the decoupled weight decay. */
export interface AdamwOptions extends AdamOptions {
  /** Decoupled weight decay λ: `p ← p − lr·λ·p` each step (default 0.01). */
  weightDecay?: number;
}

/** The state of `adam` and `adamw`: step count and the two moment trees. */
export interface AdamState {
  step: Scalar;
  m: unknown;
  v: unknown;
}

function adamLike(name: string, opts: AdamwOptions, wd: number): Optimizer<AdamState> {
  const lr = opts.lr ?? 1e-3;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  return {
    name,
    init: (params) => ({ step: freshScalar(0), m: zerosTree(params), v: zerosTree(params) }),
    update(grads, state, params) {
      const rate = rateOf(lr, state.step);
      const t = add(state.step, 1) as Scalar;
      // bias corrections 1 − β^t, as scalars shared by every leaf
      const c1 = sub(1, pow(b1, t));
      const c2 = sub(1, pow(b2, t));
      const [next, m, v] = zipTrees<typeof params>(
        [params, grads, state.m, state.v],
        (p, g, m0, v0) => {
          const m1 = add(mul(m0, b1), mul(g, 1 - b1));
          const v1 = add(mul(v0, b2), mul(mul(g, g), 1 - b2));
          const mHat = div(m1, cast(c1, p.dtype));
          const vHat = div(v1, cast(c2, p.dtype));
          let dir = div(mHat, add(sqrt(vHat), eps));
          if (wd) dir = add(dir, mul(p, wd));
          return [sub(p, mul(dir, lrAt(rate, p.dtype))), m1, v1];
        },
        3,
      );
      return { params: next, state: { step: t, m, v } };
    },
  };
}

/**
 * Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`,
 * `p ← p − lr · m̂/(√v̂ + ε)`, with `t` the 1-based step.
 * @example
 * ```ts
 * const opt = tg.optim.adam({ lr: 1e-3 });
 * let params = { w: tg.ones([3]) };
 * const grads = tg.grad((p: typeof params) => tg.sum(tg.mul(p.w, p.w)))(params);
 * let state = opt.init(params);
 * ({ params, state } = opt.update(grads, state, params));
 * ```
 */
export function adam(opts: AdamOptions = {}): Optimizer<AdamState> {
  return adamLike("adam", opts, 0);
}

/**
 * AdamW: Adam with weight decay decoupled from the gradient (Loshchilov & Hutter):
 * `p ← p − lr · (m̂/(√v̂ + ε) + λp)`.
 * @example
 * ```ts
 * const opt = tg.optim.adamw({ lr: 1e-3, weightDecay: 1e-2 });
 * ```
 */
export function adamw(opts: AdamwOptions = {}): Optimizer<AdamState> {
  return adamLike("adamw", opts, opts.weightDecay ?? 0.01);
}
