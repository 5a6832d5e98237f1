/** Differential-test op rules: arithmetic, casts, linear algebra, indexing, convolution and pooling. */
import * as tg from "../../../src/index.js";
import type { AnyTensor } from "../../../src/index.js";
import { allLit, broadcastSym, type Dim, type DT, type Val } from "./model.js";
import {
  ANY_UNARY,
  ARITH,
  broadcastPartner,
  breakPartner,
  COMPARE,
  concrete,
  FLOAT_UNARY,
  isFloat,
  json,
  normAxis,
  NUMERIC_UNARY,
  type Operand,
  type OpRule,
  operandRun,
  operandTs,
  ops,
  shapeTs,
} from "./ops.js";

/** The rules of compute ops. */
export const COMPUTE: Record<string, OpRule> = {
  binary: {
    when: () => true,
    gen(d, v, src, _kind, vals) {
      const compare = d.chance(0.25);
      const op = d.pick(compare ? COMPARE : ARITH);
      const kind = d.int(0, 9);
      let other: Operand;
      let ok = compare || v.dtype !== "bool";
      let shape: Dim[] | null = v.shape;
      // an earlier value that broadcasts with this one (a batch B meets B from another branch)
      const earlier = vals
        .map((w, j) => ({ w, j }))
        .filter(({ w, j }) => j !== src && !w.shape.includes("?") && !v.shape.includes("?"))
        .filter(({ w }) => broadcastSym(v.shape, w.shape) !== null);
      if (kind < 2) other = { v: src };
      else if (kind < 3) other = { n: 2 };
      else if (kind < 5 && earlier.length > 0) {
        const { w, j } = d.pick(earlier);
        other = { v: j };
        shape = broadcastSym(v.shape, w.shape);
        if (w.dtype !== v.dtype) ok = false;
      } else {
        let c = broadcastPartner(d, v.shape);
        let dt = v.dtype;
        if (d.chance(0.12)) {
          const broken = breakPartner(d, c, v.shape);
          if (broken) {
            c = broken;
            ok = false;
          }
        } else if (d.chance(0.06)) {
          dt = v.dtype === "f32" ? "i32" : "f32";
          ok = false;
        }
        shape = broadcastSym(v.shape, c);
        other = { c, dt };
      }
      const swap = d.chance(0.3);
      const ins = { a: swap ? other : { v: src }, b: swap ? { v: src } : other };
      const out: Val | null = ok && shape ? { shape, dtype: compare ? "bool" : v.dtype } : null;
      return { step: { op: "binary", ins: [src], p: { op, ...ins } }, out };
    },
    emit: (s, name) =>
      `tg.${s.p.op}(${operandTs(s.p.a as Operand, name)}, ${operandTs(s.p.b as Operand, name)})`,
    run: (s, vals, b) =>
      ops[s.p.op as string](
        operandRun(s.p.a as Operand, vals, b),
        operandRun(s.p.b as Operand, vals, b),
      ),
  },
  unary: {
    when: () => true,
    gen(d, v, src) {
      const float = d.chance(0.6);
      const op = d.pick(float ? FLOAT_UNARY : d.chance(0.8) ? NUMERIC_UNARY : ANY_UNARY);
      const ok = float ? isFloat(v.dtype) : v.dtype !== "bool" || ANY_UNARY.includes(op);
      const rankOk = !op.endsWith("oftmax") || v.shape.length > 0;
      return { step: { op: "unary", ins: [src], p: { op } }, out: ok && rankOk ? v : null };
    },
    emit: (s, name) => `tg.${s.p.op}(${name(s.ins[0])})`,
    run: (s, vals) => ops[s.p.op as string](vals[s.ins[0]]),
  },
  cast: {
    when: () => true,
    gen(d, v, src) {
      const to = d.pick(["f32", "f32", "i32", "bool"] as DT[]);
      return { step: { op: "cast", ins: [src], p: { to } }, out: { shape: v.shape, dtype: to } };
    },
    emit: (s, name) => `tg.cast(${name(s.ins[0])}, "${s.p.to}")`,
    run: (s, vals) => tg.cast(vals[s.ins[0]], s.p.to as DT) as AnyTensor,
  },
  matmul: {
    when: (v) => v.shape.length >= 1 && typeof v.shape[v.shape.length - 1] === "number",
    gen(d, v, src) {
      const s = v.shape;
      const k = s[s.length - 1] as number;
      let ok = isFloat(v.dtype);
      let kk = k;
      if (d.chance(0.12)) {
        kk = k + 1;
        ok = false;
      }
      const n = d.int(1, 5);
      let w: Dim[];
      let out: Dim[];
      const shape = d.int(0, 9);
      if (shape < 2) {
        w = [kk];
        out = s.slice(0, -1);
      } else if (shape < 4 && s.length >= 3) {
        const batch = s.slice(0, -2).map((x) => (typeof x === "number" && d.chance(0.5) ? x : 1));
        w = [...batch, kk, n];
        const bb = broadcastSym(s.slice(0, -2), batch);
        out = [...(bb ?? []), s[s.length - 2], n];
      } else {
        w = [kk, n];
        out = [...s.slice(0, -1), n];
      }
      const dt = ok && d.chance(0.05) ? "i32" : "f32";
      if (dt !== "f32" || v.dtype !== "f32") ok = false;
      return {
        step: { op: "matmul", ins: [src], p: { w, dt } },
        out: ok ? { shape: out, dtype: "f32" } : null,
      };
    },
    emit: (s, name) =>
      `tg.matmul(${name(s.ins[0])}, tg.zeros(${shapeTs(s.p.w as Dim[])}, "${s.p.dt}"))`,
    run: (s, vals, b) =>
      ops.matmul(vals[s.ins[0]], tg.zeros(concrete(s.p.w as Dim[], b), s.p.dt as DT)),
  },
  gather: {
    when: (v) => v.shape.length > 0,
    gen(d, v, src) {
      const r = v.shape.length;
      const a = d.int(-r, r - 1);
      const idx = Array.from({ length: d.int(0, 2) }, () => d.int(1, 3));
      const dt: DT = d.chance(0.08) ? "f32" : "i32";
      const ax = normAxis(a, r);
      const shape = [...v.shape.slice(0, ax), ...idx, ...v.shape.slice(ax + 1)];
      return {
        step: { op: "gather", ins: [src], p: { idx, dt, a } },
        out: dt === "i32" ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      `tg.gather(${name(s.ins[0])}, tg.zeros(${json(s.p.idx)}, "${s.p.dt}"), ${s.p.a})`,
    run: (s, vals) =>
      ops.gather(vals[s.ins[0]], tg.zeros(s.p.idx as number[], s.p.dt as DT), s.p.a),
  },
  oneHot: {
    when: (v) => v.dtype === "i32",
    gen(d, v, src) {
      const depth = d.int(1, 5);
      return {
        step: { op: "oneHot", ins: [src], p: { depth } },
        out: { shape: [...v.shape, depth], dtype: "f32" },
      };
    },
    emit: (s, name) => `tg.oneHot(${name(s.ins[0])}, ${s.p.depth})`,
    run: (s, vals) => ops.oneHot(vals[s.ins[0]], s.p.depth),
  },
  conv2d: {
    when: (v) => v.shape.length === 4 && allLit(v.shape.slice(1)),
    gen(d, v, src) {
      const [n, h, w, c] = v.shape as [Dim, number, number, number];
      const padding = d.pick(["valid", "same"] as const);
      const stride = d.int(1, 2);
      let kh = d.int(1, Math.min(h, 3));
      const kw = d.int(1, Math.min(w, 3));
      let ci = c;
      let ok = isFloat(v.dtype);
      if (d.chance(0.1)) {
        ci = c + 1;
        ok = false;
      } else if (padding === "valid" && d.chance(0.06)) {
        kh = h + 1;
        ok = false;
      }
      const co = d.int(1, 4);
      const size = (x: number, k: number) =>
        padding === "same" ? Math.ceil(x / stride) : Math.floor((x - k) / stride) + 1;
      const opts =
        stride === 1 && padding === "valid" && d.chance(0.5) ? null : { stride, padding };
      const out: Val = { shape: [n, size(h, kh), size(w, kw), co], dtype: v.dtype };
      return {
        step: { op: "conv2d", ins: [src], p: { f: [kh, kw, ci, co], opts } },
        out: ok ? out : null,
      };
    },
    emit: (s, name) =>
      `tg.conv2d(${name(s.ins[0])}, tg.zeros(${json(s.p.f)})${s.p.opts ? `, ${json(s.p.opts)}` : ""})`,
    run: (s, vals) =>
      ops.conv2d(vals[s.ins[0]], tg.zeros(s.p.f as number[]), s.p.opts ?? undefined),
  },
  where: {
    when: () => true,
    gen(d, v, src) {
      const c = broadcastPartner(d, v.shape);
      const cdt: DT = d.chance(0.92) ? "bool" : "f32";
      const other = broadcastPartner(d, v.shape);
      const shape = broadcastSym(broadcastSym(v.shape, c) ?? [], other);
      return {
        step: { op: "where", ins: [src], p: { c, cdt, other, dt: v.dtype } },
        out: cdt === "bool" && shape ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      `tg.where(tg.zeros(${shapeTs(s.p.c as Dim[])}, "${s.p.cdt}"), ${name(s.ins[0])}, tg.zeros(${shapeTs(s.p.other as Dim[])}, "${s.p.dt}"))`,
    run: (s, vals, b) =>
      ops.where(
        tg.zeros(concrete(s.p.c as Dim[], b), s.p.cdt as DT),
        vals[s.ins[0]],
        tg.zeros(concrete(s.p.other as Dim[], b), s.p.dt as DT),
      ),
  },
  dot: {
    when: (v) => v.shape.length === 1 && typeof v.shape[0] === "number",
    gen(d, v, src) {
      let k = v.shape[0] as number;
      let ok = isFloat(v.dtype);
      if (d.chance(0.15)) {
        k += 1;
        ok = false;
      }
      const outer = d.chance(0.4);
      const n = d.int(1, 4);
      const shape: Dim[] = outer ? [v.shape[0], n] : [];
      if (outer) ok = v.dtype !== "bool";
      return {
        step: { op: "dot", ins: [src], p: { outer, k: outer ? n : k, dt: v.dtype } },
        out: ok ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      `tg.${s.p.outer ? "outer" : "dot"}(${name(s.ins[0])}, tg.zeros([${s.p.k}], "${s.p.dt}"))`,
    run: (s, vals) =>
      ops[s.p.outer ? "outer" : "dot"](vals[s.ins[0]], tg.zeros([s.p.k as number], s.p.dt as DT)),
  },
  pool: {
    when: (v) => v.shape.length === 4 && allLit(v.shape.slice(1)),
    gen(d, v, src) {
      const [n, h, w, c] = v.shape as [Dim, number, number, number];
      const op = d.pick(["maxPool2d", "avgPool2d"]);
      const padding = d.pick(["valid", "same"] as const);
      let size = d.int(1, Math.min(h, w, 3));
      let ok = v.dtype !== "bool";
      if (padding === "valid" && d.chance(0.08)) {
        size = Math.min(h, w) + 1;
        ok = false;
      }
      const stride = d.chance(0.5) ? size : d.int(1, 2);
      const opts = stride === size && padding === "valid" ? null : { stride, padding };
      const o = (x: number) =>
        padding === "same" ? Math.ceil(x / stride) : Math.floor((x - size) / stride) + 1;
      const out: Val = { shape: [n, o(h), o(w), c], dtype: v.dtype };
      return { step: { op: "pool", ins: [src], p: { op, size, opts } }, out: ok ? out : null };
    },
    emit: (s, name) =>
      `tg.${s.p.op}(${name(s.ins[0])}, ${s.p.size}${s.p.opts ? `, ${json(s.p.opts)}` : ""})`,
    run: (s, vals) => ops[s.p.op as string](vals[s.ins[0]], s.p.size, s.p.opts ?? undefined),
  },
};
