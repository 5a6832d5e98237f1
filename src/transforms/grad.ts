/**
 * Reverse-mode transformations: `grad`, `valueAndGrad` and `vjp`. The function is traced into a
 * Program, which is then replayed forward and walked backward with each primitive's VJP rule.
 * Inside another transformation the result is itself traced, so `grad(grad(f))` composes.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import { scalar } from "../prims/constants.js";
import { zerosLike } from "../prims/movement.js";
import { isFloat } from "../shape/dtype.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { countLeaves, traceTree } from "./trace-tree.js";
import { vjpProgram } from "./vjp.js";

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions<N extends number | readonly number[] = number> {
  /** Which argument(s) to differentiate: an index (default 0) or a list of indices. */
  argnums?: N;
  /** `f` returns `[loss, aux]`; `aux` is returned beside the value and not differentiated. */
  hasAux?: boolean;
}

/** The gradient's type: the type of the argument (or a tuple of them for a list of argnums). */
export type GradOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: A[N[K] & number] }
    : A[0];

/** A function that `grad` accepts: any arguments, a scalar tensor out. */
export type ScalarFn = (...args: any[]) => Tensor<readonly [], any>;

/**
 * The gradient of a scalar function with respect to its first argument (or `argnums`). The
 * gradient has the type of that argument, pytrees included; a list of argnums gives the tuple of
 * those arguments' types.
 * @example
 * ```ts
 * const df = tg.grad((w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w)));
 * df(tg.tensor([1, 2, 3])); // Tensor<[3]> [2, 4, 6]
 * const f = (a: tg.Tensor<[2]>, b: tg.Tensor<[3]>) => tg.add(tg.sum(a), tg.sum(b));
 * const [da, db] = tg.grad(f, { argnums: [0, 1] })(tg.ones([2]), tg.ones([3])); // [Tensor<[2]>, Tensor<[3]>]
 * ```
 */
export function grad<F extends ScalarFn, const N extends number | readonly number[] = 0>(
  f: F,
  opts: GradOptions<N> = {},
): (...args: Parameters<F>) => GradOf<Parameters<F>, N> {
  const vg = valueAndGrad(f, opts);
  return (...args) => vg(...args)[1];
}

/**
 * The value of a scalar function and its gradient, in one pass.
 * @example
 * ```ts
 * type P = { w: tg.Tensor<[3, 1]> };
 * const lossFn = (p: P, x: tg.Tensor<[8, 3]>, y: tg.Tensor<[8, 1]>) => tg.losses.mse(tg.matmul(x, p.w), y);
 * const [params, x, y] = [{ w: tg.zeros([3, 1]) }, tg.ones([8, 3]), tg.ones([8, 1])];
 * const [loss, grads] = tg.valueAndGrad(lossFn)(params, x, y); // grads has the type of params
 * ```
 */
export function valueAndGrad<
  F extends (...args: any[]) => unknown,
  const N extends number | readonly number[] = 0,
>(
  f: F,
  opts: GradOptions<N> = {},
): (...args: Parameters<F>) => [ReturnType<F>, GradOf<Parameters<F>, N>] {
  const argnums: number[] =
    opts.argnums === undefined
      ? [0]
      : typeof opts.argnums === "number"
        ? [opts.argnums]
        : [...(opts.argnums as readonly number[])];
  const single = opts.argnums === undefined || typeof opts.argnums === "number";
  return (...args) => {
    let auxDef: ReturnType<typeof flatten>[1] | null = null;
    const traced = traceTree((...a: unknown[]) => {
      const out = f(...a);
      if (!opts.hasAux) return out;
      const [loss, aux] = out as [T, unknown];
      const [auxLeaves, d] = flatten(aux);
      auxDef = d;
      return [loss, ...auxLeaves];
    }, args);
    const p = traced.program;
    const loss = p.outputs[0];
    if (loss?.aval.shape.length !== 0) {
      throw new ShapeError(
        "grad",
        `the function must return a scalar (shape []), got ${loss ? fmt(loss.aval.shape) : "nothing"}; use vjp for other outputs`,
      );
    }
    if (!isFloat(loss.aval.dtype))
      throw new DTypeError("grad", `the function must return a float, got ${loss.aval.dtype}`);
    for (const n of argnums) {
      if (n >= args.length)
        throw new ShapeError("grad", `argnums ${n} is out of range for ${args.length} arguments`);
    }
    const wrt = traced.owner.map((o) => argnums.includes(o));
    const lin = vjpProgram(p, traced.leaves, wrt);
    const cts = lin.backward([scalar(1, loss.aval.dtype), ...lin.outs.slice(1).map(() => null)]);
    const grads = argnums.map((n) => {
      const idx = traced.owner.flatMap((o, i) => (o === n ? [i] : []));
      return unflatten(
        traced.argDefs[n],
        idx.map((i) => cts[i] ?? zerosLike(traced.leaves[i])),
      );
    });
    const value = opts.hasAux ? [lin.outs[0], unflatten(auxDef!, lin.outs.slice(1))] : lin.outs[0];
    return [value as ReturnType<F>, (single ? grads[0] : grads) as GradOf<Parameters<F>, N>];
  };
}

/**
 * The outputs of `f` at `primals` and a function from output cotangents to the cotangents of
 * every primal (same structures).
 * @example
 * ```ts
 * const [y, back] = tg.vjp((x: tg.Tensor<[2]>) => tg.exp(x), tg.zeros([2]));
 * const [dx] = back(tg.ones([2]));
 * ```
 */
export function vjp<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (ct: R) => A] {
  const traced = traceTree(f, primals);
  const lin = vjpProgram(traced.program, traced.leaves);
  const out = unflatten<R>(traced.outDef, lin.outs);
  const back = (ct: R): A => {
    const [ctLeaves] = flatten(ct);
    const cts = lin.backward(ctLeaves as Maybe<T>[]);
    let k = 0;
    return traced.argDefs.map((d) => {
      const n = countLeaves(d);
      const part = cts.slice(k, k + n).map((t, i) => t ?? zerosLike(traced.leaves[k + i]));
      k += n;
      return unflatten(d, part);
    }) as A;
  };
  return [out, back];
}
