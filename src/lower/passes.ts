/**
 * Program-to-Program passes used by lowering. Each takes a Program and returns an equivalent one.
 * @module
 */
import type { FusedOp, FusedOpName } from "../backend/backend.js";
import type { ParamsOf } from "../ir/primitive.js";
import type { Eqn, Var } from "../ir/program.js";
import { Program } from "../ir/program.js";
import { bind, freshVar } from "../ir/trace.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/** Dead-code elimination: drops equations whose outputs nothing uses. */
export function dce(p: Program): Program {
  const used = new Set<Var>(p.outputs);
  const kept: Eqn[] = [];
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i];
    if (e.outputs.some((v) => used.has(v))) {
      kept.push(e);
      for (const v of e.inputs) used.add(v);
    }
  }
  kept.reverse();
  const keepConst = p.constVars.map((v) => used.has(v));
  return new Program(
    p.inputs,
    p.constVars.filter((_, i) => keepConst[i]),
    p.consts.filter((_, i) => keepConst[i]),
    kept,
    p.outputs,
  );
}

/**
 * Common-subexpression elimination: an equation equal to an earlier one (same primitive, params
 * and inputs) reuses its outputs. Scan bodies are deduplicated too (the forward loop of a
 * gradient computes the step and, traced again, the values the backward loop keeps).
 */
export function cse(p: Program): Program {
  const seen = new Map<string, Eqn>();
  const rename = new Map<Var, Var>();
  const ids = new Map<Var, number>();
  const id = (v: Var) => {
    let n = ids.get(v);
    if (n === undefined) ids.set(v, (n = ids.size));
    return n;
  };
  const r = (v: Var) => rename.get(v) ?? v;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    const inputs = e.inputs.map(r);
    const key =
      paramsKey(e.params) === null
        ? null
        : `${e.prim}|${paramsKey(e.params)}|${inputs.map(id).join(",")}`;
    const prev = key === null || isRandomOrEffect(e.prim) ? undefined : seen.get(key);
    if (prev) {
      e.outputs.forEach((v, i) => rename.set(v, prev.outputs[i]));
      continue;
    }
    const ne: Eqn =
      e.prim === "scan"
        ? {
            ...e,
            inputs,
            params: {
              ...(e.params as ParamsOf<"scan">),
              body: cse((e.params as ParamsOf<"scan">).body),
            },
          }
        : { ...e, inputs };
    if (key !== null) seen.set(key, ne);
    eqns.push(ne);
  }
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs.map(r));
}

function isRandomOrEffect(prim: string): boolean {
  return prim === "scan" || prim === "custom_vjp";
}

/** A string for params made of plain data, or null when they hold functions or programs. */
function paramsKey(params: object): string | null {
  let plain = true;
  const s = JSON.stringify(params, (_k, v) => {
    if (typeof v === "function" || (v && typeof v === "object" && v instanceof Program))
      plain = false;
    return v;
  });
  return plain ? s : null;
}

/** Inlines `custom_vjp` equations (their custom rule matters only to differentiation, done by now). */
export function inlineCustom(p: Program): Program {
  if (!p.eqns.some((e) => e.prim === "custom_vjp")) return p;
  const eqns: Eqn[] = [];
  const rename = new Map<Var, Var>();
  const r = (v: Var) => rename.get(v) ?? v;
  const visit = (e: Eqn) => {
    if (e.prim !== "custom_vjp") {
      eqns.push({ ...e, inputs: e.inputs.map(r) });
      return;
    }
    const fn = (e.params as ParamsOf<"custom_vjp">).fn;
    const local = new Map<Var, Var>();
    fn.inputs.forEach((v, i) => local.set(v, r(e.inputs[i])));
    fn.constVars.forEach((v) => {
      throw new Error(`inline: custom_vjp body has a captured constant ${v.id}`);
    });
    for (const q of fn.eqns) {
      const outs = q.outputs.map((v) => {
        const nv = freshVar(v.aval);
        local.set(v, nv);
        return nv;
      });
      visit({ ...q, inputs: q.inputs.map((v) => local.get(v) ?? v), outputs: outs });
    }
    e.outputs.forEach((v, i) => rename.set(v, local.get(fn.outputs[i]) ?? fn.outputs[i]));
  };
  p.eqns.forEach(visit);
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs.map(r));
}

/** Constant folding: equations whose inputs are all captured constants are computed once, now. */
export function foldConstants(p: Program): Program {
  const known = new Map<Var, T>();
  p.constVars.forEach((v, i) => {
    if (p.consts[i].isConcrete) known.set(v, p.consts[i]);
  });
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (
      e.prim !== "scan" &&
      e.prim !== "custom_vjp" &&
      e.inputs.length > 0 &&
      e.inputs.every((v) => known.has(v))
    ) {
      const outs = bind(
        e.prim,
        e.inputs.map((v) => known.get(v)!),
        e.params,
      );
      e.outputs.forEach((v, i) => known.set(v, outs[i]));
    } else eqns.push(e);
  }
  const used = new Set<Var>([...eqns.flatMap((e) => e.inputs), ...p.outputs]);
  const constVars = [...known.keys()].filter((v) => used.has(v) && !p.inputs.includes(v));
  return new Program(
    p.inputs,
    constVars,
    constVars.map((v) => known.get(v)!),
    eqns,
    p.outputs,
  );
}

/**
 * A canonical string of a closed Program (variables numbered by first appearance), or null when
 * it captures constants or holds params that are not plain data. Two programs with the same key
 * compute the same function.
 */
export function programKey(p: Program): string | null {
  if (p.constVars.length > 0) return null;
  const ids = new Map<Var, number>();
  const id = (v: Var) => {
    let n = ids.get(v);
    if (n === undefined) ids.set(v, (n = ids.size));
    return n;
  };
  const av = (v: Var) => `${v.aval.dtype}[${v.aval.shape.join(",")}]`;
  const parts = [p.inputs.map((v) => `${id(v)}:${av(v)}`).join(" ")];
  for (const e of p.eqns) {
    let params: string | null;
    if (e.prim === "scan") {
      const sp = e.params as ParamsOf<"scan">;
      const body = programKey(sp.body);
      if (body === null) return null;
      params = `${sp.length},${sp.numConsts},${sp.numCarry},${sp.reverse}{${body}}`;
    } else params = paramsKey(e.params);
    if (params === null) return null;
    const outs = e.outputs.map((v) => `${id(v)}:${av(v)}`).join(" ");
    parts.push(`${e.prim}|${params}|${e.inputs.map(id).join(",")}|${outs}`);
  }
  parts.push(p.outputs.map(id).join(","));
  return parts.join(";");
}

/**
 * Merges a `scan` into a later one over the same operands (the later one may take extra leading
 * constants) whose body computes the same first outputs (reverse mode re-runs the forward loop to stack the carries; the primal loop is then
 * redundant). The later scan moves to the place of the earlier one, which it replaces.
 */
export function mergeScans(p: Program): Program {
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
export function padsToConcat(p: Program): Program {
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
  let changed = replaced.size > 0;
  for (const e of p.eqns) {
    if (absorbed.has(e)) continue;
    if (e.prim === "scan") {
      const sp = e.params as ParamsOf<"scan">;
      const body = padsToConcat(sp.body);
      if (body !== sp.body) changed = true;
      eqns.push(body === sp.body ? e : { ...e, params: { ...sp, body } });
      continue;
    }
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
export function hoistScanAccumulators(p: Program): Program {
  let changed = false;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (e.prim !== "scan") {
      eqns.push(e);
      continue;
    }
    let sp = e.params as ParamsOf<"scan">;
    let body = hoistScanAccumulators(sp.body);
    let eq: Eqn = body === sp.body ? e : { ...e, params: { ...sp, body } };
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
export function pretransposeScanConsts(p: Program): Program {
  let changed = false;
  const before: Eqn[] = [];
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (e.prim !== "scan") {
      eqns.push(e);
      continue;
    }
    const sp = e.params as ParamsOf<"scan">;
    const body = pretransposeScanConsts(sp.body);
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
      eqns.push(body === sp.body ? e : { ...e, params: { ...sp, body } });
      if (body !== sp.body) changed = true;
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

const FUSABLE = new Set<string>([
  "neg",
  "exp",
  "log",
  "tanh",
  "logistic",
  "sqrt",
  "abs",
  "add",
  "sub",
  "mul",
  "div",
  "max",
  "min",
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "ne",
  "where",
  "cast",
]);

const COMPARES = new Set<string>(["lt", "le", "gt", "ge", "eq", "ne"]);

/** Cheap elementwise ops a recomputed mask may also recompute (one level up). */
const CHEAP = new Set<string>(["neg", "abs", "add", "sub", "mul", "max", "min"]);

const isF32 = (v: Var) => v.aval.dtype === "f32";

/**
 * Whether `e` can be part of a fused chain: f32 arithmetic and unary ops; comparisons of f32
 * values (a bool inside the chain, never its result); `where` with a bool or f32 condition and
 * f32 branches; casts of bool or f32 to f32.
 */
function fusable(e: Eqn): boolean {
  if (!FUSABLE.has(e.prim) || e.outputs.length !== 1) return false;
  const out = e.outputs[0].aval.dtype;
  if (COMPARES.has(e.prim)) return out === "bool" && e.inputs.every(isF32);
  if (out !== "f32") return false;
  if (e.prim === "where")
    return (
      (e.inputs[0].aval.dtype === "bool" || isF32(e.inputs[0])) && e.inputs.slice(1).every(isF32)
    );
  if (e.prim === "cast") return e.inputs[0].aval.dtype === "bool" || isF32(e.inputs[0]);
  return e.inputs.every(isF32);
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, k) => d === b[k]);

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
      !COMPARES.has(c.prim) ||
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
 * Fusion of elementwise chains: a run of consecutive elementwise equations of one output shape
 * (f32 arithmetic, comparisons of f32 values, `where`, casts to f32), each reading a value of the
 * run, whose intermediates nothing outside the run reads and whose result is f32, becomes one
 * `fused` equation (one kernel call that reads and writes memory once). Operands must
 * be full size, scalars, or rows repeated along leading axes. Scan bodies are fused too.
 */
export function fuseElementwise(program: Program): Program {
  const p = sinkSingleUse(rematerializeMasks(program));
  const uses = new Map<Var, number>();
  for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of p.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  const ok = fusable;
  // where each value is available (the index of its equation; a fused chain's at the chain's)
  const pos = new Map<Var, number>();
  p.eqns.forEach((e, k) => {
    for (const v of e.outputs) pos.set(v, k);
  });
  // equations already moved into an earlier chain
  const taken = new Set<number>();
  const eqns: Eqn[] = [];
  for (let i = 0; i < p.eqns.length; i++) {
    if (taken.has(i)) continue;
    const e = p.eqns[i];
    if (e.prim === "scan") {
      const sp = e.params as ParamsOf<"scan">;
      eqns.push({ ...e, params: { ...sp, body: fuseElementwise(sp.body) } });
      continue;
    }
    if (!ok(e) || !e.inputs.every((v) => feeds(v.aval.shape, e.outputs[0].aval.shape))) {
      eqns.push(e);
      continue;
    }
    // grow the run: the next equation that reads a value of the run joins it when it can move
    // up to here (its other operands are ready), skipping unrelated equations in between
    const shape = e.outputs[0].aval.shape;
    const run: Eqn[] = [e];
    const at: number[] = [i];
    const made = new Set<Var>([e.outputs[0]]);
    let j = i + 1;
    while (j < p.eqns.length && j - at[at.length - 1] <= FUSE_WINDOW) {
      const q = p.eqns[j];
      if (taken.has(j) || !q.inputs.some((v) => made.has(v))) {
        j++;
        continue;
      }
      if (!ok(q) || !sameShape(q.outputs[0].aval.shape, shape)) break;
      // an operand computed after the chain's start by a fusable equation that only q reads
      // (the other branch of a tree) joins the chain first, if its own operands are ready
      const ready = (v: Var) =>
        made.has(v) || (feeds(v.aval.shape, shape) && (pos.get(v) ?? -1) < i);
      const branches: number[] = [];
      for (const v of q.inputs) {
        if (ready(v)) continue;
        const b = pos.get(v) ?? -1;
        const pe = p.eqns[b];
        if (
          b <= i ||
          b >= j ||
          taken.has(b) ||
          pe === undefined ||
          !ok(pe) ||
          pe.outputs[0].aval.dtype !== "f32" ||
          uses.get(v) !== 1 ||
          !sameShape(v.aval.shape, shape) ||
          !pe.inputs.every(ready)
        )
          break;
        branches.push(b);
      }
      if (!q.inputs.every((v) => ready(v) || branches.some((b) => p.eqns[b].outputs[0] === v)))
        break;
      for (const b of branches) {
        run.push(p.eqns[b]);
        at.push(b);
        made.add(p.eqns[b].outputs[0]);
      }
      run.push(q);
      at.push(j);
      made.add(q.outputs[0]);
      j++;
    }
    // cut the run so that only its last value is used outside it, and that value is f32
    let end = run.length;
    while (end > 1) {
      if (run[end - 1].outputs[0].aval.dtype !== "f32") {
        end--;
        continue;
      }
      const inside = new Map<Var, number>();
      for (let k = 0; k < end; k++)
        for (const v of run[k].inputs) inside.set(v, (inside.get(v) ?? 0) + 1);
      const escapes = run
        .slice(0, end - 1)
        .some((q) => (uses.get(q.outputs[0]) ?? 0) !== (inside.get(q.outputs[0]) ?? 0));
      if (!escapes) break;
      end--;
    }
    if (end < 2) {
      eqns.push(e);
      continue;
    }
    for (let k = 1; k < end; k++) taken.add(at[k]);
    pos.set(run[end - 1].outputs[0], i);
    eqns.push(fuseRun(run.slice(0, end)));
  }
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs);
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

/** One `fused` equation for a run of elementwise equations. */
function fuseRun(run: Eqn[]): Eqn {
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
  const last = run[run.length - 1].outputs[0];
  const body = new Program(bodyIns, [], [], bodyEqns, [local.get(last)!]);
  return { prim: "fused", inputs, params: { ops, body }, outputs: [last] };
}
