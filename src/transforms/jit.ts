/**
 * `jit`: traces a function once per input signature (structure, shapes and dtypes), lowers the
 * Program and caches the executable. Values the function captures from outside are baked into the
 * trace as constants, as in JAX. Inside another transformation the function is simply traced through.
 * @module
 */
import type { Aval, Program } from "../ir/program.js";
import { avalOf, isTracing } from "../ir/trace.js";
import { type Executable, executable } from "../lower/execute.js";
import { lower } from "../lower/lower.js";
import { type Plan, planProgram } from "../lower/plan.js";
import { backendFor } from "../backend/registry.js";
import { nanChecks } from "../debug/nans.js";
import { untracked } from "../tensor/scope.js";
import { type AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { type TreeDef, unflatten } from "./pytree.js";
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
  /** Indices of the leaves that belong to donated arguments. */
  donated: ReadonlySet<number>;
  /** The structure of each argument it was traced with. */
  argDefs: TreeDef[];
  /** The dtype and shape of each leaf it was traced with. */
  avals: Aval[];
  /** The storage of every tensor the function captured (a donated argument must not be one). */
  captured: ReadonlySet<unknown>;
}

/**
 * Whether `x` has structure `def` and its tensors the dtypes and shapes in `avals` (from index
 * `leaves.length` on), the same test as equal `signature`s; the tensors are appended to `leaves`.
 * Builds no string, so the call that repeats the previous signature skips the key and its hashing.
 */
function matches(def: TreeDef, x: unknown, avals: readonly Aval[], leaves: T[]): boolean {
  switch (def.kind) {
    case "leaf": {
      const a = avals[leaves.length];
      if (!(x instanceof Tensor) || x.dtype !== a.dtype || x.shape.length !== a.shape.length)
        return false;
      for (let i = 0; i < a.shape.length; i++) if (x.shape[i] !== a.shape[i]) return false;
      leaves.push(x);
      return true;
    }
    case "array":
      if (!Array.isArray(x) || x.length !== def.children.length) return false;
      for (let i = 0; i < x.length; i++)
        if (!matches(def.children[i], x[i], avals, leaves)) return false;
      return true;
    case "record": {
      if (!isRecord(x) || Object.keys(x).length !== def.keys.length) return false;
      for (let i = 0; i < def.keys.length; i++) {
        const k = def.keys[i];
        if (!Object.hasOwn(x, k) || !matches(def.children[i], x[k], avals, leaves)) return false;
      }
      return true;
    }
    case "static":
      // static values are primitives or functions (see `staticKey`): the same by `Object.is`,
      // so NaN matches NaN, 0 does not match -0, and a function only itself
      return Object.is(x, def.value);
  }
}

/**
 * Throws before anything runs if a donated tensor is also a value the function captured: the
 * program would overwrite the captured tensor, and every later call would read the new values.
 */
function checkDonation(c: Compiled, leaves: readonly T[]): void {
  if (c.captured.size === 0) return;
  for (const i of c.donated) {
    if (c.captured.has(leaves[i]._storage)) {
      throw new Error(
        `jit: a donated argument (${leaves[i].describe()}) is also captured by the function; donating it would overwrite the captured value. Pass it only as an argument, or do not donate it`,
      );
    }
  }
}

/** A plain object (a record of a pytree). */
const isRecord = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;

/**
 * One walk over the arguments, in `flatten`'s order (record keys sorted): appends their tensors to
 * `leaves` (and the argument each belongs to, to `owner`) and returns the cache key of the call,
 * which spells the structure, the static values and every tensor's dtype and shape. Cheaper per
 * call than `flatten` plus `treeKey`: no tree is built.
 */
function signature(args: readonly unknown[], leaves: T[], owner: number[]): string {
  let key = "";
  const walk = (x: unknown, arg: number): void => {
    if (x instanceof Tensor) {
      leaves.push(x);
      owner.push(arg);
      key += `${x.dtype}[${x.shape.join(",")}]`;
    } else if (Array.isArray(x)) {
      key += "[";
      for (const c of x) {
        walk(c, arg);
        key += ",";
      }
      key += "]";
    } else if (
      x !== null &&
      typeof x === "object" &&
      Object.getPrototypeOf(x) === Object.prototype
    ) {
      const keys = Object.keys(x).sort();
      key += "{";
      for (const k of keys) {
        key += `${JSON.stringify(k)}:`;
        walk((x as Record<string, unknown>)[k], arg);
        key += ",";
      }
      key += "}";
    } else key += staticKey(x, arg);
  };
  for (let i = 0; i < args.length; i++) {
    walk(args[i], i);
    key += "|";
  }
  return key;
}

const functionIds = new WeakMap<object, number>();
let functionCount = 0;

/**
 * The cache key of a static (non-tensor) argument: distinct whenever `Object.is` tells the values
 * apart (NaN, ±Infinity, null, undefined, 0 and -0 each have their own), functions by identity.
 * Anything else (a class instance, a typed array, a Map, a symbol) is a TypeError: it could not be
 * compared reliably, and a wrong match would run the program of another call.
 */
function staticKey(x: unknown, arg: number): string {
  switch (typeof x) {
    case "number":
      return Object.is(x, -0) ? "=-0" : `=${x}`;
    case "string":
      return `=s${JSON.stringify(x)}`;
    case "boolean":
    case "undefined":
      return `=${x}`;
    case "bigint":
      return `=${x}n`;
    case "function": {
      let id = functionIds.get(x);
      if (id === undefined) functionIds.set(x, (id = ++functionCount));
      return `=fn${id}`;
    }
    default: {
      if (x === null) return "=null";
      const what =
        typeof x === "object"
          ? (Object.getPrototypeOf(x)?.constructor?.name ?? "object")
          : typeof x;
      throw new TypeError(
        `jit: argument ${arg + 1} holds a ${what}; jitted functions take tensors, arrays and plain records of them, and numbers, strings, booleans, null, undefined or functions as static values`,
      );
    }
  }
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
 * let [w, g] = [tg.ones([3]), tg.tensor([1, 2, 3])];
 * w = step(w, g); // [0.9, 0.8, 0.7]; the old w's buffer was reused
 * ```
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOptions = {}): Jitted<F> {
  if (typeof f !== "function") {
    const shown = typeof f === "string" ? `string "${f}"` : f === null ? "null" : typeof f;
    throw new TypeError(`jit: expected a function to compile, got ${shown}`);
  }
  const cache = new Map<string, Compiled>();
  const donate = opts.donate ?? [];
  const compile = (args: unknown[], key: string, leaves: T[], owner: number[]): Compiled => {
    let c = cache.get(key);
    if (!c) c = untracked(() => build(args, key, leaves, owner));
    return c;
  };
  const build = (args: unknown[], key: string, leaves: T[], owner: number[]): Compiled => {
    let c = cache.get(key);
    if (!c) {
      const traced = traceTree(f, args);
      const lowered = lower(traced.program);
      const donatable = traced.owner.map((o) => donate.includes(o));
      const be = backendFor(leaves.some((t) => t.dtype === "f64") ? "f64" : "f32");
      const donated = new Set<number>();
      owner.forEach((o, i) => donate.includes(o) && donated.add(i));
      c = {
        plan: planProgram(lowered, be, donatable),
        exe: executable(lowered),
        outDef: traced.outDef,
        donated,
        argDefs: traced.argDefs,
        avals: traced.leaves.map(avalOf),
        captured: new Set(traced.program.consts.map((t) => t._storage)),
      };
      cache.set(key, c);
    }
    return c;
  };
  /** The program of the previous call: tried first, by structure, before the keyed cache. */
  let last: Compiled | null = null;
  const sameAsLast = (args: unknown[], leaves: T[]): boolean => {
    if (last === null || args.length !== last.argDefs.length) return false;
    for (let i = 0; i < args.length; i++)
      if (!matches(last.argDefs[i], args[i], last.avals, leaves)) return false;
    return true;
  };
  const jitted = ((...args: unknown[]) => {
    // inside a trace, and op by op while NaN checks are on (so they find the op, not the call)
    if (isTracing() || nanChecks.on) return f(...args);
    let leaves: T[] = [];
    let c = last;
    if (c === null || !sameAsLast(args, leaves)) {
      leaves = [];
      const owner: number[] = [];
      const key = signature(args, leaves, owner);
      for (let i = 0; i < leaves.length; i++) if (!leaves[i].isConcrete) return f(...args);
      c = compile(args, key, leaves, owner);
      last = c;
    } else for (let i = 0; i < leaves.length; i++) if (!leaves[i].isConcrete) return f(...args);
    if (c.donated.size > 0) checkDonation(c, leaves);
    const outs = c.plan ? c.plan.run(leaves, c.donated) : c.exe.run(leaves);
    if (c.donated.size > 0)
      for (const i of c.donated) if (!outs.includes(leaves[i])) leaves[i].dispose();
    return unflatten(c.outDef, outs);
  }) as Jitted<F>;
  jitted.lower = (...args: unknown[]) => {
    const leaves: T[] = [];
    const owner: number[] = [];
    return compile(args, signature(args, leaves, owner), leaves, owner).exe.program;
  };
  return jitted;
}
