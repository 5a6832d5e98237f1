/**
 * WGSL generation for the elementwise kernels of the webgpu backend: one expression per op of
 * the op list (`../ops.ts`), typed as a table over its op-name types, so an op added there without
 * a WGSL expression here is a compile error. Kernels are generated per op (and per dtype and
 * aliasing of their buffers) and compiled once.
 *
 * Every kernel runs one invocation per output element in workgroups of 256, numbered over a 2-D
 * grid (see `grid` in `device.ts`); `prm` (i32) holds the element count first, then the kernel's
 * sizes and strides.
 * @module
 */
import type { DType } from "../../shape/dtype.js";
import type { ArithOp, CompareOp, FusedOpName, UnaryOp } from "../ops.js";
import { unaryTable } from "../unary.js";
import type { GpuBuf } from "./buffers.js";
import { POW_WGSL } from "./pow-wgsl.js";

/** The WGSL element type that stores a dtype (bool is a u32 0/1). */
export function wgslType(d: DType): "f32" | "i32" | "u32" {
  return d === "f32" ? "f32" : d === "i32" ? "i32" : "u32";
}

/**
 * Helper functions every generated kernel may call (WGSL drops unused ones).
 *
 * `tg_pow` (from `pow-wgsl.ts`) is as accurate as wasm's pow (computed in f64): integer
 * exponents square in double-f32, other exponents go through `log2` and `exp2` in double-f32 (a
 * value as hi + lo, each product's rounding error recovered exactly by Dekker's splitting:
 * SwiftShader's `fma` is not fused), within 1 ulp of the correctly rounded result, with wasm's
 * special values. WGSL's `pow` is `exp2(b·log2(a))` in f32, off by 1e-5 on SwiftShader (Adam's
 * bias corrections `1 − βᵗ` turned that into a 3e-5 error of every step) and by far more for
 * large |b|.
 */
export const PRELUDE = `
fn tg_ftz(v: f32) -> f32 {
  return select(v, bitcast<f32>(bitcast<u32>(v) & 0x80000000u), abs(v) < 1.17549435e-38);
}
fn tg_logistic(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tg_tanh(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
fn tg_erf(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - p * exp(-a * a);
  return select(-r, r, x >= 0.0);
}
${POW_WGSL}
fn tg_idiv(a: i32, b: i32) -> i32 { return select(a / b, 0, b == 0); }
fn tg_ipow(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(-1, 1, (b & 1) == 0); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}
fn tg_f2i(x: f32) -> i32 {
  if (x != x) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return -2147483647 - 1; }
  return i32(x);
}
fn tg_sincos(x: f32, cosine: bool) -> f32 {
  let k = round(x * 0.63661977236758134);
  let r = (x - k * 1.5707963705062866) + k * 4.371139000186243e-8;
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-1.984126984126984e-4 + r2 * 2.7557319223985893e-6))));
  let c = 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * (2.48015873015873e-5 - r2 * 2.755731922398589e-7))));
  let q = (i32(k) + select(0, 1, cosine)) & 3;
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
fn tg_fsign(x: f32) -> f32 { return select(sign(x), x, x == 0.0 || x != x); }
`;

/** f32 expressions of the unary ops, over an operand expression (the rows of `../unary.ts`). */
export const UNARY_F32: { readonly [K in UnaryOp]: (x: string) => string } = unaryTable(
  (row) => row.wgsl,
);

/** i32 expressions of the unary ops that integers have (the others throw, as on wasm). */
export const UNARY_I32: { readonly [K in UnaryOp]?: (x: string) => string } = {
  neg: (x) => `(-${x})`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `sign(${x})`,
};

/** f32 expressions of the arithmetic ops. */
export const ARITH_F32: { readonly [K in ArithOp]: (a: string, b: string) => string } = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  max: (a, b) => `max(${a}, ${b})`,
  min: (a, b) => `min(${a}, ${b})`,
  pow: (a, b) => `tg_pow(${a}, ${b})`,
};

/** i32 expressions of the arithmetic ops (WGSL's i32 `+ - *` wrap modulo 2³²). */
export const ARITH_I32: { readonly [K in ArithOp]: (a: string, b: string) => string } = {
  ...ARITH_F32,
  div: (a, b) => `tg_idiv(${a}, ${b})`,
  pow: (a, b) => `tg_ipow(${a}, ${b})`,
};

/** Comparisons as WGSL bool expressions. */
export const COMPARE: { readonly [K in CompareOp]: (a: string, b: string) => string } = {
  lt: (a, b) => `(${a} < ${b})`,
  le: (a, b) => `(${a} <= ${b})`,
  gt: (a, b) => `(${a} > ${b})`,
  ge: (a, b) => `(${a} >= ${b})`,
  eq: (a, b) => `(${a} == ${b})`,
  ne: (a, b) => `(${a} != ${b})`,
};

/**
 * An expression converting a value stored as `from` to the storage of `to` (float → i32
 * truncates toward zero and saturates, NaN → 0; anything → bool is `!= 0`).
 */
export function convert(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return from === "f32" ? `u32(${x} != 0.0)` : `u32(${x} != 0)`;
  if (to === "f32") return `f32(${x})`;
  if (from === "f32") return `tg_f2i(${x})`;
  return `i32(${x})`;
}

/** A buffer operand of a kernel: read only, or written. */
export interface Operand {
  buf: GpuBuf;
  write: boolean;
}

/** Bindings of a kernel: one per distinct buffer (a buffer both read and written is bound once). */
export interface Bindings {
  /** The WGSL declarations, `prm` last. */
  decls: string;
  /** The variable name of each operand, in operand order. */
  names: string[];
  /** The distinct buffers (the roots of views), in binding order. */
  buffers: GpuBuf[];
  /** Where each binding's operands start in its buffer, in elements (non-zero for views). */
  offsets: number[];
}

/**
 * The bindings of `operands`: distinct buffers get bindings `0…`, then `prm` (`array<i32>`). A
 * view binds its root buffer; its offset is added to every index by {@link addOffsets}.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const [x, out] = [newGpuBuf("f32", 4), newGpuBuf("f32", 4)];
 * bindings([{ buf: x, write: false }, { buf: out, write: true }]).names; // ["b0", "b1"]
 * ```
 */
export function bindings(operands: readonly Operand[]): Bindings {
  const buffers: GpuBuf[] = [];
  const offsets: number[] = [];
  const writes: boolean[] = [];
  const names = operands.map(({ buf, write }) => {
    const root = buf.root ?? buf;
    let k = buffers.indexOf(root);
    if (k < 0) {
      k = buffers.length;
      buffers.push(root);
      offsets.push(buf.offset);
      writes.push(write);
    } else {
      if (offsets[k] !== buf.offset) {
        throw new Error(
          `webgpu: one kernel uses views of one buffer at offsets ${offsets[k]} and ${buf.offset}; not supported yet`,
        );
      }
      writes[k] ||= write;
    }
    return `b${k}`;
  });
  const decls = buffers.map(
    (b, k) =>
      `@group(0) @binding(${k}) var<storage, ${writes[k] ? "read_write" : "read"}> b${k}: array<${wgslType(b.dtype)}>;`,
  );
  decls.push(`@group(0) @binding(${buffers.length}) var<storage, read> prm: array<i32>;`);
  return { decls: decls.join("\n"), names, buffers, offsets };
}

/**
 * Rewrites every index `b<k>[e]` of a binding with a non-zero offset as
 * `b<k>[u32(prm[at + k]) + u32(e)]`, so a view's kernel reads and writes its part of the root
 * buffer; the caller appends `offsets` to the parameters at `at`. Unchanged without views.
 * @example
 * ```ts
 * addOffsets("b0[i] = 1.0;", [3], 2); // "b0[u32(prm[2]) + u32(i)] = 1.0;"
 * ```
 */
export function addOffsets(code: string, offsets: readonly number[], at: number): string {
  let out = code;
  offsets.forEach((off, k) => {
    if (off === 0) return;
    const open = new RegExp(`\\bb${k}\\[`, "g");
    let m: RegExpExecArray | null;
    let from = 0;
    for (;;) {
      open.lastIndex = from;
      m = open.exec(out);
      if (m === null) break;
      const start = m.index + m[0].length;
      let depth = 1;
      let end = start;
      while (depth > 0) {
        const c = out[end++];
        if (c === "[") depth++;
        else if (c === "]") depth--;
      }
      const expr = out.slice(start, end - 1);
      const wrapped = `u32(prm[${at + k}]) + u32(${expr})`;
      out = out.slice(0, start) + wrapped + out.slice(end - 1);
      // nested indices of the same binding are rewritten by the next matches
      from = start;
    }
  });
  return out;
}

/**
 * A kernel of one invocation per element `i < prm[0]`, around `body`.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const b = bindings([{ buf: newGpuBuf("f32", 8), write: false }, { buf: newGpuBuf("f32", 8), write: true }]);
 * elementKernel(b, "b1[i] = b0[i];");
 * ```
 */
export function elementKernel(b: Bindings, body: string): string {
  return `${b.decls}
${PRELUDE}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nw.x + wid.x) * 256u + li;
  if (i >= u32(prm[0])) { return; }
${body}
}`;
}

/** f32 expression of a value stored as `d`. */
export function asF32(x: string, d: DType): string {
  return d === "f32" ? x : `f32(${x})`;
}

/** The f32 expression of one op of a fused chain over the expressions of its arguments. */
export function fusedExpr(op: FusedOpName, a: string, b: string, c: string): string {
  switch (op) {
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "max":
    case "min":
      return ARITH_F32[op](a, b);
    case "lt":
    case "le":
    case "gt":
    case "ge":
    case "eq":
    case "ne":
      return `select(0.0, 1.0, ${COMPARE[op](a, b)})`;
    case "where":
      return `select(${c}, ${b}, ${a} != 0.0)`;
    case "cast":
      return a;
    default:
      return UNARY_F32[op](a);
  }
}
