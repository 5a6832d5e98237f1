/**
 * Memory planning: a lowered Program becomes a Plan, a flat array of kernel calls over buffers
 * chosen once. Intermediates get buffers from a pool by liveness (a buffer is reused as soon as
 * the value in it is dead), `reshape` is an alias (no copy), donated inputs are overwritten by the
 * results that replace them, and a `scan` runs its body's own plan once per step over views of the
 * stacked inputs and outputs. Running a plan allocates only the buffers of the results it returns.
 * @module
 */
import type { Backend, Buf } from "../backend/backend.js";
import type { Aval, Program, Var } from "../ir/program.js";
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
  avals: Aval[]; // avals of the operands
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

/**
 * Plans `p` on backend `be`, or returns null when the program needs more than one backend.
 * `donatable[i]` says whether input `i` may be overwritten by a result of the same size and dtype.
 * With `givenOutputs`, the outputs are written into caller-given buffers (`runBufs`).
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
  // roots: reshape outputs alias their input
  const root = new Map<Var, Var>();
  const r = (v: Var): Var => root.get(v) ?? v;
  for (const e of p.eqns) if (e.prim === "reshape") root.set(e.outputs[0], r(e.inputs[0]));
  // last use of each root (program outputs live to the end)
  const last = new Map<Var, number>();
  p.eqns.forEach((e, i) => {
    for (const v of e.inputs) last.set(r(v), i);
  });
  const end = p.eqns.length;
  for (const v of p.outputs) last.set(r(v), end);
  const inputIndex = new Map<Var, number>(p.inputs.map((v, i) => [v, i]));
  const constIndex = new Map<Var, number>(p.constVars.map((v, i) => [v, i]));
  const defAt = new Map<Var, number>();
  p.eqns.forEach((e, i) => {
    for (const v of e.outputs) defAt.set(v, i);
  });

  const sources: SlotSource[] = [];
  const slotOf = new Map<Var, number>();
  const newSlot = (s: SlotSource) => sources.push(s) - 1;
  p.inputs.forEach((v, i) => slotOf.set(v, newSlot({ kind: "input", index: i })));
  p.constVars.forEach((v, i) =>
    slotOf.set(v, newSlot({ kind: "fixed", buf: p.consts[i]._concrete("jit").buf })),
  );

  // results: each distinct root computed here gets a per-call buffer (or the caller's)
  const outSlots: number[] = [];
  const extraCopies: CopyStep[] = [];
  const usedDonors = new Set<number>();
  const resultRoots = new Map<Var, number>();
  p.outputs.forEach((v, i) => {
    const rv = r(v);
    const computed = !inputIndex.has(rv) && !constIndex.has(rv);
    if (givenOutputs) {
      const slot = newSlot({ kind: "given", index: i });
      if (computed && !resultRoots.has(rv)) {
        resultRoots.set(rv, slot);
        slotOf.set(rv, slot);
      } else
        extraCopies.push({
          kind: "copy",
          from: -1 - vars.indexOf(rv),
          to: slot,
          shape: [sizeOf(v.aval)],
        });
      outSlots.push(slot);
      return;
    }
    if (!computed) {
      outSlots.push(slotOf.get(rv)!);
      return;
    }
    let slot = resultRoots.get(rv);
    if (slot === undefined) {
      const at = defAt.get(rv)!;
      const elementwise = IN_PLACE.has(p.eqns[at].prim);
      const donor = p.inputs.findIndex(
        (iv, j) =>
          donatable[j] &&
          !usedDonors.has(j) &&
          keyOf(iv.aval) === keyOf(rv.aval) &&
          (last.get(iv) ?? -1) <= at &&
          ((last.get(iv) ?? -1) < at || elementwise),
      );
      if (donor >= 0) usedDonors.add(donor);
      const rule = rules()[p.eqns[at].prim] as PrimRule<Prim>;
      slot = newSlot({
        kind: "fresh",
        aval: rv.aval,
        donor: donor >= 0 ? donor : null,
        overwritten: rule.overwrites === true,
      });
      resultRoots.set(rv, slot);
      slotOf.set(rv, slot);
    }
    outSlots.push(slot);
  });

  // intermediates: a pool of buffers reused by liveness
  const bufs: Buf[] = [];
  const pool = new Map<string, number[]>();
  const steps: Step[] = [];
  const alloc = (aval: Aval): number => {
    const free = pool.get(keyOf(aval));
    if (free?.length) return free.pop()!;
    const slot = newSlot({ kind: "fixed", buf: be.alloc(aval.dtype, sizeOf(aval)) });
    return slot;
  };
  const release = (slot: number, aval: Aval) => {
    const k = keyOf(aval);
    if (!pool.has(k)) pool.set(k, []);
    pool.get(k)!.push(slot);
  };
  p.eqns.forEach((e, i) => {
    if (e.prim === "reshape") {
      slotOf.set(e.outputs[0], slotOf.get(r(e.inputs[0]))!);
    } else {
      for (const v of e.outputs) if (!slotOf.has(v)) slotOf.set(v, alloc(v.aval));
      const inSlots = e.inputs.map((v) => slotOf.get(r(v))!);
      const outSlotsE = e.outputs.map((v) => slotOf.get(v)!);
      const avals = e.inputs.map((v) => v.aval);
      if (e.prim === "scan") {
        const sp = e.params as ScanParams;
        const body = planProgram(sp.body, be, [], true);
        if (!body) throw new Error("jit: a scan body needs more than one backend");
        const nh = sp.numCarry;
        const carryAvals = e.inputs.slice(sp.numConsts, sp.numConsts + nh).map((v) => v.aval);
        const rows = [...e.inputs.slice(sp.numConsts + nh), ...e.outputs.slice(nh)].map(
          (v) => sizeOf(v.aval) / Math.max(1, v.aval.shape[0]),
        );
        steps.push({
          kind: "scan",
          body,
          params: sp,
          inSlots,
          outSlots: outSlotsE,
          avals,
          rows,
          ...scanBuffers(be, carryAvals, sp.numConsts, e.inputs.length, e.outputs.length),
          views: rows.map(() => ({ buf: null, rows: [] })),
        });
      } else {
        steps.push({
          kind: "kernel",
          run: prepareKernel(rules()[e.prim] as PrimRule<Prim>, avals, e.params as never),
          inSlots,
          outSlots: outSlotsE,
          ins: [],
          outs: [],
        });
      }
    }
    // values that die here go back to the pool (never inputs, constants or results)
    const dying = new Set<Var>();
    for (const v of [...e.inputs, ...e.outputs]) {
      const rv = r(v);
      if (
        (last.get(rv) ?? i) <= i &&
        !inputIndex.has(rv) &&
        !constIndex.has(rv) &&
        !resultRoots.has(rv)
      )
        dying.add(rv);
    }
    for (const v of dying) {
      const s = slotOf.get(v);
      if (s !== undefined && sources[s].kind === "fixed") release(s, v.aval);
    }
  });
  for (const c of extraCopies) {
    c.from = slotOf.get(vars[-1 - c.from])!;
    steps.push(c);
  }
  for (let s = 0; s < sources.length; s++) {
    const src = sources[s];
    bufs.push(src.kind === "fixed" ? src.buf : (undefined as unknown as Buf));
  }
  return new Plan(
    be,
    p,
    steps,
    sources,
    outSlots,
    p.outputs.map((v) => v.aval),
    bufs,
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
