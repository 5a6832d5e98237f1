/**
 * The unary ops, one row each, in kernel-code order: everything a backend or an exporter needs to
 * know about an elementwise function of one argument. `UNARY_OPS` and the op codes (`./ops.ts`),
 * the reference backend's `unaryFn`, the WebGPU f32 expressions, the ONNX export rows and the Rust
 * dispatch of `tg_unary_f32` (generated into `wasm/src/opcodes.rs`) all derive from this table.
 *
 * A row has every field (the table `satisfies` {@link UnaryKernel}, so a missing one does not
 * compile). The Rust kernel of an op is `math::<op>` in `wasm/src/math.rs`, plus `math::<op>_v`
 * (4 lanes) when `simd` is true. Integer kernels (`neg`, `abs`, `sign` on i32) are written per
 * backend and are not part of a row.
 * @example
 * ```ts
 * UNARY.exp.reference(0); // 1
 * UNARY.exp.wgsl("v"); // "exp(v)"
 * UNARY.logistic.onnx; // "Sigmoid"
 * ```
 * @module
 */
import { erf, logistic } from "./reference/scalar.js";

/** What one unary op is, for every backend. */
export interface UnaryKernel {
  /** Its float64 value: the definition the reference backend computes and kernels are tested against. */
  readonly reference: (x: number) => number;
  /** Its f32 WGSL expression over an operand expression (helpers live in the WGSL prelude). */
  readonly wgsl: (x: string) => string;
  /** The ONNX operator (default domain) it exports as: one node, one input, one output. */
  readonly onnx: string;
  /** Whether `wasm/src/math.rs` has a 4-lane form `<op>_v` next to the scalar `<op>`. */
  readonly simd: boolean;
}

/** The rows, in code order (an op's code is its position). */
export const UNARY = {
  neg: { reference: (x) => -x, wgsl: (x) => `(-${x})`, onnx: "Neg", simd: true },
  exp: { reference: Math.exp, wgsl: (x) => `exp(${x})`, onnx: "Exp", simd: true },
  log: { reference: Math.log, wgsl: (x) => `log(${x})`, onnx: "Log", simd: true },
  sin: { reference: Math.sin, wgsl: (x) => `tg_sincos(${x}, false)`, onnx: "Sin", simd: false },
  cos: { reference: Math.cos, wgsl: (x) => `tg_sincos(${x}, true)`, onnx: "Cos", simd: false },
  tanh: { reference: Math.tanh, wgsl: (x) => `tg_tanh(${x})`, onnx: "Tanh", simd: true },
  logistic: { reference: logistic, wgsl: (x) => `tg_logistic(${x})`, onnx: "Sigmoid", simd: true },
  sqrt: { reference: Math.sqrt, wgsl: (x) => `sqrt(${x})`, onnx: "Sqrt", simd: true },
  abs: { reference: Math.abs, wgsl: (x) => `abs(${x})`, onnx: "Abs", simd: true },
  sign: { reference: Math.sign, wgsl: (x) => `tg_fsign(${x})`, onnx: "Sign", simd: false },
  floor: { reference: Math.floor, wgsl: (x) => `floor(${x})`, onnx: "Floor", simd: true },
  erf: { reference: erf, wgsl: (x) => `tg_erf(${x})`, onnx: "Erf", simd: false },
  softplus: {
    reference: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
    // log(1 + u) for u = e^{-|x|}, as log(1 + u)·u/((1 + u) − 1), exact where 1 + u rounds
    wgsl: (x) => {
      const u = `exp(-abs(${x}))`;
      return `(max(${x}, 0.0) + select(log(1.0 + ${u}) * ${u} / ((1.0 + ${u}) - 1.0), ${u}, 1.0 + ${u} == 1.0))`;
    },
    onnx: "Softplus",
    simd: false,
  },
} as const satisfies Record<string, UnaryKernel>;

/** A unary op's name. */
export type UnaryName = keyof typeof UNARY;

/**
 * `{ op: f(row) }` over every unary op: how the other tables are derived from the rows.
 * @example
 * ```ts
 * const onnxNames = unaryTable((row) => row.onnx); // { neg: "Neg", exp: "Exp", … }
 * ```
 */
export function unaryTable<V>(f: (row: UnaryKernel, op: UnaryName) => V): {
  readonly [K in UnaryName]: V;
} {
  const out = {} as { [K in UnaryName]: V };
  for (const op of Object.keys(UNARY) as UnaryName[]) out[op] = f(UNARY[op], op);
  return out;
}
