import type { ParamsOf } from "../ir/primitive.js";
import type { Eqn, Var } from "../ir/program.js";
import { Program } from "../ir/program.js";
import { freshVar } from "../ir/trace.js";
import { sameShape } from "../prims/shapes.js";
import { dce, programKey } from "./passes.js";
import { intoScans } from "./scan-bodies.js";

/**
 * Merges a `scan` into a later one over the same operands (the later one may take extra leading
 * constants) whose body computes the same first outputs (reverse mode re-runs the forward loop to stack the carries; the primal loop is then
 * redundant). The later scan moves to the place of the earlier one, which it replaces.
 */
function mergeScansLevel(p: Program): Program {
  const scans = p.eqns.filter((e) => e.prim === "scan");
  if (scans.length < 2) return p;
  const replace = new Map<Eqn, Eqn>(); // earlier → later
  const moved = new Set<Eqn>();
  const rename = new Map<Var, Var>();
  const defAt = new Map<Var, number>();
  p.eqns.forEach((e, i) => {
    for (const v of e.outputs) defAt.set(v, i);
  });
  for (let i = 0; i < scans.length; i++) {
    const a = scans[i];
    if (replace.has(a) || moved.has(a)) continue;
    const pa = a.params as ParamsOf<"scan">;
    const keyA = programKey(dce(pa.body));
    if (keyA === null) continue;
    const atA = p.eqns.indexOf(a);
    for (let j = i + 1; j < scans.length; j++) {
      const b = scans[j];
      if (moved.has(b) || replace.has(b)) continue;
      const pb = b.params as ParamsOf<"scan">;
      // the later scan may take extra leading constants (defined before the earlier one)
      const k = b.inputs.length - a.inputs.length;
      if (
        k < 0 ||
        b.inputs.slice(k).some((v, m) => v !== a.inputs[m]) ||
        b.inputs.slice(0, k).some((v) => (defAt.get(v) ?? -1) >= atA) ||
        pa.length !== pb.length ||
        pa.reverse !== pb.reverse ||
        pa.numConsts + k !== pb.numConsts ||
        pa.numCarry !== pb.numCarry ||
        pb.body.outputs.length < pa.body.outputs.length
      )
        continue;
      const head = dce(
        new Program(
          pb.body.inputs.slice(k),
          pb.body.constVars,
          pb.body.consts,
          pb.body.eqns,
          pb.body.outputs.slice(0, pa.body.outputs.length),
        ),
      );
      const extra = new Set(pb.body.inputs.slice(0, k));
      if (head.eqns.some((e) => e.inputs.some((v) => extra.has(v)))) continue;
      if (head.outputs.some((v) => extra.has(v))) continue;
      if (programKey(head) !== keyA) continue;
      replace.set(a, b);
      moved.add(b);
      a.outputs.forEach((v, m) => rename.set(v, b.outputs[m]));
      break;
    }
  }
  if (replace.size === 0) return p;
  const r = (v: Var) => rename.get(v) ?? v;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (moved.has(e)) continue;
    const src = replace.get(e) ?? e;
    eqns.push({ ...src, inputs: src.inputs.map(r) });
  }
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs.map(r));
}

/**
 * A sum of zero-padded pieces that tile one axis (the gradient of slicing a value into parts,
 * e.g. an LSTM's four gates) becomes one `concat` of the pieces, instead of a pad per piece and an
 * add per pair. Scan bodies are rewritten too.
 */
function padsToConcatLevel(p: Program): Program {
  const uses = new Map<Var, number>();
  for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of p.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  const def = new Map<Var, Eqn>();
  for (const e of p.eqns) for (const v of e.outputs) def.set(v, e);
  const replaced = new Map<Eqn, Eqn>();
  const absorbed = new Set<Eqn>();
  // a piece: the padded value, the axis and its offset along it
  const pieceOf = (e: Eqn): { x: Var; axis: number; lo: number } | null => {
    const { lo, hi, interior, value } = e.params as ParamsOf<"pad">;
    if (value !== 0 || interior.some((d) => d !== 0)) return null;
    const axes = lo.map((_, k) => k).filter((k) => lo[k] !== 0 || hi[k] !== 0);
    if (axes.length !== 1 || lo[axes[0]] < 0 || hi[axes[0]] < 0) return null;
    return { x: e.inputs[0], axis: axes[0], lo: lo[axes[0]] };
  };
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const root = p.eqns[i];
    if (root.prim !== "add" || absorbed.has(root) || root.outputs[0].aval.dtype !== "f32") continue;
    const shape = root.outputs[0].aval.shape;
    const inner: Eqn[] = [];
    const pieces: { x: Var; axis: number; lo: number }[] = [];
    let ok = true;
    const visit = (v: Var) => {
      const e = def.get(v);
      if (!ok || e === undefined || (uses.get(v) ?? 0) !== 1 || !sameShape(v.aval.shape, shape)) {
        ok = false;
        return;
      }
      if (e.prim === "add") {
        inner.push(e);
        e.inputs.forEach(visit);
      } else if (e.prim === "pad") {
        const piece = pieceOf(e);
        if (piece === null) ok = false;
        else {
          inner.push(e);
          pieces.push(piece);
        }
      } else ok = false;
    };
    root.inputs.forEach(visit);
    if (!ok || pieces.length < 2) continue;
    const axis = pieces[0].axis;
    if (pieces.some((q) => q.axis !== axis)) continue;
    pieces.sort((a, b) => a.lo - b.lo);
    let at = 0;
    for (const q of pieces) {
      if (q.lo !== at) ok = false;
      at += q.x.aval.shape[axis];
    }
    if (!ok || at !== shape[axis]) continue;
    for (const e of inner) absorbed.add(e);
    replaced.set(root, {
      prim: "concat",
      inputs: pieces.map((q) => q.x),
      params: { axis },
      outputs: root.outputs,
    });
  }
  const eqns: Eqn[] = [];
  const changed = replaced.size > 0;
  for (const e of p.eqns) {
    if (absorbed.has(e)) continue;
    eqns.push(replaced.get(e) ?? e);
  }
  return changed ? new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs) : p;
}

/**
 * A scan carry that only accumulates `c ← c + Aₜᵀ·Bₜ` (the cotangent of a weight a recurrent step
 * multiplies by), where `Aₜ` and `Bₜ` are stacked anyway (an xs input or a ys output of the loop),
 * leaves the loop: after it, one matmul over all steps at once (`A` and `B` reshaped to
 * `[T·rows, ·]`) is added to the carry's initial value. The loop loses a small matmul and an add
 * per step.
 */
function hoistScanAccumulatorsLevel(p: Program): Program {
  let changed = false;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (e.prim !== "scan") {
      eqns.push(e);
      continue;
    }
    let sp = e.params as ParamsOf<"scan">;
    let body = sp.body;
    let eq: Eqn = e;
    const after: Eqn[] = [];
    for (let i = sp.numCarry - 1; i >= 0; i--) {
      sp = eq.params as ParamsOf<"scan">;
      body = sp.body;
      const hoisted = hoistOne(eq, sp, body, i);
      if (hoisted === null) continue;
      eq = hoisted.scan;
      after.unshift(...hoisted.after);
      changed = true;
    }
    if (eq !== e) changed = true;
    eqns.push(eq, ...after);
  }
  return changed ? new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs) : p;
}

function hoistOne(
  e: Eqn,
  sp: ParamsOf<"scan">,
  body: Program,
  i: number,
): { scan: Eqn; after: Eqn[] } | null {
  const { numConsts: nc, numCarry: nh, length } = sp;
  const cin = body.inputs[nc + i];
  const cout = body.outputs[i];
  const def = new Map<Var, Eqn>();
  for (const q of body.eqns) for (const v of q.outputs) def.set(v, q);
  const uses = new Map<Var, number>();
  for (const q of body.eqns) for (const v of q.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of body.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  const a = def.get(cout);
  if (a === undefined || a.prim !== "add" || uses.get(cout) !== 1 || uses.get(cin) !== 1)
    return null;
  const m = a.inputs[0] === cin ? a.inputs[1] : a.inputs[1] === cin ? a.inputs[0] : null;
  if (m === null || uses.get(m) !== 1 || !sameShape(m.aval.shape, cin.aval.shape)) return null;
  const mm = def.get(m);
  if (mm === undefined || mm.prim !== "matmul") return null;
  const { transA, transB } = mm.params as ParamsOf<"matmul">;
  if (!transA || transB || mm.inputs.some((v) => v.aval.shape.length !== 2)) return null;
  // each operand stacked outside: an xs input or a ys output of the loop
  const stacked = (v: Var): Var | null => {
    const k = body.inputs.indexOf(v);
    if (k >= nc + nh) return e.inputs[k];
    const o = body.outputs.indexOf(v, nh);
    return o >= nh ? e.outputs[o] : null;
  };
  const [sa, sb] = mm.inputs.map(stacked);
  if (!sa || !sb || length < 1) return null;
  const newBody = dce(
    new Program(
      body.inputs.filter((v) => v !== cin),
      body.constVars,
      body.consts,
      body.eqns.filter((q) => q !== a && q !== mm),
      body.outputs.filter((_, k) => k !== i),
    ),
  );
  const scan: Eqn = {
    ...e,
    inputs: e.inputs.filter((_, k) => k !== nc + i),
    outputs: e.outputs.filter((_, k) => k !== i),
    params: { ...sp, body: newBody, numCarry: nh - 1 },
  };
  const flat = (v: Var): [Var, Eqn] => {
    const [r, c] = v.aval.shape.slice(1);
    const shape = [v.aval.shape[0] * r, c];
    const out = freshVar({ shape, dtype: v.aval.dtype });
    return [out, { prim: "reshape", inputs: [v], params: { shape }, outputs: [out] }];
  };
  const [fa, ra] = flat(sa);
  const [fb, rb] = flat(sb);
  const prod = freshVar(m.aval);
  const after: Eqn[] = [
    ra,
    rb,
    { prim: "matmul", inputs: [fa, fb], params: { transA: true, transB: false }, outputs: [prod] },
    { prim: "add", inputs: [e.inputs[nc + i], prod], params: {}, outputs: [e.outputs[i]] },
  ];
  return { scan, after };
}

/**
 * A matmul in a scan body that reads a loop constant transposed (`transA`/`transB` on a
 * constant operand, e.g. dz·Uᵀ in a recurrent backward step) reads a copy transposed once before
 * the loop instead: the untransposed layout packs faster, on every step.
 */
function pretransposeScanConstsLevel(p: Program): Program {
  let changed = false;
  const before: Eqn[] = [];
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (e.prim !== "scan") {
      eqns.push(e);
      continue;
    }
    const sp = e.params as ParamsOf<"scan">;
    const body = sp.body;
    const nc = sp.numConsts;
    const consts = body.inputs.slice(0, nc);
    const made = new Map<Var, Var>(); // body const → its transposed body input
    const extraOuter: Var[] = [];
    const extraInner: Var[] = [];
    before.length = 0;
    const bodyEqns = body.eqns.map((q) => {
      if (q.prim !== "matmul") return q;
      const { transA, transB } = q.params as ParamsOf<"matmul">;
      const flip = (v: Var) => {
        let t = made.get(v);
        if (t === undefined) {
          const k = consts.indexOf(v);
          const outer = e.inputs[k];
          const shape = [v.aval.shape[1], v.aval.shape[0]];
          const to = freshVar({ shape, dtype: v.aval.dtype });
          before.push({
            prim: "transpose",
            inputs: [outer],
            params: { perm: [1, 0] },
            outputs: [to],
          });
          t = freshVar({ shape, dtype: v.aval.dtype });
          made.set(v, t);
          extraOuter.push(to);
          extraInner.push(t);
        }
        return t;
      };
      const isConst2d = (v: Var) => consts.includes(v) && v.aval.shape.length === 2;
      const [a, b] = q.inputs;
      const fa = transA && isConst2d(a);
      const fb = transB && isConst2d(b);
      if (!fa && !fb) return q;
      return {
        ...q,
        inputs: [fa ? flip(a) : a, fb ? flip(b) : b],
        params: { transA: transA && !fa, transB: transB && !fb },
      };
    });
    if (extraInner.length === 0) {
      eqns.push(e);
      continue;
    }
    changed = true;
    const newBody = dce(
      new Program(
        [...extraInner, ...body.inputs],
        body.constVars,
        body.consts,
        bodyEqns,
        body.outputs,
      ),
    );
    eqns.push(...before, {
      ...e,
      inputs: [...extraOuter, ...e.inputs],
      params: { ...sp, body: newBody, numConsts: nc + extraInner.length },
    });
  }
  return changed ? new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs) : p;
}

/** {@link mergeScansLevel} at every level (inside scan bodies too). */
export const mergeScans = intoScans(mergeScansLevel);
/** {@link padsToConcatLevel} at every level. */
export const padsToConcat = intoScans(padsToConcatLevel);
/** {@link hoistScanAccumulatorsLevel} at every level. */
export const hoistScanAccumulators = intoScans(hoistScanAccumulatorsLevel);
/** {@link pretransposeScanConstsLevel} at every level. */
export const pretransposeScanConsts = intoScans(pretransposeScanConstsLevel);
