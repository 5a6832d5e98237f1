/**
 * The closed set of primitives and the shape of the rules each one carries.
 *
 * Every other operation (relu, softmax, losses, layers) is composed from these. The rules of each
 * primitive live beside it in one file per family under `src/prims/`, and `src/prims/table.ts`
 * gathers them in a table typed over this whole enum, so a missing rule is a compile error.
 * @module
 */
import type { Backend, Buf, FusedOp } from "../backend/backend.js";
import type { ArithOp, CompareOp, UnaryOp } from "../backend/ops.js";
import type { DType } from "../shape/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Aval, Program } from "./program.js";

/**
 * Parameters of each primitive. The elementwise ones (no parameters) come from the op list in
 * `src/backend/ops.ts`: adding a unary, arithmetic or comparison op there declares its primitive.
 */
export interface ParamsMap extends Record<UnaryOp, {}>, Record<ArithOp, {}>, Record<CompareOp, {}> {
  where: {};
  cast: { dtype: DType };
  stop_gradient: {};
  // reductions
  reduce_sum: { axes: readonly number[] };
  reduce_max: { axes: readonly number[] };
  reduce_min: { axes: readonly number[] };
  argmax: { axis: number };
  argmin: { axis: number };
  // movement
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  broadcast_to: { shape: readonly number[] };
  slice: { starts: readonly number[]; ends: readonly number[]; steps: readonly number[] };
  pad: { lo: readonly number[]; hi: readonly number[]; interior: readonly number[]; value: number };
  concat: { axis: number };
  // linear algebra
  matmul: { transA: boolean; transB: boolean };
  // convolution (NHWC, filter [kh, kw, cin, cout]); pads are [top, bottom, left, right]
  conv2d: { strides: readonly [number, number]; pads: readonly [number, number, number, number] };
  conv2d_bp_input: {
    strides: readonly [number, number];
    pads: readonly [number, number, number, number];
    inShape: readonly number[];
  };
  conv2d_bp_filter: {
    strides: readonly [number, number];
    pads: readonly [number, number, number, number];
    filterShape: readonly number[];
  };
  // indexing
  gather: { axis: number };
  scatter_add: { axis: number; axisLen: number };
  // randomness (keys are i32 [..., 2])
  random_bits: { shape: readonly number[] };
  random_uniform: { shape: readonly number[]; dtype: DType };
  // control flow and custom rules
  scan: ScanParams;
  custom_vjp: CustomVjpParams;
  // lowering: a chain of elementwise equations run as one kernel
  fused: FusedParams;
}

/**
 * Parameters of `fused` (made by the lowering pass `fuse-elementwise`, never by users): an f32 op
 * list over the inputs, the values it returns, and the sub-program it replaces (the derivative
 * and batching rules defer to it).
 */
export interface FusedParams {
  /** Value `i < inputs` is input `i`; value `inputs + j` is the result of `ops[j]`. */
  ops: readonly FusedOp[];
  /** The values returned, one per output (distinct op values, the last op's value last). */
  results: readonly number[];
  /** body(inputs…) → outputs: the equations the op list stands for. */
  body: Program;
}

/** Parameters of `scan`: a loop whose body is a Program, run `length` times. */
export interface ScanParams {
  /** body(consts..., carry..., x_t...) → (carry..., y_t...) */
  body: Program;
  length: number;
  numConsts: number;
  numCarry: number;
  reverse: boolean;
}

/** Parameters of `custom_vjp`: a function with a user-given backward rule. */
export interface CustomVjpParams {
  /** The traced forward function: inputs → outputs. */
  fn: Program;
  /** Backward: (inputs, outputs, output cotangents) → input cotangents, written with tensor ops. */
  bwd: (inputs: Tensor[], outputs: Tensor[], cts: Tensor[]) => (Tensor | null)[];
  name: string;
}

/** A primitive's name. */
export type Prim = keyof ParamsMap;
/** The params type of primitive `P`. */
export type ParamsOf<P extends Prim> = ParamsMap[P];

/** A value that may be absent: a symbolic zero tangent or cotangent. */
export type Maybe<T> = T | null;

/**
 * A kernel call whose geometry (broadcast strides, collapsed shapes, convolution sizes) was
 * computed in advance from the operands' avals and the params: plans and the eager path call it
 * once per execution without recomputing anything.
 */
export type Kernel = (backend: Backend, ins: Buf[], outs: Buf[]) => void;

/** Everything typegrad knows about one primitive. */
export interface PrimRule<P extends Prim> {
  /** The shape and dtype rule. Throws ShapeError/DTypeError naming the op on bad input. */
  abstractEval(avals: Aval[], params: ParamsOf<P>): Aval[];
  /**
   * The kernel binding: the call for these avals and params, its geometry (broadcast strides,
   * collapsed shapes, convolution sizes) computed once. Plans bind each step once; the eager path
   * caches bound kernels per signature.
   */
  kernel(avals: Aval[], params: ParamsOf<P>): Kernel;
  /** Whether the kernel writes every element of its outputs (they then need no zero-fill). */
  overwrites?: boolean;
  /** Optional eager override that bypasses the kernel (reshape shares storage; scan loops). */
  eager?(inputs: Tensor[], params: ParamsOf<P>): Tensor[];
  /** Forward mode: tangents of the outputs, given primals, their tangents and the primal outputs. */
  jvp(
    primals: Tensor[],
    tangents: Maybe<Tensor>[],
    params: ParamsOf<P>,
    outs: Tensor[],
  ): Maybe<Tensor>[];
  /** Reverse mode: cotangents of the inputs, given cotangents of the outputs. */
  vjp(
    cts: Maybe<Tensor>[],
    primals: Tensor[],
    outs: Tensor[],
    params: ParamsOf<P>,
  ): Maybe<Tensor>[];
  /** Batching: given inputs with a batch axis at `dims[i]` (null: unbatched), the outputs and their batch axes. */
  batch(args: Tensor[], dims: Maybe<number>[], params: ParamsOf<P>): [Tensor[], Maybe<number>[]];
}

/** The rule table type: one rule for every primitive. */
export type RuleTable = { [P in Prim]: PrimRule<P> };

/**
 * The kernel of `rule` bound to `avals` and `params`.
 * @example
 * ```ts
 * import { rules } from "./rules.js";
 * import { referenceBackend as backend } from "../backend/reference.js";
 * import { RefBuf } from "../backend/reference/storage.js";
 * const [x, y] = [new RefBuf("f32", 4), new RefBuf("f32", 4)];
 * const k = prepareKernel(rules().exp, [{ shape: [4], dtype: "f32" }], {});
 * k(backend, [x], [y]); // y[i] = e^{x[i]}
 * ```
 */
export function prepareKernel<P extends Prim>(
  rule: PrimRule<P>,
  avals: Aval[],
  params: ParamsOf<P>,
): Kernel {
  return rule.kernel(avals, params);
}
