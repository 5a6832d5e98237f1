/**
 * Binding primitives: the single dispatch point of every operation.
 *
 * Outside any transformation, `bind` runs the primitive's kernel now (eager mode). Inside one,
 * it records an equation in the innermost Builder. Tensors from outside the traced function
 * (concrete data, or tracers of an enclosing trace) become the Program's captured constants.
 * @module
 */
import type { Backend, Buf } from "../backend/backend.js";
import { backendFor } from "../backend/registry.js";
import { rules } from "./rules.js";
import { type AnyTensor, Storage, Tensor } from "../tensor/tensor.js";
import { checkFinite, nanChecks } from "../debug/nans.js";
import { DTypeError } from "../shape/errors.js";
import type { DType } from "../shape/dtype.js";
import { untracked } from "../tensor/scope.js";
import { sourcePath } from "./source.js";
import { type Kernel, type ParamsOf, type Prim, prepareKernel } from "./primitive.js";
import { type Aval, type Eqn, Program, Var } from "./program.js";

let nextVarId = 0;

/** A variable that no other Program uses (for passes that copy equations). */
export function freshVar(aval: Aval): Var {
  return new Var(nextVarId++, { shape: [...aval.shape], dtype: aval.dtype });
}

/** Records equations while a function is traced. */
export class Builder {
  readonly eqns: Eqn[] = [];
  readonly inputs: Var[] = [];
  private readonly constVars: Var[] = [];
  private readonly consts: AnyTensor[] = [];
  private readonly constOf = new Map<AnyTensor, Var>();

  /** A fresh variable of this builder. */
  newVar(aval: Aval): Var {
    return new Var(nextVarId++, { shape: [...aval.shape], dtype: aval.dtype });
  }

  /** A new input of the program being traced, and the tracer that stands for it. */
  input(aval: Aval): AnyTensor {
    const v = this.newVar(aval);
    this.inputs.push(v);
    return this.tracer(v);
  }

  /** The tracer tensor for a variable of this builder. */
  tracer(v: Var): AnyTensor {
    return new Tensor(v.aval.shape, v.aval.dtype, null, { builder: this, v });
  }

  /** The variable that stands for `t` here: its own var, or a captured constant. */
  varOf(t: AnyTensor): Var {
    if (t._tracer && t._tracer.builder === this) return t._tracer.v;
    if (t._tracer && !stack.includes(t._tracer.builder as Builder)) {
      throw new Error(
        `a traced value ${t.describe()} escaped the transformation that made it (it was stored outside the function, or used after it returned)`,
      );
    }
    let v = this.constOf.get(t);
    if (!v) {
      v = this.newVar({ shape: t.shape, dtype: t.dtype });
      this.constOf.set(t, v);
      this.constVars.push(v);
      this.consts.push(t);
    }
    return v;
  }

  /** The finished Program with the given outputs. */
  build(outputs: AnyTensor[]): Program {
    const outs = outputs.map((t) => this.varOf(t));
    return new Program(
      [...this.inputs],
      [...this.constVars],
      [...this.consts],
      [...this.eqns],
      outs,
    );
  }
}

/** The builders of the traces in progress, innermost last. */
const stack: Builder[] = [];

/** Whether some transformation is tracing right now. */
export function isTracing(): boolean {
  return stack.length > 0;
}

/** Runs `fn` with `b` as the innermost trace. */
export function withBuilder<T>(b: Builder, fn: () => T): T {
  stack.push(b);
  try {
    // constants made while tracing are captured by the Program: no tidy scope may free them
    return untracked(fn);
  } finally {
    stack.pop();
  }
}

/**
 * Traces `fn` on tracers with the given avals into a Program.
 * `fn` returns the flat list of output tensors.
 */
export function traceFlat(
  fn: (inputs: AnyTensor[]) => AnyTensor[],
  avals: readonly Aval[],
): Program {
  const b = new Builder();
  return withBuilder(b, () => {
    const ins = avals.map((a) => b.input(a));
    const outs = fn(ins);
    return b.build(outs);
  });
}

/** The aval of a tensor. */
export function avalOf(t: AnyTensor): Aval {
  return { shape: t.shape, dtype: t.dtype };
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Applies a primitive: records it while tracing, runs its kernel otherwise. */
export function bind<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  params: ParamsOf<P>,
): AnyTensor[] {
  const rule = rules()[prim];
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) {
      const shown =
        t === null ? "null" : typeof t === "object" ? "an object" : `${typeof t} ${String(t)}`;
      throw new DTypeError(prim, `argument ${i + 1} is ${shown}, not a tensor or a number`);
    }
  }
  const b = stack[stack.length - 1];
  if (b === undefined && rule.eager === undefined) {
    const hit = findEager(prim, inputs, params);
    if (hit !== undefined) {
      const outs = runEntry(prim, hit, inputs);
      if (nanChecks.on) checkFinite(prim, inputs, outs);
      return outs;
    }
  }
  const avals = inputs.map(avalOf);
  const outAvals = rule.abstractEval(avals, params);
  if (b) {
    const ins = inputs.map((t) => b.varOf(t));
    const outs = outAvals.map((a) => b.newVar(a));
    const source = sourcePath();
    b.eqns.push(
      source === undefined
        ? { prim, inputs: ins, params, outputs: outs }
        : { prim, inputs: ins, params, outputs: outs, source },
    );
    return outs.map((v) => b.tracer(v));
  }
  const eager = (rule as { eager?: (i: AnyTensor[], p: ParamsOf<P>) => AnyTensor[] }).eager;
  if (eager) return eager(inputs, params);
  const outs = runKernel(prim, inputs, avals, outAvals, params);
  if (nanChecks.on) checkFinite(prim, inputs, outs);
  return outs;
}

// ─── the eager fast path: prepared kernels cached per signature ────────────────────────────

/** A prepared eager call: the input shapes, dtypes and params it was made for. */
interface EagerEntry {
  shapes: (readonly number[])[];
  dtypes: string[];
  params: unknown;
  outAvals: Aval[];
  be: Backend;
  kernel: Kernel;
  overwrites: boolean;
}

/** Per primitive, the most recently used signatures first (a small list: lookups compare arrays). */
const eagerCache = new Map<Prim, EagerEntry[]>();
const EAGER_CACHE = 8;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Shallow equality of params: the same keys with equal numbers, strings, booleans or number arrays. */
function sameParams(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const key of ka) {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || !sameShape(x, y)) return false;
  }
  return true;
}

/** A copy of params whose arrays the caller cannot change under a cached kernel. */
function copyParams<T>(p: T): T {
  if (typeof p !== "object" || p === null) return p;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(p)) out[key] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

/** The dtype whose backend runs an entry's kernel, as `runKernel` chooses it. */
function entryDType(e: EagerEntry): DType {
  if (e.dtypes.includes("f64") || e.outAvals.some((a) => a.dtype === "f64")) return "f64";
  return e.outAvals[0]?.dtype ?? "f32";
}

function findEager(prim: Prim, inputs: AnyTensor[], params: unknown): EagerEntry | undefined {
  const list = eagerCache.get(prim);
  if (list === undefined) return undefined;
  for (let j = 0; j < list.length; j++) {
    const e = list[j];
    if (e.shapes.length !== inputs.length) continue;
    // an entry prepared on another backend (before setBackend/useBackend) does not apply
    if (e.be !== backendFor(entryDType(e))) continue;
    let ok = true;
    for (let i = 0; i < inputs.length && ok; i++) {
      const t = inputs[i];
      ok = t.dtype === e.dtypes[i] && sameShape(t.shape, e.shapes[i]);
    }
    if (ok && sameParams(params, e.params)) {
      if (j > 0) {
        list.splice(j, 1);
        list.unshift(e);
      }
      return e;
    }
  }
  return undefined;
}

function runEntry(prim: string, e: EagerEntry, inputs: AnyTensor[]): AnyTensor[] {
  const be = e.be;
  const ins: Buf[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    const s = t._concrete(prim);
    if (s.backend === be) ins[i] = s.buf;
    else {
      const moved = be.alloc(t.dtype, t.size);
      be.write(moved, s.backend.read(s.buf));
      ins[i] = moved;
    }
  }
  const n = e.outAvals.length;
  const outs: Buf[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = e.outAvals[i];
    outs[i] = e.overwrites
      ? be.allocUninit(a.dtype, sizeOf(a.shape))
      : be.alloc(a.dtype, sizeOf(a.shape));
  }
  e.kernel(be, ins, outs);
  return wrapOutputs(be, e.outAvals, outs);
}

/**
 * Tensors for a kernel's output buffers. A result computed on the reference backend because of an
 * f64 operand, but of another dtype, moves to where tensors of its dtype live, so that later steps
 * do not move it again on every call.
 */
function wrapOutputs(be: Backend, outAvals: readonly Aval[], outs: Buf[]): AnyTensor[] {
  const res: AnyTensor[] = new Array(outs.length);
  for (let i = 0; i < outs.length; i++) {
    const a = outAvals[i];
    const home = a.dtype === "f64" ? be : backendFor(a.dtype);
    if (home === be) res[i] = new Tensor(a.shape, a.dtype, new Storage(be, outs[i]), null);
    else {
      const moved = home.alloc(a.dtype, sizeOf(a.shape));
      home.write(moved, be.read(outs[i]));
      res[i] = new Tensor(a.shape, a.dtype, new Storage(home, moved), null);
    }
  }
  return res;
}

/** Applies a primitive with exactly one output. */
export function bind1<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  params: ParamsOf<P>,
): AnyTensor {
  return bind(prim, inputs, params)[0];
}

function runKernel<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  avals: Aval[],
  outAvals: Aval[],
  params: ParamsOf<P>,
): AnyTensor[] {
  const f64 = avals.some((a) => a.dtype === "f64") || outAvals.some((a) => a.dtype === "f64");
  const be = backendFor(f64 ? "f64" : (outAvals[0]?.dtype ?? "f32"));
  const ins: Buf[] = inputs.map((t) => {
    const s = t._concrete(prim);
    if (s.backend === be) return s.buf;
    const moved = be.alloc(t.dtype, t.size);
    be.write(moved, s.backend.read(s.buf));
    return moved;
  });
  const rule = rules()[prim];
  const overwrites = rule.overwrites === true;
  const outs = outAvals.map((a) =>
    overwrites ? be.allocUninit(a.dtype, sizeOf(a.shape)) : be.alloc(a.dtype, sizeOf(a.shape)),
  );
  const own = copyParams(params);
  const kernel = prepareKernel(rule, avals, own);
  kernel(be, ins, outs);
  if (ins.every((buf, i) => buf === inputs[i]._storage?.buf)) {
    let list = eagerCache.get(prim);
    if (list === undefined) eagerCache.set(prim, (list = []));
    list.unshift({
      shapes: inputs.map((t) => t.shape),
      dtypes: inputs.map((t) => t.dtype),
      params: own,
      outAvals,
      be,
      kernel,
      overwrites,
    });
    if (list.length > EAGER_CACHE) list.pop();
  }
  return wrapOutputs(be, outAvals, outs);
}
