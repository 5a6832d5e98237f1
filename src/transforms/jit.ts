/**
 * `jit`: traces a function once per input signature (structure, shapes and dtypes), lowers the
 * Program and caches the executable. Values the function captures from outside are baked into the
 * trace as constants, as in JAX. Inside another transformation the function is simply traced through.
 * @module
 */
import type { Program } from "../ir/program.js";
import { isTracing } from "../ir/trace.js";
import { type Executable, executable } from "../lower/execute.js";
import { lower } from "../lower/lower.js";
import { type Plan, planProgram } from "../lower/plan.js";
import { backendFor } from "../backend/registry.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { flatten, treeKey, type TreeDef, unflatten } from "./pytree.js";
import { traceTree } from "./trace-tree.js";

/** Options of `jit`. */
export interface JitOptions {
  /**
   * Arguments whose buffers the caller gives up: after the call they are disposed, and their
   * memory is reused for the results.
   */
  donate?: readonly number[];
}

interface Compiled {
  /** The memory plan, or null when the program spans backends (then `exe` frees by last use). */
  plan: Plan | null;
  exe: Executable;
  outDef: TreeDef;
}

/** A jitted function, with access to its compiled programs for inspection. */
export type Jitted<F extends (...args: any[]) => any> = F & {
  /** The lowered Program for these arguments (traced and cached if needed). */
  lower(...args: Parameters<F>): Program;
};

/**
 * Compiles `f`: traced once per input signature, then run as a lowered program.
 * @example
 * ```ts
 * const step = tg.jit((w: tg.Tensor<[3]>, g: tg.Tensor<[3]>) => tg.sub(w, tg.mul(g, 0.1)), { donate: [0] });
 * w = step(w, g);
 * ```
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOptions = {}): Jitted<F> {
  const cache = new Map<string, Compiled>();
  const compile = (args: unknown[]): [Compiled, T[]] => {
    const parts = args.map((a) => flatten(a));
    const leaves = parts.flatMap(([l]) => l);
    const key = `${parts.map(([, d]) => treeKey(d)).join("|")}#${leaves.map((t) => `${t.dtype}[${t.shape.join(",")}]`).join(";")}`;
    let c = cache.get(key);
    if (!c) {
      const traced = traceTree(f, args);
      const lowered = lower(traced.program);
      const donated = new Set(opts.donate ?? []);
      const donatable = traced.owner.map((o) => donated.has(o));
      const be = backendFor(leaves.some((t) => t.dtype === "f64") ? "f64" : "f32");
      c = {
        plan: planProgram(lowered, be, donatable),
        exe: executable(lowered),
        outDef: traced.outDef,
      };
      cache.set(key, c);
    }
    return [c, leaves];
  };
  const jitted = ((...args: unknown[]) => {
    const parts = args.map((a) => flatten(a)[0]);
    if (isTracing() || parts.some((l) => l.some((t) => !t.isConcrete))) return f(...args);
    const [c, leaves] = compile(args);
    const donatedLeaves = new Set<number>();
    let k = 0;
    parts.forEach((l, i) => {
      for (const _ of l) {
        if (opts.donate?.includes(i)) donatedLeaves.add(k);
        k++;
      }
    });
    const outs = c.plan ? c.plan.run(leaves, donatedLeaves) : c.exe.run(leaves);
    for (const i of opts.donate ?? [])
      for (const t of parts[i] ?? []) if (!outs.includes(t)) t.dispose();
    return unflatten(c.outDef, outs);
  }) as Jitted<F>;
  jitted.lower = (...args: unknown[]) => compile(args)[0].exe.program;
  return jitted;
}
