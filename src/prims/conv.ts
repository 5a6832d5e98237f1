/**
 * 2-D convolution in NHWC layout with an HWIO filter `[kh, kw, cin, cout]`, and its two
 * gradients as primitives of their own (each the transpose of the convolution in one argument).
 * @module
 */
import type { Conv2dGeometry } from "../backend/backend.js";
import type { Maybe, PrimRule } from "../ir/primitive.js";
import type { Aval } from "../ir/program.js";
import { bind1 } from "../ir/trace.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { add } from "./elementwise.js";
import { batchByUnrolling } from "./batching.js";
import { moveAxisTo, reshape } from "./movement.js";
import { requireDtype, sameDtype } from "./shapes.js";

type Strides = readonly [number, number];
type Pads = readonly [number, number, number, number];

/** Output size of one spatial axis. */
export function convOutSize(
  size: number,
  k: number,
  stride: number,
  lo: number,
  hi: number,
): number {
  return Math.floor((size + lo + hi - k) / stride) + 1;
}

/** Padding `[top, bottom, left, right]` for "valid" or "same" (TensorFlow's rule: extra goes after). */
export function convPads(
  mode: "valid" | "same",
  h: number,
  w: number,
  kh: number,
  kw: number,
  strides: Strides,
): Pads {
  if (mode === "valid") return [0, 0, 0, 0];
  const total = (size: number, k: number, s: number) =>
    Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
  const th = total(h, kh, strides[0]);
  const tw = total(w, kw, strides[1]);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

/** Checks shapes and returns the geometry of `conv2d(x, w)`. */
export function convGeometry(
  op: string,
  x: readonly number[],
  w: readonly number[],
  strides: Strides,
  pads: Pads,
): Conv2dGeometry {
  if (x.length !== 4)
    throw new ShapeError(op, `input must be [batch, height, width, channels], got ${fmt(x)}`);
  if (w.length !== 4) throw new ShapeError(op, `filter must be [kh, kw, cin, cout], got ${fmt(w)}`);
  if (x[3] !== w[2])
    throw new ShapeError(
      op,
      `input has ${x[3]} channels but the filter expects ${w[2]} (input ${fmt(x)}, filter ${fmt(w)})`,
    );
  if (!(strides[0] >= 1 && strides[1] >= 1))
    throw new ShapeError(op, `strides ${fmt(strides)} must be ≥ 1`);
  const outH = convOutSize(x[1], w[0], strides[0], pads[0], pads[1]);
  const outW = convOutSize(x[2], w[1], strides[1], pads[2], pads[3]);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      op,
      `filter ${w[0]}x${w[1]} is larger than the padded input ${x[1]}x${x[2]} (input ${fmt(x)})`,
    );
  }
  return {
    batch: x[0],
    inH: x[1],
    inW: x[2],
    inC: x[3],
    outH,
    outW,
    outC: w[3],
    kH: w[0],
    kW: w[1],
    strideH: strides[0],
    strideW: strides[1],
    padTop: pads[0],
    padLeft: pads[2],
  };
}

/** The convolution primitive on explicit pads. */
export function conv2dPrim(x: T, w: T, strides: Strides, pads: Pads): T {
  return bind1("conv2d", [x, w], { strides, pads });
}
const bpInput = (dy: T, w: T, strides: Strides, pads: Pads, inShape: readonly number[]) =>
  bind1("conv2d_bp_input", [dy, w], { strides, pads, inShape });
const bpFilter = (x: T, dy: T, strides: Strides, pads: Pads, filterShape: readonly number[]) =>
  bind1("conv2d_bp_filter", [x, dy], { strides, pads, filterShape });

function checkOut(op: string, g: Conv2dGeometry, dy: Aval): void {
  const want = [g.batch, g.outH, g.outW, g.outC];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      op,
      `output gradient ${fmt(dy.shape)} does not match the convolution output ${fmt(want)}`,
    );
  }
}

/** Batching of conv2d when only the input is batched: fold the batch into N. */
function batchConvInput(
  args: T[],
  dims: Maybe<number>[],
  params: { strides: Strides; pads: Pads },
): [T[], Maybe<number>[]] {
  const [x, w] = args;
  if (dims[1] !== null) return batchByUnrolling("conv2d", args, dims, params);
  const xf = moveAxisTo(x, dims[0]!, 0);
  const folded = reshape(xf, [-1, ...xf.shape.slice(2)]);
  const y = conv2dPrim(folded, w, params.strides, params.pads);
  return [[reshape(y, [xf.shape[0], xf.shape[1], ...y.shape.slice(1)])], [0]];
}

/** The convolution rules. */
export const convRules: {
  conv2d: PrimRule<"conv2d">;
  conv2d_bp_input: PrimRule<"conv2d_bp_input">;
  conv2d_bp_filter: PrimRule<"conv2d_bp_filter">;
} = {
  conv2d: {
    abstractEval: ([x, w], { strides, pads }) => {
      const dtype = sameDtype("conv2d", [x, w]);
      requireDtype("conv2d", dtype, ["f32", "f64"]);
      const g = convGeometry("conv2d", x.shape, w.shape, strides, pads);
      return [{ shape: [g.batch, g.outH, g.outW, g.outC], dtype }];
    },
    kernel: ([ax, aw], { strides, pads }) => {
      const g = convGeometry("conv2d", ax.shape, aw.shape, strides, pads);
      return (be, [x, w], [y]) => be.conv2d(x, w, y, g);
    },
    jvp: ([x, w], [tx, tw], { strides, pads }) => {
      const a = tx ? conv2dPrim(tx, w, strides, pads) : null;
      const b = tw ? conv2dPrim(x, tw, strides, pads) : null;
      return [a && b ? add(a, b) : (a ?? b)];
    },
    vjp: ([ct], [x, w], _y, { strides, pads }) =>
      ct
        ? [bpInput(ct, w, strides, pads, x.shape), bpFilter(x, ct, strides, pads, w.shape)]
        : [null, null],
    batch: batchConvInput,
  },
  conv2d_bp_input: {
    abstractEval: ([dy, w], { strides, pads, inShape }) => {
      const dtype = sameDtype("conv2d_bp_input", [dy, w]);
      checkOut(
        "conv2d_bp_input",
        convGeometry("conv2d_bp_input", inShape, w.shape, strides, pads),
        dy,
      );
      return [{ shape: inShape, dtype }];
    },
    kernel: ([, aw], { strides, pads, inShape }) => {
      const g = convGeometry("conv2d_bp_input", inShape, aw.shape, strides, pads);
      return (be, [dy, w], [dx]) => be.conv2dBackpropInput(dy, w, dx, g);
    },
    jvp: ([dy, w], [tdy, tw], { strides, pads, inShape }) => {
      const a = tdy ? bpInput(tdy, w, strides, pads, inShape) : null;
      const b = tw ? bpInput(dy, tw, strides, pads, inShape) : null;
      return [a && b ? add(a, b) : (a ?? b)];
    },
    vjp: ([ct], [dy, w], _y, { strides, pads }) =>
      ct
        ? [conv2dPrim(ct, w, strides, pads), bpFilter(ct, dy, strides, pads, w.shape)]
        : [null, null],
    batch: (args, dims, params) => batchByUnrolling("conv2d_bp_input", args, dims, params),
  },
  conv2d_bp_filter: {
    abstractEval: ([x, dy], { strides, pads, filterShape }) => {
      const dtype = sameDtype("conv2d_bp_filter", [x, dy]);
      checkOut(
        "conv2d_bp_filter",
        convGeometry("conv2d_bp_filter", x.shape, filterShape, strides, pads),
        dy,
      );
      return [{ shape: filterShape, dtype }];
    },
    kernel: ([ax], { strides, pads, filterShape }) => {
      const g = convGeometry("conv2d_bp_filter", ax.shape, filterShape, strides, pads);
      return (be, [x, dy], [dw]) => be.conv2dBackpropFilter(x, dy, dw, g);
    },
    jvp: ([x, dy], [tx, tdy], { strides, pads, filterShape }) => {
      const a = tx ? bpFilter(tx, dy, strides, pads, filterShape) : null;
      const b = tdy ? bpFilter(x, tdy, strides, pads, filterShape) : null;
      return [a && b ? add(a, b) : (a ?? b)];
    },
    vjp: ([ct], [x, dy], _y, { strides, pads }) =>
      ct
        ? [bpInput(dy, ct, strides, pads, x.shape), conv2dPrim(x, ct, strides, pads)]
        : [null, null],
    batch: (args, dims, params) => batchByUnrolling("conv2d_bp_filter", args, dims, params),
  },
};
