/**
 * Memory planning: a lowered Program becomes a Plan, a flat array of kernel calls over buffers
 * chosen once. Intermediates get buffers from a pool by liveness (a buffer is reused as soon as
 * the value in it is dead), `reshape` is an alias (no copy), donated inputs are overwritten by the
 * results that replace them, and a `scan` runs its body's own plan once per step over views of the
 * stacked inputs and outputs. Running a plan allocates only the buffers of the results it returns.
 * @module
 */
import type { Backend, Buf } from "../backend/backend.js";
import type { Aval, Eqn, Program, Var } from "../ir/program.js";
import {
  type Kernel,
  type Prim,
  type PrimRule,
  prepareKernel,
  type ScanParams,
} from "../ir/primitive.js";
import { IN_PLACE } from "../ir/groups.js";
import { rules } from "../ir/rules.js";
import { type AnyTensor as T, Storage, Tensor } from "../tensor/tensor.js";

const sizeOf = (a: Aval) => a.shape.reduce((x, y) => x * y, 1);
const keyOf = (a: Aval) => `${a.dtype}:${sizeOf(a)}`;

interface KernelStep {
  kind: "kernel";
  /** The call with its geometry prepared at plan time. */
  run: Kernel;
  inSlots: number[];
  outSlots: number[];
  ins: Buf[];
  outs: Buf[];
}

interface CopyStep {
  kind: "copy";
  from: number;
  to: number;
  /** `[size]`, kept as one array so the backend's collapse cache hits. */
  shape: number[];
}

const ONE = [1];
const NONE: ReadonlySet<number> = new Set();

interface ScanStep {
  kind: "scan";
  body: Plan;
  params: ScanParams;
  inSlots: number[];
  outSlots: number[];
  carryA: Buf[];
  carryB: Buf[];
  rows: number[]; // elements per step of each xs, then of each ys
  /** Row views of each xs and ys buffer per step, made once per distinct buffer. */
  views: { buf: Buf | null; rows: Buf[] }[];
  /** The body's input and output buffer lists, one per carry parity, reused every step. */
  bodyIns: Buf[][];
  bodyOuts: Buf[][];
}

type Step = KernelStep | CopyStep | ScanStep;

/** Where a slot's buffer comes from on each call. */
type SlotSource =
  | { kind: "fixed"; buf: Buf }
  | { kind: "input"; index: number }
  | { kind: "fresh"; aval: Aval; donor: number | null; overwritten: boolean }
  | { kind: "given"; index: number };

/** A compiled program: kernel calls over planned buffers. */
export class Plan {
  constructor(
    readonly backend: Backend,
    readonly program: Program,
    private readonly steps: Step[],
    private readonly sources: SlotSource[],
    private readonly outSlots: number[],
    private readonly outAvals: Aval[],
    private readonly bufs: Buf[],
  ) {}

  /** Runs on tensors and returns new tensors; inputs listed in `donate` are consumed. */
  run(args: readonly T[], donate: ReadonlySet<number> = NONE): T[] {
    const be = this.backend;
    const sources = this.sources;
    for (let slot = 0; slot < sources.length; slot++) {
      const s = sources[slot];
      if (s.kind === "input") this.bufs[slot] = bufOn(be, args[s.index]);
      else if (s.kind === "fresh")
        this.bufs[slot] =
          // a donated buffer is overwritten only when the donated handle is its sole owner
          s.donor !== null && donate.has(s.donor) && soleOwner(args[s.donor], be)
            ? bufOn(be, args[s.donor])
            : s.overwritten
              ? be.allocUninit(s.aval.dtype, sizeOf(s.aval))
              : be.alloc(s.aval.dtype, sizeOf(s.aval));
    }
    this.exec();
    // results that are arguments or captured constants share their storage (never a second owner)
    const consts = this.program.consts;
    const outs: T[] = new Array(this.outSlots.length);
    for (let i = 0; i < outs.length; i++) {
      const buf = this.bufs[this.outSlots[i]];
      let st: Storage | null = null;
      for (let j = 0; j < consts.length && st === null; j++)
        if (consts[j]._storage?.buf === buf) st = consts[j]._storage;
      for (let j = 0; j < args.length && st === null; j++)
        if (args[j]._storage?.buf === buf) st = args[j]._storage;
      for (let j = 0; j < i && st === null; j++)
        if (outs[j]._storage?.buf === buf) st = outs[j]._storage;
      if (st === null) st = new Storage(be, buf);
      outs[i] = new Tensor(this.outAvals[i].shape, this.outAvals[i].dtype, st, null);
    }
    return outs;
  }

  /** Runs with caller-given input and output buffers (a scan body). */
  runBufs(ins: readonly Buf[], outs: readonly Buf[]): void {
    const sources = this.sources;
    for (let slot = 0; slot < sources.length; slot++) {
      const s = sources[slot];
      if (s.kind === "input") this.bufs[slot] = ins[s.index];
      else if (s.kind === "given") this.bufs[slot] = outs[s.index];
    }
    this.exec();
  }

  private exec(): void {
    const be = this.backend;
    const bufs = this.bufs;
    for (const st of this.steps) {
      if (st.kind === "kernel") {
        for (let j = 0; j < st.inSlots.length; j++) st.ins[j] = bufs[st.inSlots[j]];
        for (let j = 0; j < st.outSlots.length; j++) st.outs[j] = bufs[st.outSlots[j]];
        st.run(be, st.ins, st.outs);
      } else if (st.kind === "copy") {
        be.copy(bufs[st.from], 0, ONE, bufs[st.to], 0, ONE, st.shape);
      } else runScan(be, st, bufs);
    }
  }
}

/** Whether `t` is the only live handle on its storage, on backend `be` (so it may be overwritten). */
function soleOwner(t: T, be: Backend): boolean {
  return t._storage !== null && t._storage.refs === 1 && t._storage.backend === be;
}

function bufOn(be: Backend, t: T): Buf {
  const s = t._concrete("jit");
  if (s.backend === be) return s.buf;
  const b = be.alloc(t.dtype, t.size);
  be.write(b, s.backend.read(s.buf));
  return b;
}

/** Row views of `buf` (one per step of `rows` elements), cached while the buffer stays the same. */
function rowViews(
  be: Backend,
  cache: { buf: Buf | null; rows: Buf[] },
  buf: Buf,
  n: number,
  rows: number,
): Buf[] {
  if (cache.buf !== buf) {
    cache.buf = buf;
    cache.rows = Array.from({ length: n }, (_, t) => be.sub(buf, t * rows, rows));
  }
  return cache.rows;
}

function runScan(be: Backend, st: ScanStep, bufs: Buf[]): void {
  const { numConsts: nc, numCarry: nh, length, reverse } = st.params;
  const nIn = st.inSlots.length;
  const nx = nIn - nc - nh;
  const ny = st.outSlots.length - nh;
  const copy = (a: Buf, b: Buf) => be.copy(a, 0, ONE, b, 0, ONE, [a.size]);
  for (let i = 0; i < nh; i++) copy(bufs[st.inSlots[nc + i]], st.carryA[i]);
  const xv: Buf[][] = [];
  for (let i = 0; i < nx; i++)
    xv.push(rowViews(be, st.views[i], bufs[st.inSlots[nc + nh + i]], length, st.rows[i]));
  const yv: Buf[][] = [];
  for (let i = 0; i < ny; i++)
    yv.push(rowViews(be, st.views[nx + i], bufs[st.outSlots[nh + i]], length, st.rows[nx + i]));
  // two parities: carry A in and B out, then the other way round
  for (let q = 0; q < 2; q++) {
    const bi = st.bodyIns[q];
    for (let i = 0; i < nc; i++) bi[i] = bufs[st.inSlots[i]];
  }
  for (let k = 0; k < length; k++) {
    const t = reverse ? length - 1 - k : k;
    const bi = st.bodyIns[k & 1];
    const bo = st.bodyOuts[k & 1];
    for (let i = 0; i < nx; i++) bi[nc + nh + i] = xv[i][t];
    for (let i = 0; i < ny; i++) bo[nh + i] = yv[i][t];
    st.body.runBufs(bi, bo);
  }
  const last = length & 1 ? st.carryB : st.carryA;
  for (let i = 0; i < nh; i++) copy(last[i], bufs[st.outSlots[i]]);
}

/** Reshapes alias their input: every value's root, its last use and where it is defined. */
interface Liveness {
  /** The value whose buffer `v` shares (itself unless it is a reshape's result). */
  root(v: Var): Var;
  /** The index of the last equation reading each root (program outputs: past the end). */
  last: Map<Var, number>;
  /** The index of the equation defining each value. */
  defAt: Map<Var, number>;
}

function liveness(p: Program): Liveness {
  const roots = new Map<Var, Var>();
  const root = (v: Var): Var => roots.get(v) ?? v;
  for (const e of p.eqns) if (e.prim === "reshape") roots.set(e.outputs[0], root(e.inputs[0]));
  const last = new Map<Var, number>();
  const defAt = new Map<Var, number>();
  p.eqns.forEach((e, i) => {
    for (const v of e.inputs) last.set(root(v), i);
    for (const v of e.outputs) defAt.set(v, i);
  });
  for (const v of p.outputs) last.set(root(v), p.eqns.length);
  return { root, last, defAt };
}

/** The slots being assigned: their sources, and the slot of each value placed so far. */
interface Slots {
  sources: SlotSource[];
  slotOf: Map<Var, number>;
  add(s: SlotSource): number;
}

/** A copy into a result slot from a value whose slot is known only once every step is planned. */
interface PendingCopy {
  from: Var;
  to: number;
  shape: number[];
}

/**
 * Slots of the program's results: a caller-given buffer each (with `given`, copied into when the
 * result is an input, a constant or a repeat), else a per-call buffer per distinct computed root,
 * possibly a donated input of the same dtype and size that is dead (or read in place) by then.
 */
function resultSlots(
  p: Program,
  live: Liveness,
  slots: Slots,
  donatable: readonly boolean[],
  given: boolean,
): { outSlots: number[]; roots: Map<Var, number>; copies: PendingCopy[] } {
  const inputs = new Set(p.inputs);
  const consts = new Set(p.constVars);
  const outSlots: number[] = [];
  const copies: PendingCopy[] = [];
  const roots = new Map<Var, number>();
  const usedDonors = new Set<number>();
  p.outputs.forEach((v, i) => {
    const rv = live.root(v);
    const computed = !inputs.has(rv) && !consts.has(rv);
    if (given) {
      const slot = slots.add({ kind: "given", index: i });
      if (computed && !roots.has(rv)) {
        roots.set(rv, slot);
        slots.slotOf.set(rv, slot);
      } else copies.push({ from: rv, to: slot, shape: [sizeOf(v.aval)] });
      outSlots.push(slot);
      return;
    }
    if (!computed) {
      outSlots.push(slots.slotOf.get(rv)!);
      return;
    }
    let slot = roots.get(rv);
    if (slot === undefined) {
      const at = live.defAt.get(rv)!;
      const inPlace = IN_PLACE.has(p.eqns[at].prim);
      const donor = p.inputs.findIndex((iv, j) => {
        const lastUse = live.last.get(iv) ?? -1;
        return (
          donatable[j] &&
          !usedDonors.has(j) &&
          keyOf(iv.aval) === keyOf(rv.aval) &&
          (lastUse < at || (lastUse === at && inPlace))
        );
      });
      if (donor >= 0) usedDonors.add(donor);
      const rule = rules()[p.eqns[at].prim] as PrimRule<Prim>;
      slot = slots.add({
        kind: "fresh",
        aval: rv.aval,
        donor: donor >= 0 ? donor : null,
        overwritten: rule.overwrites === true,
      });
      roots.set(rv, slot);
      slots.slotOf.set(rv, slot);
    }
    outSlots.push(slot);
  });
  return { outSlots, roots, copies };
}

/** The step of one equation (a kernel call, or a scan running its body's own plan). */
function stepOf(be: Backend, e: Eqn, inSlots: number[], outSlots: number[]): Step {
  const avals = e.inputs.map((v) => v.aval);
  if (e.prim !== "scan") {
    return {
      kind: "kernel",
      run: prepareKernel(rules()[e.prim] as PrimRule<Prim>, avals, e.params as never),
      inSlots,
      outSlots,
      ins: [],
      outs: [],
    };
  }
  const sp = e.params as ScanParams;
  const body = planProgram(sp.body, be, [], true);
  if (!body) throw new Error("jit: a scan body needs more than one backend");
  const nh = sp.numCarry;
  const carryAvals = avals.slice(sp.numConsts, sp.numConsts + nh);
  const rows = [...e.inputs.slice(sp.numConsts + nh), ...e.outputs.slice(nh)].map(
    (v) => sizeOf(v.aval) / Math.max(1, v.aval.shape[0]),
  );
  return {
    kind: "scan",
    body,
    params: sp,
    inSlots,
    outSlots,
    rows,
    ...scanBuffers(be, carryAvals, sp.numConsts, e.inputs.length, e.outputs.length),
    views: rows.map(() => ({ buf: null, rows: [] })),
  };
}

/**
 * The steps of every equation, intermediates placed in buffers reused by liveness: a value's
 * buffer returns to a pool (by dtype and size) after its last use, unless it is an input, a
 * constant or a result.
 */
function emitSteps(
  p: Program,
  be: Backend,
  live: Liveness,
  slots: Slots,
  results: ReadonlyMap<Var, number>,
): Step[] {
  const pinned = new Set<Var>([...p.inputs, ...p.constVars, ...results.keys()]);
  const pool = new Map<string, number[]>();
  const alloc = (aval: Aval): number =>
    pool.get(keyOf(aval))?.pop() ??
    slots.add({ kind: "fixed", buf: be.alloc(aval.dtype, sizeOf(aval)) });
  const steps: Step[] = [];
  p.eqns.forEach((e, i) => {
    if (e.prim === "reshape") {
      slots.slotOf.set(e.outputs[0], slots.slotOf.get(live.root(e.inputs[0]))!);
    } else {
      for (const v of e.outputs) if (!slots.slotOf.has(v)) slots.slotOf.set(v, alloc(v.aval));
      const inSlots = e.inputs.map((v) => slots.slotOf.get(live.root(v))!);
      steps.push(
        stepOf(
          be,
          e,
          inSlots,
          e.outputs.map((v) => slots.slotOf.get(v)!),
        ),
      );
    }
    const dying = new Set<Var>();
    for (const v of [...e.inputs, ...e.outputs]) {
      const rv = live.root(v);
      if ((live.last.get(rv) ?? i) <= i && !pinned.has(rv)) dying.add(rv);
    }
    for (const v of dying) {
      const slot = slots.slotOf.get(v);
      if (slot === undefined || slots.sources[slot].kind !== "fixed") continue;
      const k = keyOf(v.aval);
      if (!pool.has(k)) pool.set(k, []);
      pool.get(k)!.push(slot);
    }
  });
  return steps;
}

/**
 * A slot's buffer before the call binds it (an input, a per-call or a caller-given buffer). No
 * backend owns it, so a kernel handed it by mistake throws instead of touching memory.
 */
const UNBOUND: Buf = Object.freeze({ dtype: "f32", size: 0 });

/**
 * Plans `p` on backend `be`, or returns null when the program needs more than one backend.
 * `donatable[i]` says whether input `i` may be overwritten by a result of the same size and dtype.
 * With `givenOutputs`, the outputs are written into caller-given buffers (`runBufs`).
 * @example
 * ```ts
 * import { lower } from "./lower.js";
 * import { wasmBackend } from "../backend/wasm/backend.js";
 * const w = tg.ones([4]);
 * const program = tg.makeProgram((v: tg.Tensor<[4]>) => tg.mul(v, 0.5))(w);
 * const plan = planProgram(lower(program), wasmBackend, [true]);
 * plan?.run([w], new Set([0]));
 * ```
 */
export function planProgram(
  p: Program,
  be: Backend,
  donatable: readonly boolean[] = [],
  givenOutputs = false,
): Plan | null {
  const vars = [...p.inputs, ...p.constVars, ...p.eqns.flatMap((e) => e.outputs)];
  if (vars.some((v) => (v.aval.dtype === "f64") !== (be.name === "reference"))) return null;
  if (p.consts.some((c) => !c.isConcrete)) return null;
  const live = liveness(p);
  const sources: SlotSource[] = [];
  const slots: Slots = { sources, slotOf: new Map(), add: (s) => sources.push(s) - 1 };
  p.inputs.forEach((v, i) => slots.slotOf.set(v, slots.add({ kind: "input", index: i })));
  // a captured constant made on another backend (wasm data a WebGPU step closes over) is copied once
  p.constVars.forEach((v, i) =>
    slots.slotOf.set(v, slots.add({ kind: "fixed", buf: bufOn(be, p.consts[i]) })),
  );
  const { outSlots, roots, copies } = resultSlots(p, live, slots, donatable, givenOutputs);
  const steps = emitSteps(p, be, live, slots, roots);
  for (const c of copies)
    steps.push({ kind: "copy", from: slots.slotOf.get(c.from)!, to: c.to, shape: c.shape });
  return new Plan(
    be,
    p,
    steps,
    sources,
    outSlots,
    p.outputs.map((v) => v.aval),
    sources.map((src) => (src.kind === "fixed" ? src.buf : UNBOUND)),
  );
}

/** The carry buffers of a scan and its body's argument lists for both carry parities. */
function scanBuffers(
  be: Backend,
  carryAvals: Aval[],
  nc: number,
  nIn: number,
  nOut: number,
): Pick<ScanStep, "carryA" | "carryB" | "bodyIns" | "bodyOuts"> {
  const carryA = carryAvals.map((a) => be.alloc(a.dtype, sizeOf(a)));
  const carryB = carryAvals.map((a) => be.alloc(a.dtype, sizeOf(a)));
  const nh = carryAvals.length;
  const mk = (n: number, from: Buf[], at: number): Buf[] => {
    const l = new Array<Buf>(n);
    for (let i = 0; i < nh; i++) l[at + i] = from[i];
    return l;
  };
  return {
    carryA,
    carryB,
    bodyIns: [mk(nIn, carryA, nc), mk(nIn, carryB, nc)],
    bodyOuts: [mk(nOut, carryB, 0), mk(nOut, carryA, 0)],
  };
}
