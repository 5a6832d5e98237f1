/**
 * Gradient clipping, by value and by global norm, as gradient transforms, and `chain`, which puts
 * transforms in front of an optimizer: `chain(clipByGlobalNorm(1), adam())`.
 * @module
 */
import { add, cast, div, maximum, minimum, mul, sqrt } from "../prims/elementwise.js";
import { reduceSum } from "../prims/reduce.js";
import { flatten, treeMap } from "../transforms/pytree.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import type { GradientTransform, Optimizer, Scalar } from "./types.js";

/**
 * Clips every gradient component to `[-limit, limit]` (or `[min, max]`).
 * @example
 * ```ts
 * const opt = tg.optim.chain(tg.optim.clipByValue(0.5), tg.optim.sgd({ lr: 0.1 }));
 * ```
 */
export function clipByValue(limit: number, max?: number): GradientTransform<null> {
  const lo = max === undefined ? -Math.abs(limit) : limit;
  const hi = max === undefined ? Math.abs(limit) : max;
  if (!(lo <= hi)) throw new RangeError(`optim.clipByValue: min ${lo} is above max ${hi}`);
  return {
    name: "clipByValue",
    init: () => null,
    transform: (grads, state) => ({
      grads: treeMap(grads, (g) => minimum(maximum(g, lo), hi)),
      state,
    }),
  };
}

/**
 * The global L2 norm of a tree of tensors, `√Σ‖g‖²`, as a rank-0 tensor.
 * @example
 * ```ts
 * tg.optim.globalNorm({ a: tg.tensor([3]), b: tg.tensor([4]) }).item(); // 5
 * ```
 */
export function globalNorm(tree: unknown): Scalar {
  const [leaves] = flatten(tree);
  if (leaves.length === 0) throw new RangeError("optim.globalNorm: the tree has no tensors");
  let total: T | null = null;
  for (const g of leaves) {
    const s = reduceSum(mul(g, g));
    total = total === null ? s : add(total, s);
  }
  return sqrt(total!) as Scalar;
}

/**
 * Scales all gradients together so that their global L2 norm is at most `maxNorm`:
 * `g ← g · maxNorm / max(‖g‖, maxNorm)`.
 * @example
 * ```ts
 * const opt = tg.optim.chain(tg.optim.clipByGlobalNorm(1), tg.optim.adam());
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransform<null> {
  if (!(maxNorm > 0))
    throw new RangeError(`optim.clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  return {
    name: "clipByGlobalNorm",
    init: () => null,
    transform(grads, state) {
      const [leaves] = flatten(grads);
      if (leaves.length === 0) return { grads, state };
      const scale = div(maxNorm, maximum(globalNorm(grads), maxNorm));
      return {
        grads: treeMap(grads, (g) => mul(g, g.dtype === scale.dtype ? scale : castTo(scale, g))),
        state,
      };
    },
  };
}

const castTo = (s: T, like: T): T => cast(s, like.dtype);

/**
 * Gradient transforms applied in order, then an optimizer: one optimizer whose state is the list
 * of their states.
 * @example
 * ```ts
 * const opt = tg.optim.chain(tg.optim.clipByGlobalNorm(1), tg.optim.adam({ lr: 1e-3 }));
 * let params = { w: tg.ones([3]) };
 * const grads = tg.grad((p: typeof params) => tg.sum(tg.mul(p.w, p.w)))(params);
 * let state = opt.init(params);
 * ({ params, state } = opt.update(grads, state, params));
 * ```
 */
export function chain(
  ...parts: [...GradientTransform<any>[], Optimizer<any>]
): Optimizer<unknown[]> {
  const opt = parts[parts.length - 1] as Optimizer<any>;
  const transforms = parts.slice(0, -1) as GradientTransform<any>[];
  if (!opt || typeof (opt as Partial<Optimizer>).update !== "function") {
    throw new TypeError("optim.chain: the last argument must be an optimizer (with update)");
  }
  for (const t of transforms) {
    if (typeof (t as Partial<GradientTransform>).transform !== "function") {
      throw new TypeError(
        `optim.chain: ${(t as { name?: string }).name ?? "an argument"} before the optimizer must be a gradient transform`,
      );
    }
  }
  return {
    name: `chain(${parts.map((p) => p.name).join(", ")})`,
    init: (params) => [...transforms.map((t) => t.init(params)), opt.init(params)],
    update(grads, state, params) {
      const states: unknown[] = [];
      let g = grads;
      transforms.forEach((t, i) => {
        const r = t.transform(g, state[i], params);
        g = r.grads;
        states.push(r.state);
      });
      const r = opt.update(g, state[transforms.length], params);
      return { params: r.params, state: [...states, r.state] };
    },
  };
}
