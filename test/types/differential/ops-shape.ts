import { allLit, type Dim, type DT } from "./model.js";
import {
  concrete,
  d0Only,
  divisors,
  factor,
  json,
  normAxis,
  type Operand,
  type OpRule,
  operandRun,
  operandTs,
  ops,
  perm,
  prod,
  shapeTs,
} from "./ops.js";

/** The rules of shape ops. */
export const SHAPE: Record<string, OpRule> = {
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
  flatten: {
    when: () => true,
    gen(d, v, src) {
      const r = v.shape.length;
      let a = d.chance(0.4) ? undefined : d.int(0, r);
      let ok = true;
      if (d.chance(0.06)) {
        a = r + 1;
        ok = false;
      }
      const at = a ?? 1;
      const rest = v.shape.slice(at);
      const merged: Dim = allLit(rest) ? prod(rest) : "?";
      const shape = [...v.shape.slice(0, at), merged];
      return {
        step: { op: "flatten", ins: [src], p: { a } },
        out: ok && at <= r ? { shape, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) =>
      s.p.a === undefined
        ? `tg.flatten(${name(s.ins[0])})`
        : `tg.flatten(${name(s.ins[0])}, ${s.p.a})`,
    run: (s, vals) => ops.flatten(vals[s.ins[0]], s.p.a),
  },
  broadcastTo: {
    when: (v) => v.shape.every((x) => x !== "?"),
    gen(d, v, src) {
      const lead = Array.from({ length: d.int(0, 2) }, () => d.int(1, 3));
      let target: Dim[] = [
        ...lead,
        ...v.shape.map((x) => (x === 1 && d.chance(0.5) ? d.int(2, 4) : x)),
      ];
      let ok = true;
      if (d.chance(0.1)) {
        const i = target.findIndex((x, j) => j >= lead.length && typeof x === "number" && x > 1);
        if (i >= 0) {
          target = [...target];
          target[i] = (target[i] as number) + 1;
          ok = false;
        }
      }
      return {
        step: { op: "broadcastTo", ins: [src], p: { target } },
        out: ok ? { shape: target, dtype: v.dtype } : null,
      };
    },
    emit: (s, name) => `tg.broadcastTo(${name(s.ins[0])}, ${shapeTs(s.p.target as Dim[])})`,
    run: (s, vals, b) => ops.broadcastTo(vals[s.ins[0]], concrete(s.p.target as Dim[], b)),
  },
};
