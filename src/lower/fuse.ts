/**
 * Elementwise fusion: chains of f32 elementwise equations become one `fused` equation, run by one
 * kernel that reads and writes memory once.
 * @module
 */
import type { FusedOp, FusedOpName } from "../backend/backend.js";
import type { Eqn, Var } from "../ir/program.js";
import { Program } from "../ir/program.js";
import { freshVar } from "../ir/trace.js";
import { sameShape } from "../prims/shapes.js";
import { CHEAP, COMPARISON, FUSABLE, HOISTABLE } from "../ir/groups.js";
import { dce } from "./passes.js";
import { intoScans } from "./scan-bodies.js";

const isF32 = (v: Var) => v.aval.dtype === "f32";

/**
 * Whether `e` can be part of a fused chain: f32 arithmetic and unary ops; comparisons of f32
 * values (a bool inside the chain, never its result); `where` with a bool or f32 condition and
 * f32 branches; casts of bool or f32 to f32.
 */
function fusable(e: Eqn): boolean {
  if (!FUSABLE.has(e.prim) || e.outputs.length !== 1) return false;
  const out = e.outputs[0].aval.dtype;
  if (COMPARISON.has(e.prim)) return out === "bool" && e.inputs.every(isF32);
  if (out !== "f32") return false;
  if (e.prim === "where")
    return (
      (e.inputs[0].aval.dtype === "bool" || isF32(e.inputs[0])) && e.inputs.slice(1).every(isF32)
    );
  if (e.prim === "cast") return e.inputs[0].aval.dtype === "bool" || isF32(e.inputs[0]);
  return e.inputs.every(isF32);
}

/**
 * A mask (a comparison of f32 values) read by a `where` or `cast` other than its first reader is
 * recomputed just before that reader, with the cheap elementwise op that made its operand (e.g.
 * relu's `x > 0` in the backward pass, from the pre-activation's inputs). The reader then fuses
 * with the recomputation, and the mask and its operand stay inside the forward chain.
 */
function rematerializeMasks(p: Program): Program {
  const def = new Map<Var, Eqn>();
  for (const e of p.eqns) for (const v of e.outputs) def.set(v, e);
  const firstReader = new Map<Var, Eqn>();
  for (const e of p.eqns) for (const v of e.inputs) if (!firstReader.has(v)) firstReader.set(v, e);
  let changed = false;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (!(e.prim === "where" || e.prim === "cast") || !fusable(e)) {
      eqns.push(e);
      continue;
    }
    const shape = e.outputs[0].aval.shape;
    const cond = e.inputs[0];
    const c = def.get(cond);
    if (
      cond.aval.dtype !== "bool" ||
      c === undefined ||
      !COMPARISON.has(c.prim) ||
      !fusable(c) ||
      firstReader.get(cond) === e ||
      !sameShape(cond.aval.shape, shape) ||
      !c.inputs.every((v) => feeds(v.aval.shape, shape))
    ) {
      eqns.push(e);
      continue;
    }
    const ins = c.inputs.map((v) => {
      const q = def.get(v);
      if (
        q === undefined ||
        !CHEAP.has(q.prim) ||
        !fusable(q) ||
        !sameShape(v.aval.shape, shape) ||
        !q.inputs.every((u) => feeds(u.aval.shape, shape))
      )
        return v;
      const nv = freshVar(v.aval);
      eqns.push({ ...q, outputs: [nv] });
      return nv;
    });
    const m = freshVar(cond.aval);
    eqns.push({ ...c, inputs: ins, outputs: [m] });
    eqns.push({ ...e, inputs: [m, ...e.inputs.slice(1)] });
    changed = true;
  }
  return changed ? dce(new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs)) : p;
}

/** Whether an operand of shape `s` can feed a fused kernel over `out` (full, scalar, or trailing row). */
function feeds(s: readonly number[], out: readonly number[]): boolean {
  const n = s.reduce((a, b) => a * b, 1);
  if (n === 1) return true;
  // equal to the trailing axes of out, after dropping leading 1s
  let i = 0;
  while (i < s.length && s[i] === 1) i++;
  const t = s.slice(i);
  if (t.length > out.length) return false;
  const tail = out.slice(out.length - t.length);
  return t.every((d, k) => d === tail[k]);
}

/**
 * Fusion of elementwise chains: a run of nearby elementwise equations of one output shape (f32
 * arithmetic, comparisons of f32 values, `where`, casts to f32), each reading a value of the run
 * (with the other branches of a tree it reads, pulled in from later equations), becomes one
 * `fused` equation (one kernel call that reads its inputs once). Its outputs are the run's values
 * that equations outside it read, and its last value: the run is cut so that these are all f32
 * (a comparison read outside stays a separate equation). Operands must be full size, scalars, or
 * rows repeated along leading axes; a `slice` that makes an operand (an LSTM's gate) moves up
 * before the run when its own operand is ready there. Scan bodies are fused too.
 */
function fuseLevel(program: Program): Program {
  const p = sinkSingleUse(rematerializeMasks(program));
  const uses = new Map<Var, number>();
  for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of p.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  // where each value is available (the index of its equation; a fused chain's at the chain's)
  const pos = new Map<Var, number>();
  p.eqns.forEach((e, k) => {
    for (const v of e.outputs) pos.set(v, k);
  });
  const level: Level = { p, pos, taken: new Set() };
  const eqns: Eqn[] = [];
  for (let i = 0; i < p.eqns.length; i++) {
    if (level.taken.has(i)) continue;
    const e = p.eqns[i];
    if (!fusable(e) || !e.inputs.every((v) => feeds(v.aval.shape, e.outputs[0].aval.shape))) {
      eqns.push(e);
      continue;
    }
    const { run, at, lifted } = growRun(level, i);
    const { end, results } = cutRun(run, uses);
    if (end < 2) {
      eqns.push(e);
      continue;
    }
    // the slices the kept part of the run reads move up before it (in their order)
    const reads = new Set<Var>(run.slice(0, end).flatMap((q) => q.inputs));
    for (const b of lifted.sort((x, y) => x - y))
      if (reads.has(p.eqns[b].outputs[0])) {
        level.taken.add(b);
        eqns.push(p.eqns[b]);
        pos.set(p.eqns[b].outputs[0], i);
      }
    for (let k = 1; k < end; k++) level.taken.add(at[k]);
    for (const v of results) pos.set(v, i);
    eqns.push(fuseRun(run.slice(0, end), results));
  }
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs);
}

/** One level being fused: its program, where each value is available, and the equations taken. */
interface Level {
  readonly p: Program;
  readonly pos: Map<Var, number>;
  /** Equations already moved into an earlier chain. */
  readonly taken: Set<number>;
}

/**
 * The run grown from equation `i` (its indices in `at`, in run order): the next equation that
 * reads a value of the run joins it when it can move up to here (its other operands are ready),
 * skipping unrelated equations in between. An operand computed after the run's start joins it
 * first when it is a fusable f32 equation whose own operands can be made ready (the other
 * branches of a tree), or is `lifted` before the run when it is a slice of a value ready there.
 */
function growRun(level: Level, i: number): { run: Eqn[]; at: number[]; lifted: number[] } {
  const { p, pos, taken } = level;
  const shape = p.eqns[i].outputs[0].aval.shape;
  const run: Eqn[] = [p.eqns[i]];
  const at: number[] = [i];
  const made = new Set<Var>([p.eqns[i].outputs[0]]);
  const lifted: number[] = [];
  const early = new Set<Var>();
  const before = (v: Var) => early.has(v) || (pos.get(v) ?? -1) < i;
  for (let j = i + 1; j < p.eqns.length && j - at[at.length - 1] <= FUSE_WINDOW; j++) {
    const q = p.eqns[j];
    if (taken.has(j) || !q.inputs.some((v) => made.has(v))) continue;
    if (!fusable(q) || !sameShape(q.outputs[0].aval.shape, shape)) break;
    const branches: number[] = [];
    const lifts: number[] = [];
    const pending = new Set<Var>();
    const pull = (v: Var): boolean => {
      if (made.has(v) || pending.has(v)) return true;
      if (before(v)) return feeds(v.aval.shape, shape);
      const b = pos.get(v) ?? -1;
      const pe = p.eqns[b];
      if (b <= i || b >= j || taken.has(b) || pe === undefined) return false;
      if (HOISTABLE.has(pe.prim)) {
        if (!feeds(v.aval.shape, shape) || !pe.inputs.every(before)) return false;
        lifts.push(b);
      } else {
        if (!fusable(pe) || !isF32(v) || !sameShape(v.aval.shape, shape)) return false;
        if (!pe.inputs.every(pull)) return false;
        branches.push(b);
      }
      pending.add(v);
      return true;
    };
    if (!q.inputs.every(pull)) break;
    for (const b of lifts) {
      lifted.push(b);
      early.add(p.eqns[b].outputs[0]);
    }
    for (const b of [...branches, j]) {
      run.push(p.eqns[b]);
      at.push(b);
      made.add(p.eqns[b].outputs[0]);
    }
  }
  return { run, at, lifted };
}

/**
 * Where to cut `run`: the longest prefix (of at least two equations) that ends with an f32 value
 * and whose values read outside it are all f32; those values and the last are the fused
 * equation's `results`. `end < 2` means nothing fuses.
 */
function cutRun(
  run: readonly Eqn[],
  uses: ReadonlyMap<Var, number>,
): { end: number; results: Var[] } {
  for (let end = run.length; end > 1; end--) {
    const last = run[end - 1].outputs[0];
    if (!isF32(last)) continue;
    const inside = new Map<Var, number>();
    for (let k = 0; k < end; k++)
      for (const v of run[k].inputs) inside.set(v, (inside.get(v) ?? 0) + 1);
    const escaping = run
      .slice(0, end - 1)
      .map((q) => q.outputs[0])
      .filter((v) => (uses.get(v) ?? 0) !== (inside.get(v) ?? 0));
    if (escaping.every(isF32)) return { end, results: [...escaping, last] };
  }
  return { end: 1, results: [] };
}

/**
 * Moves each fusable equation whose result has a single reader, itself fusable and of the same
 * shape, down to just before that reader, so that a chain computed in pieces (as a VJP emits
 * it) becomes contiguous. Moving a value's only computation later to its only use is always legal.
 */
function sinkSingleUse(p: Program): Program {
  const uses = new Map<Var, number>();
  const reader = new Map<Var, Eqn>();
  for (const e of p.eqns)
    for (const v of e.inputs) {
      uses.set(v, (uses.get(v) ?? 0) + 1);
      reader.set(v, e);
    }
  for (const v of p.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  const order = [...p.eqns];
  let changed = false;
  for (let k = order.length - 1; k >= 0; k--) {
    const e = order[k];
    if (!fusable(e)) continue;
    const v = e.outputs[0];
    const c = reader.get(v);
    if (uses.get(v) !== 1 || c === undefined || !fusable(c)) continue;
    if (!sameShape(c.outputs[0].aval.shape, v.aval.shape)) continue;
    const at = order.indexOf(c, k + 1);
    if (at === k + 1) continue;
    order.splice(k, 1);
    order.splice(at - 1, 0, e);
    changed = true;
  }
  return changed ? new Program(p.inputs, p.constVars, p.consts, order, p.outputs) : p;
}

/** How far apart (in equations) two neighbours of a fused chain may be. */
const FUSE_WINDOW = 32;

/** One `fused` equation for a run of elementwise equations, returning `results` (values of the run). */
function fuseRun(run: Eqn[], results: readonly Var[]): Eqn {
  const index = new Map<Var, number>();
  const inputs: Var[] = [];
  for (const q of run)
    for (const v of q.inputs)
      if (!index.has(v) && !run.some((r) => r.outputs[0] === v)) {
        index.set(v, inputs.length);
        inputs.push(v);
      }
  const ops: FusedOp[] = run.map((q, j) => {
    const op: FusedOp = { op: q.prim as FusedOpName, args: q.inputs.map((v) => index.get(v)!) };
    index.set(q.outputs[0], inputs.length + j);
    return op;
  });
  // the body: the run over fresh variables
  const local = new Map<Var, Var>();
  const bodyIns = inputs.map((v) => {
    const nv = freshVar(v.aval);
    local.set(v, nv);
    return nv;
  });
  const bodyEqns: Eqn[] = run.map((q) => {
    const out = freshVar(q.outputs[0].aval);
    const ne: Eqn = { ...q, inputs: q.inputs.map((v) => local.get(v)!), outputs: [out] };
    local.set(q.outputs[0], out);
    return ne;
  });
  const body = new Program(
    bodyIns,
    [],
    [],
    bodyEqns,
    results.map((v) => local.get(v)!),
  );
  return {
    prim: "fused",
    inputs,
    params: { ops, results: results.map((v) => index.get(v)!), body },
    outputs: [...results],
  };
}

/** Elementwise fusion at every level (inside scan bodies too). */
export const fuseElementwise = intoScans(fuseLevel);
