/**
 * The op table of the differential test: for each op, how to draw its parameters (mostly valid,
 * sometimes deliberately wrong), how to write the call as TypeScript, and how to run it. One entry
 * drives all three, so the program the type checker sees is the program the runtime runs.
 */
import * as tg from "../../../src/index.js";
import type { AnyTensor } from "../../../src/index.js";
import {
  allLit,
  broadcastSym,
  type Dim,
  type Draw,
  type DT,
  type Kind,
  type Step,
  type Val,
} from "./model.js";

/** An operand of a binary op: an earlier value, a constant of zeros, or a number. */
type Operand = { v: number } | { c: Dim[]; dt: DT } | { n: number };

/** Writes sizes as TypeScript: `"B"` is the input's first size, read from `x.shape[0]`. */
export const dimTs = (d: Dim): string => (d === "B" ? "x.shape[0]" : String(d));
const shapeTs = (s: readonly Dim[]) => `[${s.map(dimTs).join(", ")}]`;
const concrete = (s: readonly Dim[], b: number) => s.map((d) => (d === "B" ? b : (d as number)));
const json = (v: unknown) => JSON.stringify(v);

function operandTs(o: Operand, name: (i: number) => string): string {
  if ("v" in o) return name(o.v);
  if ("n" in o) return String(o.n);
  return `tg.zeros(${shapeTs(o.c)}, "${o.dt}")`;
}
function operandRun(o: Operand, vals: AnyTensor[], b: number): AnyTensor | number {
  if ("v" in o) return vals[o.v];
  if ("n" in o) return o.n;
  return tg.zeros(concrete(o.c, b), o.dt) as AnyTensor;
}

/** Any op, untyped, for the interpreter. */
const ops = tg as unknown as Record<string, (...args: unknown[]) => AnyTensor>;

/** A rule: draw, write, run. `gen` returns the step and the predicted result (null: meant to fail). */
export interface OpRule {
  when(v: Val, kind: Kind): boolean;
  gen(d: Draw, v: Val, src: number, kind: Kind): { step: Step; out: Val | null };
  emit(s: Step, name: (i: number) => string): string;
  run(s: Step, vals: AnyTensor[], b: number): AnyTensor;
}

const FLOAT_UNARY = [
  "exp",
  "log",
  "sqrt",
  "sin",
  "floor",
  "sigmoid",
  "tanh",
  "softmax",
  "logSoftmax",
  "gelu",
  "elu",
  "leakyRelu",
];
const NUMERIC_UNARY = ["abs", "neg", "square"];
/** Any dtype. */
const ANY_UNARY = ["relu"];
const ARITH = ["add", "sub", "mul", "div", "maximum", "minimum"];
const COMPARE = ["less", "equal", "greaterEqual"];
const isFloat = (dt: DT) => dt === "f32";

/** A shape that broadcasts against `s`: sizes dropped from the front, kept or set to 1. */
function broadcastPartner(d: Draw, s: readonly Dim[]): Dim[] {
  const drop = d.int(0, s.length);
  const tail = s.slice(drop).map((x) => (typeof x === "number" && d.chance(0.6) ? x : 1));
  return d.chance(0.15) ? [d.int(1, 3), ...tail] : tail;
}

/** Changes one size so that it cannot broadcast with `s` (null when no size can be changed). */
function breakPartner(d: Draw, c: Dim[], s: readonly Dim[]): Dim[] | null {
  const off = s.length - c.length;
  const at = c.map((_, i) => i).filter((i) => i + off >= 0 && s[i + off] !== 1);
  if (at.length === 0) return null;
  const i = d.pick(at);
  const target = s[i + off];
  const out = [...c];
  out[i] = typeof target === "number" ? target + 1 : 7;
  return out;
}

const perm = (d: Draw, n: number): number[] => {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = d.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

/** Divisors of n (for reshapes). */
const divisors = (n: number) =>
  Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);

/** A random factorization of n into 1–3 factors. */
function factor(d: Draw, n: number): number[] {
  const parts = d.int(1, 3);
  const out: number[] = [];
  let rest = n;
  for (let i = 1; i < parts; i++) {
    const k = d.pick(divisors(rest));
    out.push(k);
    rest /= k;
  }
  out.push(rest);
  return out;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const normAxis = (a: number, r: number) => (a < 0 ? a + r : a);

export const TABLE: Record<string, OpRule> = {
  binary: {
    when: () => true,
    gen(d, v, src) {
      const compare = d.chance(0.25);
      const op = d.pick(compare ? COMPARE : ARITH);
      const kind = d.int(0, 9);
      let other: Operand;
      let ok = compare || v.dtype !== "bool";
      let shape: Dim[] | null = v.shape;
      if (kind < 2) other = { v: src };
      else if (kind < 3) other = { n: 2 };
      else {
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
  reshape: {
    when: (v) => v.shape.every((x) => x !== "?") || d0Only(v.shape),
    gen(d, v, src) {
      const s = v.shape;
      let target: Dim[];
      let out: Dim[];
      if (allLit(s)) {
        target = factor(d, prod(s));
        out = [...target];
        if (d.chance(0.4)) {
          const i = d.int(0, target.length - 1);
          target[i] = -1;
        }
      } else if (s[0] === "B" && allLit(s.slice(1))) {
        const rest = prod(s.slice(1) as number[]);
        if (d.chance(0.7)) {
          const f = factor(d, rest);
          target = ["B", ...f];
          out = ["B", ...f];
          if (d.chance(0.4)) target[d.int(1, target.length - 1)] = -1;
        } else {
          const f = factor(d, d.pick(divisors(rest)));
          target = [-1, ...f];
          out = ["?", ...f];
        }
      } else {
        target = [-1];
        out = ["?"];
      }
      let ok = true;
      const lits = target
        .map((x, i) => (typeof x === "number" && x > 1 ? i : -1))
        .filter((i) => i >= 0);
      if (d.chance(0.12) && lits.length > 0 && !target.includes(-1)) {
        const i = d.pick(lits);
        target[i] = (target[i] as number) * 2;
        ok = false;
      }
      return {
        step: { op: "reshape", ins: [src], p: { target } },
        out: ok ? { shape: out, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) => `tg.reshape(${name(s.ins[0])}, ${shapeTs(s.p.target as Dim[])})`,
    run: (s, vals, b) => ops.reshape(vals[s.ins[0]], concrete(s.p.target as Dim[], b)),
  },
  transpose: {
    when: () => true,
    gen(d, v, src) {
      const r = v.shape.length;
      if (d.chance(0.25)) {
        return {
          step: { op: "transpose", ins: [src], p: {} },
          out: { shape: [...v.shape].reverse(), dtype: v.dtype },
        };
      }
      const bad = d.chance(0.1);
      const p = perm(d, bad ? r + 1 : r);
      const out = bad ? null : { shape: p.map((i) => v.shape[i]), dtype: v.dtype };
      return { step: { op: "transpose", ins: [src], p: { perm: p } }, out };
    },
    emit: (s, name) =>
      s.p.perm
        ? `tg.transpose(${name(s.ins[0])}, ${json(s.p.perm)})`
        : `tg.transpose(${name(s.ins[0])})`,
    run: (s, vals) => ops.transpose(vals[s.ins[0]], s.p.perm),
  },
  reduce: {
    when: () => true,
    gen(d, v, src) {
      const r = v.shape.length;
      const op = d.pick(["sum", "mean", "max", "min", "argmax", "logsumexp"]);
      const keep = d.chance(0.4);
      let axis: number | number[] | undefined;
      let ok = true;
      const single = op === "argmax" || d.chance(0.5);
      if (r === 0 || (op !== "argmax" && d.chance(0.2))) axis = undefined;
      else if (single) axis = d.int(-r, r - 1);
      else
        axis = perm(d, r)
          .slice(0, d.int(1, r))
          .map((a) => (d.chance(0.3) ? a - r : a));
      if (d.chance(0.08)) {
        axis = d.chance(0.5) ? r : -r - 1;
        ok = false;
      }
      const axes =
        axis === undefined
          ? v.shape.map((_, i) => i)
          : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, r));
      const shape = keep
        ? v.shape.map((x, i) => (axes.includes(i) ? 1 : x))
        : v.shape.filter((_, i) => !axes.includes(i));
      const dtype: DT =
        op === "argmax" ? "i32" : op === "mean" || op === "logsumexp" ? "f32" : v.dtype;
      if (v.dtype === "bool" && op !== "mean" && op !== "logsumexp") ok = false;
      const args = keep ? [axis ?? null, true] : axis === undefined ? [] : [axis];
      return {
        step: { op: "reduce", ins: [src], p: { op, args } },
        out: ok ? { shape, dtype } : null,
      };
    },
    emit: (s, name) => {
      const args = (s.p.args as unknown[]).map((a) => (a === null ? "undefined" : json(a)));
      return `tg.${s.p.op}(${[name(s.ins[0]), ...args].join(", ")})`;
    },
    run: (s, vals) =>
      ops[s.p.op as string](
        vals[s.ins[0]],
        ...(s.p.args as unknown[]).map((a) => (a === null ? undefined : a)),
      ),
  },
  slice: {
    when: (v) => v.shape.length > 0,
    gen(d, v, src) {
      const s = v.shape;
      const k = d.int(1, s.length);
      const begin: number[] = [];
      const size: number[] = [];
      const out: Dim[] = [...s];
      for (let i = 0; i < k; i++) {
        const x = s[i];
        if (typeof x !== "number") {
          begin.push(0);
          size.push(-1);
          continue;
        }
        const b = d.int(0, x - 1);
        const z = d.chance(0.3) ? -1 : d.int(1, x - b);
        begin.push(b);
        size.push(z);
        out[i] = z === -1 ? x - b : z;
      }
      const nz = d.int(0, k);
      let ok = true;
      const sz = size.slice(0, nz);
      for (let i = nz; i < k; i++) {
        if (typeof s[i] === "number") out[i] = (s[i] as number) - begin[i];
      }
      if (d.chance(0.1)) {
        const lit = sz.map((_, i) => i).filter((i) => typeof s[i] === "number");
        if (lit.length > 0) {
          const i = d.pick(lit);
          sz[i] = (s[i] as number) - begin[i] + 1;
          ok = false;
        }
      }
      return {
        step: { op: "slice", ins: [src], p: { begin, size: sz } },
        out: ok ? { shape: out, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) => `tg.slice(${name(s.ins[0])}, ${json(s.p.begin)}, ${json(s.p.size)})`,
    run: (s, vals) => ops.slice(vals[s.ins[0]], s.p.begin, s.p.size),
  },
  pad: {
    when: (v) => v.shape.length > 0,
    gen(d, v, src) {
      const r = v.shape.length;
      let k = d.int(1, r);
      let ok = true;
      if (d.chance(0.08)) {
        k = r + 1;
        ok = false;
      }
      const p = Array.from({ length: k }, () => [d.int(0, 2), d.int(0, 2)]);
      if (ok && d.chance(0.05)) {
        p[0][0] = -1;
        ok = false;
      }
      const shape = v.shape.map((x, i) =>
        i < k
          ? typeof x === "number"
            ? x + p[i][0] + p[i][1]
            : p[i][0] + p[i][1] === 0
              ? x
              : "?"
          : x,
      );
      return {
        step: { op: "pad", ins: [src], p: { p } },
        out: ok ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) => `tg.pad(${name(s.ins[0])}, ${json(s.p.p)})`,
    run: (s, vals) => ops.pad(vals[s.ins[0]], s.p.p),
  },
  concat: {
    when: (v) => v.shape.length > 0,
    gen(d, v, src) {
      const r = v.shape.length;
      const a = d.int(-r, r - 1);
      const ax = normAxis(a, r);
      const others = v.shape.every((x, i) => i === ax || typeof x === "number");
      let parts: Operand[];
      let size: Dim;
      let ok = true;
      if (others && typeof v.shape[ax] === "number" && d.chance(0.6)) {
        const n = d.int(1, 3);
        const c = v.shape.map((x, i) => (i === ax ? n : x));
        if (d.chance(0.12) && r > 1) {
          const j = (ax + 1) % r;
          c[j] = (c[j] as number) + 1;
          ok = false;
        }
        parts = d.chance(0.5) ? [{ v: src }, { c, dt: v.dtype }] : [{ c, dt: v.dtype }, { v: src }];
        size = (v.shape[ax] as number) + n;
      } else {
        parts = [{ v: src }, { v: src }];
        size = typeof v.shape[ax] === "number" ? (v.shape[ax] as number) * 2 : "?";
      }
      const shape = v.shape.map((x, i) => (i === ax ? size : x));
      return {
        step: { op: "concat", ins: [src], p: { parts, a } },
        out: ok ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      `tg.concat([${(s.p.parts as Operand[]).map((o) => operandTs(o, name)).join(", ")}], ${s.p.a})`,
    run: (s, vals, b) =>
      ops.concat(
        (s.p.parts as Operand[]).map((o) => operandRun(o, vals, b)),
        s.p.a,
      ),
  },
  stack: {
    when: () => true,
    gen(d, v, src) {
      const r = v.shape.length;
      let a = d.int(-r - 1, r);
      const n = d.int(1, 3);
      let ok = true;
      if (d.chance(0.08)) {
        a = r + 1;
        ok = false;
      }
      const shape = [...v.shape];
      shape.splice(normAxis(a, r + 1), 0, n);
      return {
        step: { op: "stack", ins: [src], p: { n, a } },
        out: ok ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      `tg.stack([${Array(s.p.n as number)
        .fill(name(s.ins[0]))
        .join(", ")}], ${s.p.a})`,
    run: (s, vals) => ops.stack(Array(s.p.n as number).fill(vals[s.ins[0]]), s.p.a),
  },
  expandDims: {
    when: () => true,
    gen(d, v, src) {
      const r = v.shape.length;
      let a = d.int(-r - 1, r);
      let ok = true;
      if (d.chance(0.08)) {
        a = -r - 2;
        ok = false;
      }
      const shape = [...v.shape];
      if (ok) shape.splice(normAxis(a, r + 1), 0, 1);
      return {
        step: { op: "expandDims", ins: [src], p: { a } },
        out: ok ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) => `tg.expandDims(${name(s.ins[0])}, ${s.p.a})`,
    run: (s, vals) => ops.expandDims(vals[s.ins[0]], s.p.a),
  },
  squeeze: {
    when: (v) => v.shape.includes(1) || allLit(v.shape),
    gen(d, v, src) {
      const ones = v.shape.map((x, i) => (x === 1 ? i : -1)).filter((i) => i >= 0);
      const lit = v.shape
        .map((x, i) => (typeof x === "number" && x !== 1 ? i : -1))
        .filter((i) => i >= 0);
      if (allLit(v.shape) && (ones.length === 0 || d.chance(0.3))) {
        return {
          step: { op: "squeeze", ins: [src], p: {} },
          out: { shape: v.shape.filter((x) => x !== 1), dtype: v.dtype },
        };
      }
      if (lit.length > 0 && d.chance(0.1)) {
        return { step: { op: "squeeze", ins: [src], p: { a: d.pick(lit) } }, out: null };
      }
      const i = d.pick(ones);
      const a = d.chance(0.3) ? i - v.shape.length : i;
      return {
        step: { op: "squeeze", ins: [src], p: { a } },
        out: { shape: v.shape.filter((_, j) => j !== i), dtype: v.dtype },
      };
    },
    emit: (s, name) =>
      s.p.a === undefined
        ? `tg.squeeze(${name(s.ins[0])})`
        : `tg.squeeze(${name(s.ins[0])}, ${s.p.a})`,
    run: (s, vals) => ops.squeeze(vals[s.ins[0]], s.p.a),
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

/** Whether a shape's only non-literal size is a leading `"?"`. */
function d0Only(s: readonly Dim[]): boolean {
  return s.length > 0 && s[0] === "?" && allLit(s.slice(1));
}
