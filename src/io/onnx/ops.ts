/**
 * How each primitive becomes ONNX nodes (default domain, opset 17): one row per primitive, typed
 * over the whole primitive enum, so a new primitive without a row is a compile error. Rows that
 * cannot be exported (gradient-only and random primitives) throw an `OnnxExportError` saying why.
 *
 * Layouts: typegrad's convolution is NHWC with filters `[kh, kw, cin, cout]`; ONNX's `Conv` is NCHW
 * with `[cout, cin, kh, kw]`. The input is transposed around the `Conv` and a constant filter is
 * transposed at export time (no node).
 * @example
 * ```ts
 * // the exporter calls each row with the equation's context: this row makes one Exp node
 * const bytes = tg.io.exportOnnx((x: tg.Tensor<[3]>) => tg.exp(x), tg.zeros([3]));
 * ```
 * @module
 */
import type { ParamsOf, Prim } from "../../ir/primitive.js";
import type { Eqn, Program } from "../../ir/program.js";
import type { DType } from "../../shape/dtype.js";
import type { Attr, OnnxElem, OnnxGraph } from "./graph.js";
import { ONNX_DTYPE } from "./graph.js";
import type { SDim, Symbolic } from "./sym.js";
import { unaryTable } from "../../backend/unary.js";

/** A primitive (or a use of one) that has no ONNX form. */
export class OnnxExportError extends Error {
  override name = "OnnxExportError";
  constructor(
    /** The primitive that could not be exported. */
    readonly primitive: string,
    /** Why, without the `exportOnnx:` prefix. */
    readonly reason: string,
    /** The equation it happened in (`f32[2,4] = scatter_add f32[2,3] i32[3]`), when known. */
    readonly equation?: string,
  ) {
    super(`exportOnnx: ${reason}${equation ? ` (${equation})` : ""}`);
  }
}

/** What a row sees: the graph being built, its operands and their sizes. */
export interface OnnxCtx {
  readonly g: OnnxGraph;
  /** The opset being written (17 or later). */
  readonly opset: number;
  readonly eqn: Eqn;
  /** Value names of the equation's inputs. */
  readonly ins: readonly string[];
  /** Shapes of the inputs and outputs (sizes that follow the batch size are symbolic). */
  readonly inShapes: readonly (readonly SDim[])[];
  readonly outShapes: readonly (readonly SDim[])[];
  /** Dtypes of the inputs and outputs. */
  readonly inDtypes: readonly DType[];
  readonly outDtypes: readonly DType[];
  /** A 1-D int64 value holding `dims` (computed from the batch size where symbolic). */
  int64s(dims: readonly SDim[]): string;
  /** A rank-0 constant of `elem`. */
  scalar(value: number, elem: OnnxElem): string;
  /** `name` transposed by `perm` (folded into a new constant when `name` is a constant). */
  transpose(name: string, perm: readonly number[]): string;
  /** Lowers a Program into graph `g` with `inputs` bound to its inputs; returns its outputs' names. */
  lower(p: Program, g: OnnxGraph, inputs: readonly string[]): string[];
}

/** One row: the ONNX values of the equation's outputs. */
export type OnnxRule<P extends Prim> = (
  c: OnnxCtx,
  params: ParamsOf<P>,
  sym: Symbolic<ParamsOf<P>>,
) => string[];

const unary =
  (op: string): OnnxRule<Prim> =>
  (c) =>
    c.g.node(op, c.ins);

const binary = unary;

/** Why random primitives are not exported. */
export const RANDOM_REASON =
  "random numbers do not carry over to ONNX; export the model in inference mode (no training: true, no dropout key)";

const unsupported =
  (why: string): OnnxRule<Prim> =>
  (c) => {
    throw new OnnxExportError(c.eqn.prim, `the primitive ${c.eqn.prim} cannot be exported: ${why}`);
  };

const reduceAxes =
  (op: "ReduceSum" | "ReduceMax" | "ReduceMin"): OnnxRule<"reduce_sum"> =>
  (c, { axes }) => {
    if (axes.length === 0) return c.g.node("Identity", c.ins);
    // opset 13+: ReduceSum takes the axes as an input; ReduceMax/ReduceMin do from opset 18 only
    if (op === "ReduceSum" || c.opset >= 18)
      return c.g.node(op, [c.ins[0], c.g.int64s(axes)], { keepdims: { i: 0 } });
    return c.g.node(op, [c.ins[0]], { axes: { ints: axes }, keepdims: { i: 0 } });
  };

const argReduce =
  (op: "ArgMax" | "ArgMin"): OnnxRule<"argmax"> =>
  (c, { axis }) => {
    const [i64] = c.g.node(op, c.ins, {
      axis: { i: axis },
      keepdims: { i: 0 },
      select_last_index: { i: 0 },
    });
    return c.g.node("Cast", [i64], { to: { i: ONNX_DTYPE[c.outDtypes[0]] } });
  };

/** NHWC → NCHW and back. */
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** HWIO → OIHW (also the layout ConvTranspose wants for the forward filter). */
const TO_OIHW = [3, 2, 0, 1];

function conv4d(c: OnnxCtx): void {
  if (c.inShapes[0].length !== 4 || c.inShapes[1].length !== 4)
    throw new OnnxExportError(
      c.eqn.prim,
      `${c.eqn.prim} exports for 4-D NHWC inputs and 4-D filters only (got ranks ${c.inShapes[0].length} and ${c.inShapes[1].length})`,
    );
}

function kernelSize(c: OnnxCtx): [number, number] {
  const w = c.inShapes[1];
  if (typeof w[0] !== "number" || typeof w[1] !== "number")
    throw new OnnxExportError(c.eqn.prim, "the filter's size follows the batch size");
  return [w[0], w[1]];
}

/** The rows, one per primitive. */
export const onnxOps: { [P in Prim]: OnnxRule<P> } = {
  // elementwise, one argument: one node each, named in the op's row (src/backend/unary.ts)
  ...unaryTable((row) => unary(row.onnx)),
  // elementwise, two arguments: ONNX broadcasts as numpy does
  add: binary("Add"),
  sub: binary("Sub"),
  mul: binary("Mul"),
  div: binary("Div"),
  max: binary("Max"),
  min: binary("Min"),
  pow: binary("Pow"),
  lt: binary("Less"),
  le: binary("LessOrEqual"),
  gt: binary("Greater"),
  ge: binary("GreaterOrEqual"),
  eq: binary("Equal"),
  ne: (c) => c.g.node("Not", c.g.node("Equal", c.ins)),
  where: unary("Where"),
  cast: (c, { dtype }) => c.g.node("Cast", c.ins, { to: { i: ONNX_DTYPE[dtype] } }),
  stop_gradient: unary("Identity"),
  // reductions
  reduce_sum: reduceAxes("ReduceSum"),
  reduce_max: reduceAxes("ReduceMax"),
  reduce_min: reduceAxes("ReduceMin"),
  argmax: argReduce("ArgMax"),
  argmin: argReduce("ArgMin"),
  // movement
  reshape: (c, _p, { shape }) => {
    const zero = shape.some((d) => d === 0);
    return c.g.node("Reshape", [c.ins[0], c.int64s(shape)], zero ? { allowzero: { i: 1 } } : {});
  },
  transpose: (c, { perm }) => c.g.node("Transpose", c.ins, { perm: { ints: perm } }),
  broadcast_to: (c, _p, { shape }) => c.g.node("Expand", [c.ins[0], c.int64s(shape)]),
  slice: (c, _p, { starts, ends, steps }) => {
    // only the axes that are cut: a whole axis (possibly of batch size) needs no size at all
    const dims = c.inShapes[0];
    const axes = [...dims.keys()].filter(
      (i) => !(starts[i] === 0 && sameDim(ends[i], dims[i]) && steps[i] === 1),
    );
    if (axes.length === 0) return c.g.node("Identity", c.ins);
    return c.g.node("Slice", [
      c.ins[0],
      c.int64s(axes.map((i) => starts[i])),
      c.int64s(axes.map((i) => ends[i])),
      c.g.int64s(axes),
      c.int64s(axes.map((i) => steps[i])),
    ]);
  },
  pad: (c, { interior, value }, { lo, hi }) => {
    if (interior.some((k) => k !== 0))
      throw new OnnxExportError(
        "pad",
        "pad with interior padding (the transpose of a strided slice, made by gradients) has no ONNX form",
      );
    const elem = c.inDtypes[0];
    return c.g.node("Pad", [c.ins[0], c.int64s([...lo, ...hi]), c.scalar(value, elem)], {
      mode: { s: "constant" },
    });
  },
  concat: (c, { axis }) => c.g.node("Concat", c.ins, { axis: { i: axis } }),
  // linear algebra: ONNX MatMul broadcasts batch axes as numpy.matmul does
  matmul: (c, { transA, transB }) => {
    const swap = (name: string, rank: number) =>
      c.transpose(name, [...Array(rank - 2).keys(), rank - 1, rank - 2]);
    const a = transA ? swap(c.ins[0], c.inShapes[0].length) : c.ins[0];
    const b = transB ? swap(c.ins[1], c.inShapes[1].length) : c.ins[1];
    return c.g.node("MatMul", [a, b]);
  },
  // convolution: NHWC around an NCHW Conv; pads [top, bottom, left, right] → [top, left, bottom, right]
  conv2d: (c, { strides, pads }) => {
    conv4d(c);
    const [x] = c.g.node("Transpose", [c.ins[0]], { perm: { ints: TO_NCHW } }, ["nchw"]);
    const w = c.transpose(c.ins[1], TO_OIHW);
    const [y] = c.g.node("Conv", [x, w], {
      kernel_shape: { ints: kernelSize(c) },
      strides: { ints: strides },
      pads: { ints: [pads[0], pads[2], pads[1], pads[3]] },
    });
    return c.g.node("Transpose", [y], { perm: { ints: TO_NHWC } }, ["nhwc"]);
  },
  // the transposed convolution: ConvTranspose takes the forward filter in OIHW as it is
  conv2d_bp_input: (c, { strides, pads, inShape }) => {
    conv4d(c);
    const [kh, kw] = kernelSize(c);
    const [, ho, wo] = c.inShapes[0];
    if (typeof ho !== "number" || typeof wo !== "number")
      throw new OnnxExportError("conv2d_bp_input", "the image size follows the batch size");
    const outPad = [
      inShape[1] - (strides[0] * (ho - 1) + kh - pads[0] - pads[1]),
      inShape[2] - (strides[1] * (wo - 1) + kw - pads[2] - pads[3]),
    ];
    const [x] = c.g.node("Transpose", [c.ins[0]], { perm: { ints: TO_NCHW } }, ["nchw"]);
    const w = c.transpose(c.ins[1], TO_OIHW);
    const [y] = c.g.node("ConvTranspose", [x, w], {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: strides },
      pads: { ints: [pads[0], pads[2], pads[1], pads[3]] },
      output_padding: { ints: outPad },
    });
    return c.g.node("Transpose", [y], { perm: { ints: TO_NHWC } }, ["nhwc"]);
  },
  conv2d_bp_filter: unsupported(
    "it is the gradient of conv2d with respect to its filter; export the forward function",
  ),
  // indexing
  gather: (c, { axis }) => c.g.node("Gather", c.ins, { axis: { i: axis } }),
  scatter_add: unsupported(
    "it is the gradient of gather; export the forward function (an embedding exports as Gather)",
  ),
  // randomness: inference graphs have none
  random_bits: unsupported(RANDOM_REASON),
  random_uniform: unsupported(RANDOM_REASON),
  // control flow
  scan: scanRule,
  custom_vjp: (c, { fn }) => c.lower(fn, c.g, c.ins),
  fused: (c, { body }) => c.lower(body, c.g, c.ins),
};

function sameDim(a: SDim, b: SDim): boolean {
  if (typeof a === "number" || typeof b === "number") return a === b;
  return a.k === b.k && a.c === b.c;
}

/**
 * `scan` as an ONNX `Scan`: carries are its state variables, the sequences its scan inputs (axis
 * 0), and the body's constants are read from the enclosing graph by name.
 */
function scanRule(c: OnnxCtx, { body, numConsts, numCarry, reverse }: ParamsOf<"scan">): string[] {
  const nx = body.inputs.length - numConsts - numCarry;
  if (nx === 0)
    throw new OnnxExportError(
      "scan",
      "a scan over no sequence (only a length) has no ONNX Scan form; pass the sequence as xs",
    );
  const sub = c.g.subgraph("scan_body");
  const bodyIns = body.inputs.map((v, i) => {
    if (i < numConsts) return c.ins[i];
    const dims = c.inShapes[i].slice(i < numConsts + numCarry ? 0 : 1);
    return sub.input(i < numConsts + numCarry ? "carry" : "x_t", v.aval.dtype, dims);
  });
  const outs = c.lower(body, sub, bodyIns);
  body.outputs.forEach((v, j) => {
    const dims = c.outShapes[j].slice(j < numCarry ? 0 : 1);
    sub.output(outs[j], j < numCarry ? "carry_out" : "y_t", v.aval.dtype, dims);
  });
  const ny = body.outputs.length - numCarry;
  const attrs: Record<string, Attr> = { body: { g: sub }, num_scan_inputs: { i: nx } };
  if (reverse) {
    attrs.scan_input_directions = { ints: Array(nx).fill(1) };
    if (ny > 0) attrs.scan_output_directions = { ints: Array(ny).fill(1) };
  }
  return c.g.node("Scan", c.ins.slice(numConsts), attrs, [
    ...Array(numCarry).fill("scan_carry"),
    ...Array(ny).fill("scan_ys"),
  ]);
}
