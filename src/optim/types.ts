/**
 * The shapes shared by every optimizer: an `Optimizer` is a pair of pure functions over parameter
 * pytrees, a `GradientTransform` rewrites gradients (clipping) and composes with `chain`, and a
 * learning rate is a number or a `Schedule` of the step count. Helpers here work leaf by leaf with
 * tensor ops only, so a whole update traces into the jitted training step.
 * @module
 */
import { constant, filled } from "../prims/constants.js";
import { cast } from "../prims/elementwise.js";
import { zerosLike } from "../prims/movement.js";
import { flatten, unflatten } from "../transforms/pytree.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";

/** A rank-0 f32 tensor: the step count and learning rates inside the traced update. */
export type Scalar = Tensor<readonly [], "f32">;

/**
 * A learning-rate schedule: the rate at a step count (0 for the first update), written with tensor
 * ops so it can run inside a jitted step.
 * @example
 * ```ts
 * const s: tg.optim.Schedule = tg.optim.cosineDecay({ lr: 0.1, steps: 1000 });
 * s(tg.tensor(10)).item();
 * ```
 */
export type Schedule = (step: Scalar) => Scalar;

/** A learning rate: a constant or a schedule of the step count. */
export type LearningRate = number | Schedule;

/**
 * An optimizer: `init` makes its state from the parameters, `update` maps gradients, state and
 * parameters to new parameters and state. Both are pure and traceable.
 * @example
 * ```ts
 * const opt = tg.optim.adam({ lr: 1e-3 });
 * let params = { w: tg.ones([3]) };
 * const grads = tg.grad((p: typeof params) => tg.sum(tg.mul(p.w, p.w)))(params);
 * let state = opt.init(params);
 * ({ params, state } = opt.update(grads, state, params));
 * ```
 */
export interface Optimizer<S = unknown> {
  /** A name for summaries (`"adam"`, `"chain(clipByGlobalNorm, adam)"`). */
  readonly name: string;
  /** The initial state for these parameters. */
  init<P>(params: P): S;
  /** One step: new parameters and state. `grads` has the structure of `params`. */
  update<P>(grads: P, state: S, params: P): { params: P; state: S };
}

/**
 * A transformation of gradients with its own state (clipping, for example). Put it before an
 * optimizer with `chain`.
 * @example
 * ```ts
 * const t = tg.optim.clipByGlobalNorm(1);
 * const params = { w: tg.tensor([3, 4]) };
 * const g = { w: tg.tensor([30, 40]) };
 * const { grads } = t.transform(g, t.init(params), params); // { w: ≈ [0.6, 0.8] }: global norm 1
 * ```
 */
export interface GradientTransform<S = unknown> {
  /** A name for summaries. */
  readonly name: string;
  /** The initial state for these parameters. */
  init<P>(params: P): S;
  /** New gradients (same structure) and state. */
  transform<P>(grads: P, state: S, params: P): { grads: P; state: S };
}

/**
 * A fresh f32 scalar tensor (never a cached one, since the training step donates its state).
 * @example
 * ```ts
 * const step = freshScalar(0);
 * ```
 */
export function freshScalar(v: number): Scalar {
  return constant([v], [], "f32") as Scalar;
}

/**
 * The learning rate at `step`: the number itself, or the schedule's value as a tensor.
 * @example
 * ```ts
 * const schedule = tg.optim.cosineDecay({ lr: 0.1, steps: 1000 });
 * const state = { step: freshScalar(0) };
 * const rate = rateOf(schedule, state.step); // Tensor 0.1
 * ```
 */
export function rateOf(lr: LearningRate, step: Scalar): Scalar | number {
  return typeof lr === "number" ? lr : lr(step);
}

/**
 * A rate from `rateOf` in the dtype of a parameter.
 * @example
 * ```ts
 * const { mul } = tg;
 * const [g, p, rate] = [tg.tensor([1, 2], "f64"), tg.tensor([0, 0], "f64"), freshScalar(0.1)];
 * mul(g, lrAt(rate, p.dtype)); // f64 ≈ [0.1, 0.2] (the f32 rate cast to f64)
 * ```
 */
export function lrAt(rate: Scalar | number, dtype: T["dtype"]): T | number {
  return typeof rate === "number" ? rate : cast(rate, dtype);
}

/**
 * Zeros shaped like each leaf of a tree (fresh buffers when concrete).
 * @example
 * ```ts
 * const params = { w: tg.ones([2, 3]), b: tg.ones([3]) };
 * const m = zerosTree(params); // { w: zeros [2, 3], b: zeros [3] }
 * ```
 */
export function zerosTree<P>(tree: P, value = 0): P {
  const [leaves, def] = flatten(tree);
  return unflatten<P>(
    def,
    leaves.map((t) =>
      t.isConcrete
        ? filled(t.shape, value, t.dtype)
        : value === 0
          ? zerosLike(t)
          : filled(t.shape, value, t.dtype),
    ),
  );
}

/**
 * Maps several trees of the same structure leaf by leaf; `f` returns one tensor or a tuple, and
 * the result is one tree per tuple entry.
 * @example
 * ```ts
 * const { sub } = tg;
 * const [params, grads] = [{ w: tg.ones([2]) }, { w: tg.tensor([0.5, 0.5]) }];
 * const m = zerosTree(params);
 * const [p2, m2] = zipTrees([params, grads, m], (p, g, mm) => [sub(p, g), mm], 2);
 * ```
 */
export function zipTrees<P>(
  trees: readonly unknown[],
  f: (...leaves: T[]) => T[],
  outs: number,
): P[] {
  const flat = trees.map((t) => flatten(t));
  const def = flat[0][1];
  const n = flat[0][0].length;
  for (const [l] of flat) {
    if (l.length !== n)
      throw new Error(
        `optim: trees have ${n} and ${l.length} tensors; grads, state and params must share one structure`,
      );
  }
  const results: T[][] = Array.from({ length: outs }, () => []);
  for (let i = 0; i < n; i++) {
    const r = f(...flat.map(([l]) => l[i]));
    for (let k = 0; k < outs; k++) results[k].push(r[k]);
  }
  return results.map((l) => unflatten<P>(def, l));
}
