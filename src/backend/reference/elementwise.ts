/**
 * Elementwise kernels of the reference backend: `unary`, `binary`, `where` and `cast`.
 *
 * Arithmetic happens in float64; every result is then stored as its output dtype holds it
 * ({@link toDType}: `f32` rounds to nearest, `i32` truncates and wraps, `bool` is 0/1).
 * @module
 */
import type { DType } from "../../shape/dtype.js";
import type { FusedOp, ArithOp, BinaryOp, Buf, CompareOp, UnaryOp } from "../backend.js";
import { UNARY } from "../unary.js";
import { dataOf, forEachIndex, toDType } from "./storage.js";

/**
 * The scalar function that `unary(op, …)` applies: the `reference` of the op's row in
 * `../unary.ts`. For `i32` the caller wraps the result, so `neg` and `abs` of −2³¹ give −2³¹ (two's
 * complement, like Rust's `wrapping_neg`/`wrapping_abs`). `sign` gives −1, 0 or 1 (and keeps −0
 * and NaN).
 * @example
 * ```ts
 * unaryFn("logistic")(0); // 0.5
 * ```
 */
export function unaryFn(op: UnaryOp): (x: number) => number {
  return UNARY[op].reference;
}

/**
 * `out[i] = op(x[i])`, computed in float64 and stored as `out.dtype`.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const x = new RefBuf("f64", 2);
 * x.data?.set([0, 1]);
 * const out = new RefBuf("f64", 2);
 * unary("exp", x, out); // out[i] = e^{x[i]}: [1, 2.718281828459045]
 * ```
 */
export function unary(op: UnaryOp, x: Buf, out: Buf): void {
  const f = unaryFn(op);
  const xs = dataOf(x);
  const os = dataOf(out);
  for (let i = 0; i < out.size; i++) os[i] = toDType(out.dtype, f(xs[i]));
}

/**
 * `a^b` for i32 with `b` an integer: exact modulo 2³² for `b ≥ 0` (`0^0 = 1`); for `b < 0` the
 * exact value truncated toward zero (so `1`, `±1` for `a = −1`, and `0` otherwise, also for `a = 0`).
 */
function powI32(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return b % 2 === 0 ? 1 : -1;
    return 0;
  }
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e % 2 === 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

/**
 * The scalar arithmetic of `binary` for operands of `dtype`.
 *
 * Floats: IEEE float64 (`/` gives ±Infinity or NaN on division by zero), `max`/`min` propagate
 * NaN (`Math.max`/`Math.min`), `pow` is `Math.pow`.
 * i32: `add sub mul` wrap modulo 2³²; `div` truncates toward zero, `x / 0 = 0`, and
 * `−2³¹ / −1 = −2³¹` (wraps); `pow` as described in `powI32`.
 * @example
 * ```ts
 * arith("div", "i32", -7, 2); // -3
 * arith("mul", "i32", 65536, 65536); // 0
 * ```
 */
export function arith(op: ArithOp, dtype: DType, a: number, b: number): number {
  if (dtype === "i32") {
    switch (op) {
      case "add":
        return (a + b) | 0;
      case "sub":
        return (a - b) | 0;
      case "mul":
        return Math.imul(a, b);
      case "div":
        return b === 0 ? 0 : Math.trunc(a / b) | 0;
      case "max":
        return Math.max(a, b);
      case "min":
        return Math.min(a, b);
      case "pow":
        return powI32(a, b);
    }
  }
  switch (op) {
    case "add":
      return a + b;
    case "sub":
      return a - b;
    case "mul":
      return a * b;
    case "div":
      return a / b;
    case "max":
      return Math.max(a, b);
    case "min":
      return Math.min(a, b);
    case "pow":
      return a ** b;
  }
}

/**
 * A comparison as 1 (true) or 0 (false). Any comparison with NaN is false, except `ne`.
 * @example
 * ```ts
 * compare("le", 2, 2); // 1
 * ```
 */
export function compare(op: CompareOp, a: number, b: number): number {
  switch (op) {
    case "lt":
      return a < b ? 1 : 0;
    case "le":
      return a <= b ? 1 : 0;
    case "gt":
      return a > b ? 1 : 0;
    case "ge":
      return a >= b ? 1 : 0;
    case "eq":
      return a === b ? 1 : 0;
    case "ne":
      return a !== b ? 1 : 0;
  }
}

const COMPARE_OPS: readonly string[] = ["lt", "le", "gt", "ge", "eq", "ne"];

/**
 * `out[idx] = op(a[Σ idx·aStrides], b[Σ idx·bStrides])` over the contiguous output `shape`.
 * Arithmetic follows the dtype of `a` (see {@link arith}); comparisons give bool 0/1.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [a, b, out] = [new RefBuf("f32", 3), new RefBuf("f32", 2), new RefBuf("f32", 6)];
 * a.data?.set([1, 2, 3]);
 * b.data?.set([10, 20]);
 * // a row vector plus a column vector: [2, 3] = [1, 3] + [2, 1]
 * binary("add", a, b, out, [2, 3], [0, 1], [1, 0]); // out: [11, 12, 13, 21, 22, 23]
 * ```
 */
export function binary(
  op: BinaryOp,
  a: Buf,
  b: Buf,
  out: Buf,
  shape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): void {
  const as = dataOf(a);
  const bs = dataOf(b);
  const os = dataOf(out);
  const isCompare = COMPARE_OPS.includes(op);
  forEachIndex(shape, [aStrides, bStrides], (i, [ao, bo]) => {
    const v = isCompare
      ? compare(op as CompareOp, as[ao], bs[bo])
      : arith(op as ArithOp, a.dtype, as[ao], bs[bo]);
    os[i] = toDType(out.dtype, v);
  });
}

/**
 * `out[idx] = cond[idx] != 0 ? a[idx] : b[idx]`, each operand read through its own strides.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [cond, a, b, out] = [new RefBuf("bool", 4), new RefBuf("f32", 4), new RefBuf("f32", 1), new RefBuf("f32", 4)];
 * cond.data?.set([1, 0, 1, 0]);
 * a.data?.set([1, 2, 3, 4]);
 * where(cond, a, b, out, [4], [1], [1], [0]); // b is a broadcast scalar: out [1, 0, 3, 0]
 * ```
 */
export function where(
  cond: Buf,
  a: Buf,
  b: Buf,
  out: Buf,
  shape: readonly number[],
  condStrides: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
): void {
  const cs = dataOf(cond);
  const as = dataOf(a);
  const bs = dataOf(b);
  const os = dataOf(out);
  forEachIndex(shape, [condStrides, aStrides, bStrides], (i, [co, ao, bo]) => {
    os[i] = toDType(out.dtype, cs[co] !== 0 ? as[ao] : bs[bo]);
  });
}

/**
 * Converts every element to `out.dtype`: float → i32 truncates toward zero and saturates (values
 * beyond the i32 range give −2³¹ or 2³¹ − 1, NaN gives 0, as WebAssembly's `i32.trunc_sat_f32_s`
 * and Rust's `as` do); anything → bool is `!= 0`; bool → number is 0/1; f64 → f32 and i32 → f32
 * round to nearest (see {@link toDType}).
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [x, out] = [new RefBuf("f32", 3), new RefBuf("i32", 3)];
 * x.data?.set([-1.5, 2.5, 3e9]);
 * cast(x, out); // x f32 [-1.5, 2.5, 3e9] → out i32 [-1, 2, 2147483647]
 * ```
 */
export function cast(x: Buf, out: Buf): void {
  const xs = dataOf(x);
  const os = dataOf(out);
  const saturate = out.dtype === "i32";
  for (let i = 0; i < out.size; i++) {
    const v =
      saturate && !Number.isNaN(xs[i]) ? Math.min(2 ** 31 - 1, Math.max(-(2 ** 31), xs[i])) : xs[i];
    os[i] = toDType(out.dtype, v);
  }
}

/**
 * A fused elementwise chain (see `Backend.fused`): each op computed in float64 and rounded to the
 * output dtype, as the unfused kernels would store it; f32 results below the smallest normal
 * flush to 0 after every op, as in the wasm kernel.
 */
export function fused(
  ops: readonly FusedOp[],
  ins: readonly Buf[],
  outs: readonly Buf[],
  results: readonly number[],
): void {
  if (outs.length === 0) return;
  const dtype = outs[0].dtype;
  const xs = ins.map(dataOf);
  const os = outs.map(dataOf);
  const fns = ops.map(({ op }): ((a: number, b: number, c: number) => number) => {
    switch (op) {
      case "add":
      case "sub":
      case "mul":
      case "div":
      case "max":
      case "min":
        return (a, b) => arith(op, dtype, a, b);
      case "lt":
      case "le":
      case "gt":
      case "ge":
      case "eq":
      case "ne":
        return (a, b) => compare(op, a, b);
      case "where":
        return (c, a, b) => (c !== 0 ? a : b);
      case "cast":
        return (a) => a;
      default:
        return unaryFn(op);
    }
  });
  const vals = new Array<number>(ins.length + ops.length);
  const flush = dtype === "f32";
  for (let e = 0; e < outs[0].size; e++) {
    for (let i = 0; i < ins.length; i++) vals[i] = xs[i][e % ins[i].size];
    for (let j = 0; j < ops.length; j++) {
      const a = ops[j].args;
      const v = toDType(dtype, fns[j](vals[a[0]], vals[a[1] ?? a[0]], vals[a[2] ?? a[0]]));
      vals[ins.length + j] = flush && Math.abs(v) < FLT_MIN ? 0 : v;
    }
    for (let k = 0; k < outs.length; k++) os[k][e] = vals[results[k]];
  }
}

/** The smallest normal f32. */
const FLT_MIN = 2 ** -126;
