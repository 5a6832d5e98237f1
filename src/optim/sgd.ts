/**
 * Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.
 * @module
 */
import { add, mul, sub } from "../prims/elementwise.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
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

/** Options of `sgd`. */
export interface SgdOptions {
  /** The learning rate or a schedule (default 0.01). */
  lr?: LearningRate;
  /** Momentum μ (default 0: plain SGD). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** L2 weight decay λ, added to the gradient as `λ · p` (default 0). */
  weightDecay?: number;
}

/** The state of `sgd`: the step count and the velocity (a tree like the params, or null without momentum). */
export interface SgdState {
  step: Scalar;
  velocity: unknown;
}

/**
 * SGD, as PyTorch defines it. With `g = grad + λp`: `v ← μv + g`, then
 * `p ← p − lr · (g + μv)` with Nesterov, `p ← p − lr · v` without (and `p ← p − lr · g` when μ = 0).
 * @example
 * ```ts
 * const opt = tg.optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
 * let params = { w: tg.ones([3]) };
 * const grads = tg.grad((p: typeof params) => tg.sum(tg.mul(p.w, p.w)))(params);
 * let state = opt.init(params);
 * ({ params, state } = opt.update(grads, state, params));
 * ```
 */
export function sgd(opts: SgdOptions = {}): Optimizer<SgdState> {
  const lr = opts.lr ?? 0.01;
  const mu = opts.momentum ?? 0;
  const wd = opts.weightDecay ?? 0;
  if (opts.nesterov && mu <= 0) throw new RangeError("optim.sgd: nesterov needs a momentum > 0");
  return {
    name: "sgd",
    init: (params) => ({ step: freshScalar(0), velocity: mu > 0 ? zerosTree(params) : null }),
    update(grads, state, params) {
      const rate = rateOf(lr, state.step);
      const step = add(state.step, 1) as Scalar;
      const decayed = (g: T, p: T): T => (wd ? add(g, mul(p, wd)) : g);
      if (mu === 0) {
        const [next] = zipTrees<typeof params>(
          [params, grads],
          (p, g) => [sub(p, mul(decayed(g, p), lrAt(rate, p.dtype)))],
          1,
        );
        return { params: next, state: { step, velocity: null } };
      }
      const [next, velocity] = zipTrees<typeof params>(
        [params, grads, state.velocity],
        (p, g0, v0) => {
          const g = decayed(g0, p);
          const v = add(mul(v0, mu), g);
          const dir = opts.nesterov ? add(g, mul(v, mu)) : v;
          return [sub(p, mul(dir, lrAt(rate, p.dtype))), v];
        },
        2,
      );
      return { params: next, state: { step, velocity } };
    },
  };
}
