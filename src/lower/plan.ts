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
import type { ScanParams } from "../ir/primitive.js";
import { rules } from "../prims/table.js";
import { type AnyTensor as T, Storage, Tensor } from "../tensor/tensor.js";

const ELEMENTWISE = new Set([
  "neg",
  "exp",
  "log",
  "sin",
  "cos",
  "tanh",
  "logistic",
  "sqrt",
  "abs",
  "sign",
  "floor",
  "erf",
  "add",
  "sub",
  "mul",
  "div",
  "max",
  "min",
  "pow",
  "where",
  "cast",
  "stop_gradient",
]);

const sizeOf = (a: Aval) => a.shape.reduce((x, y) => x * y, 1);
const keyOf = (a: Aval) => `${a.dtype}:${sizeOf(a)}`;

interface KernelStep {
  kind: "kernel";
  run: (be: Backend, ins: Buf[], outs: Buf[], avals: Aval[], params: any) => void;
  inSlots: number[];
  outSlots: number[];
  ins: Buf[];
  outs: Buf[];
  avals: Aval[];
  params: unknown;
}

interface CopyStep {
  kind: "copy";
  from: number;
  to: number;
  size: number;
}

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
}

type Step = KernelStep | CopyStep | ScanStep;

/** Where a slot's buffer comes from on each call. */
type SlotSource =
  | { kind: "fixed"; buf: Buf }
  | { kind: "input"; index: number }
  | { kind: "fresh"; aval: Aval; donor: number | null }
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
  run(args: readonly T[], donate: ReadonlySet<number> = new Set()): T[] {
    const be = this.backend;
    this.sources.forEach((s, slot) => {
      if (s.kind === "input") this.bufs[slot] = bufOn(be, args[s.index]);
      else if (s.kind === "fresh")
        this.bufs[slot] =
          s.donor !== null && donate.has(s.donor)
            ? bufOn(be, args[s.donor])
            : be.alloc(s.aval.dtype, sizeOf(s.aval));
    });
    this.exec();
    // results that are arguments or captured constants share their storage (never a second owner)
    const storages = new Map<Buf, Storage>();
    for (const c of this.program.consts) if (c._storage) storages.set(c._storage.buf, c._storage);
    args.forEach((a) => a._storage && storages.set(a._storage.buf, a._storage));
    return this.outSlots.map((slot, i) => {
      const buf = this.bufs[slot];
      let st = storages.get(buf);
      if (!st) storages.set(buf, (st = new Storage(be, buf)));
      return new Tensor(this.outAvals[i].shape, this.outAvals[i].dtype, st, null);
    });
  }

  /** Runs with caller-given input and output buffers (a scan body). */
  runBufs(ins: readonly Buf[], outs: readonly Buf[]): void {
    this.sources.forEach((s, slot) => {
      if (s.kind === "input") this.bufs[slot] = ins[s.index];
      else if (s.kind === "given") this.bufs[slot] = outs[s.index];
    });
    this.exec();
  }

  private exec(): void {
    const be = this.backend;
    const bufs = this.bufs;
    for (const st of this.steps) {
      if (st.kind === "kernel") {
        for (let j = 0; j < st.inSlots.length; j++) st.ins[j] = bufs[st.inSlots[j]];
        for (let j = 0; j < st.outSlots.length; j++) st.outs[j] = bufs[st.outSlots[j]];
        st.run(be, st.ins, st.outs, st.avals, st.params);
      } else if (st.kind === "copy") {
        be.copy(bufs[st.from], 0, [1], bufs[st.to], 0, [1], [st.size]);
      } else runScan(be, st, bufs);
    }
  }
}

function bufOn(be: Backend, t: T): Buf {
  const s = t._concrete("jit");
  if (s.backend === be) return s.buf;
  const b = be.alloc(t.dtype, t.size);
  be.write(b, s.backend.read(s.buf));
  return b;
}

function runScan(be: Backend, st: ScanStep, bufs: Buf[]): void {
  const { numConsts: nc, numCarry: nh, length, reverse } = st.params;
  const ins = st.inSlots.map((s) => bufs[s]);
  const outs = st.outSlots.map((s) => bufs[s]);
  const consts = ins.slice(0, nc);
  const xs = ins.slice(nc + nh);
  const ys = outs.slice(nh);
  const copy = (a: Buf, b: Buf) => be.copy(a, 0, [1], b, 0, [1], [a.size]);
  ins.slice(nc, nc + nh).forEach((b, i) => copy(b, st.carryA[i]));
  let a = st.carryA;
  let b = st.carryB;
  const nx = xs.length;
  for (let k = 0; k < length; k++) {
    const t = reverse ? length - 1 - k : k;
    const xt = xs.map((x, i) => be.sub(x, t * st.rows[i], st.rows[i]));
    const yt = ys.map((y, i) => be.sub(y, t * st.rows[nx + i], st.rows[nx + i]));
    st.body.runBufs([...consts, ...a, ...xt], [...b, ...yt]);
    [a, b] = [b, a];
  }
  a.forEach((c, i) => copy(c, outs[i]));
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
          size: sizeOf(v.aval),
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
      const elementwise = ELEMENTWISE.has(p.eqns[at].prim);
      const donor = p.inputs.findIndex(
        (iv, j) =>
          donatable[j] &&
          !usedDonors.has(j) &&
          keyOf(iv.aval) === keyOf(rv.aval) &&
          (last.get(iv) ?? -1) <= at &&
          ((last.get(iv) ?? -1) < at || elementwise),
      );
      if (donor >= 0) usedDonors.add(donor);
      slot = newSlot({ kind: "fresh", aval: rv.aval, donor: donor >= 0 ? donor : null });
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
          carryA: carryAvals.map((a) => be.alloc(a.dtype, sizeOf(a))),
          carryB: carryAvals.map((a) => be.alloc(a.dtype, sizeOf(a))),
        });
      } else {
        const rule = rules()[e.prim] as { impl: KernelStep["run"] };
        steps.push({
          kind: "kernel",
          run: rule.impl,
          inSlots,
          outSlots: outSlotsE,
          ins: [],
          outs: [],
          avals,
          params: e.params,
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
