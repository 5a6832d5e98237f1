/**
 * Per-coordinate adaptive optimizers: `rmsprop` and `adagrad`.
 * @module
 */
import { add, div, mul, sqrt, sub } from "../prims/elementwise.js";
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

/** Options of `rmsprop`. */
export interface RmspropOptions {
  /** The learning rate or a schedule (default 1e-3). */
  lr?: LearningRate;
  /** Decay ρ of the squared-gradient average (default 0.9). */
  rho?: number;
  /** ε added to the root (default 1e-7). */
  eps?: number;
  /** Momentum μ (default 0). */
  momentum?: number;
  /** Divide by the centered second moment `v − ḡ²` (default false). */
  centered?: boolean;
}

/** The state of `rmsprop`: step count, squared-gradient average, and (optional) mean gradient and momentum buffer. */
export interface RmspropState {
  step: Scalar;
  sq: unknown;
  mean: unknown;
  mom: unknown;
}

/**
 * RMSprop: `v ← ρv + (1−ρ)g²`, `d = g / (√(v − ḡ²·[centered]) + ε)`; then `b ← μb + d`, `p ← p − lr·b`
 * (or `p ← p − lr·d` when μ = 0). `ḡ ← ρḡ + (1−ρ)g` when centered.
 * @example
 * ```ts
 * const opt = tg.optim.rmsprop({ lr: 1e-3, rho: 0.9 });
 * ```
 */
export function rmsprop(opts: RmspropOptions = {}): Optimizer<RmspropState> {
  const lr = opts.lr ?? 1e-3;
  const rho = opts.rho ?? 0.9;
  const eps = opts.eps ?? 1e-7;
  const mu = opts.momentum ?? 0;
  const centered = opts.centered ?? false;
  return {
    name: "rmsprop",
    init: (params) => ({
      step: freshScalar(0),
      sq: zerosTree(params),
      mean: centered ? zerosTree(params) : null,
      mom: mu > 0 ? zerosTree(params) : null,
    }),
    update(grads, state, params) {
      const rate = rateOf(lr, state.step);
      const trees: unknown[] = [params, grads, state.sq];
      if (centered) trees.push(state.mean);
      if (mu > 0) trees.push(state.mom);
      const outs = zipTrees<typeof params>(
        trees,
        (p, g, sq0, ...rest) => {
          const sq = add(mul(sq0, rho), mul(mul(g, g), 1 - rho));
          let denomSq = sq;
          const extra = [];
          let k = 0;
          if (centered) {
            const mean = add(mul(rest[k++], rho), mul(g, 1 - rho));
            denomSq = sub(sq, mul(mean, mean));
            extra.push(mean);
          }
          let d = div(g, add(sqrt(denomSq), eps));
          if (mu > 0) {
            d = add(mul(rest[k++], mu), d);
            extra.push(d);
          }
          return [sub(p, mul(d, lrAt(rate, p.dtype))), sq, ...extra];
        },
        2 + (centered ? 1 : 0) + (mu > 0 ? 1 : 0),
      );
      const [next, sq] = outs;
      let k = 2;
      const mean = centered ? outs[k++] : null;
      const mom = mu > 0 ? outs[k++] : null;
      return { params: next, state: { step: add(state.step, 1) as Scalar, sq, mean, mom } };
    },
  };
}

/** Options of `adagrad`. */
export interface AdagradOptions {
  /** The learning rate or a schedule (default 0.01). */
  lr?: LearningRate;
  /** ε added to the root (default 1e-10). */
  eps?: number;
  /** The initial value of the accumulator (default 0). */
  initialAccumulator?: number;
}

/** The state of `adagrad`: step count and the sum of squared gradients. */
export interface AdagradState {
  step: Scalar;
  sum: unknown;
}

/**
 * Adagrad: `s ← s + g²`, `p ← p − lr · g / (√s + ε)`.
 * @example
 * ```ts
 * const opt = tg.optim.adagrad({ lr: 0.1 });
 * ```
 */
export function adagrad(opts: AdagradOptions = {}): Optimizer<AdagradState> {
  const lr = opts.lr ?? 0.01;
  const eps = opts.eps ?? 1e-10;
  return {
    name: "adagrad",
    init: (params) => ({
      step: freshScalar(0),
      sum: zerosTree(params, opts.initialAccumulator ?? 0),
    }),
    update(grads, state, params) {
      const rate = rateOf(lr, state.step);
      const [next, sum] = zipTrees<typeof params>(
        [params, grads, state.sum],
        (p, g, s0) => {
          const s = add(s0, mul(g, g));
          return [sub(p, mul(div(g, add(sqrt(s), eps)), lrAt(rate, p.dtype))), s];
        },
        2,
      );
      return { params: next, state: { step: add(state.step, 1) as Scalar, sum } };
    },
  };
}
