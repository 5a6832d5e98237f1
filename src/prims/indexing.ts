/**
 * Indexing primitives: `gather` (take rows by index along an axis) and its transpose `scatter_add`.
 * @module
 */
import type { Backend, Buf } from "../backend/backend.js";
import type { Maybe, PrimRule } from "../ir/primitive.js";
import { bind1 } from "../ir/trace.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { batchByUnrolling } from "./batching.js";
import { moveAxisTo } from "./movement.js";
import { normAxis, prod } from "./shapes.js";

/** `x` indexed by the i32 tensor `idx` along `axis`: shape `x[:axis] + idx + x[axis+1:]`. */
export function gather(x: T, idx: T, axis = 0): T {
  return bind1("gather", [x, idx], { axis: normAxis("gather", axis, x.rank) });
}

/** The transpose of `gather`: adds rows of `upd` into a zero tensor with `axisLen` rows along `axis`. */
export function scatterAdd(upd: T, idx: T, axis: number, axisLen: number): T {
  return bind1("scatter_add", [upd, idx], { axis, axisLen });
}

function checkIndices(op: string, be: Backend, idx: Buf, axisLen: number): void {
  const v = be.view(idx);
  for (let i = 0; i < v.length; i++) {
    const j = v[i];
    if (!(j >= 0 && j < axisLen))
      throw new ShapeError(op, `index ${j} at position ${i} is out of range [0, ${axisLen})`);
  }
}

/** The indexing rules. */
export const indexingRules: { gather: PrimRule<"gather">; scatter_add: PrimRule<"scatter_add"> } = {
  gather: {
    abstractEval: ([x, idx], { axis }) => {
      if (idx.dtype !== "i32")
        throw new DTypeError("gather", `indices must be i32, got ${idx.dtype}`);
      if (axis < 0 || axis >= x.shape.length)
        throw new ShapeError("gather", `axis ${axis} is out of range for ${fmt(x.shape)}`);
      return [
        {
          shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
          dtype: x.dtype,
        },
      ];
    },
    kernel:
      ([ax, ai], { axis }) =>
      (be, [x, idx], [y]) => {
        checkIndices("gather", be, idx, ax.shape[axis]);
        be.gather(
          x,
          idx,
          y,
          prod(ax.shape.slice(0, axis)),
          ax.shape[axis],
          prod(ax.shape.slice(axis + 1)),
          prod(ai.shape),
        );
      },
    jvp: ([, idx], [tx], { axis }) => [tx ? gather(tx, idx, axis) : null],
    vjp: ([ct], [x, idx], _y, { axis }) => [
      ct ? scatterAdd(ct, idx, axis, x.shape[axis]) : null,
      null,
    ],
    batch: (args, dims, params) => batchGather(args, dims, params.axis),
  },
  scatter_add: {
    abstractEval: ([upd, idx], { axis, axisLen }) => {
      if (idx.dtype !== "i32")
        throw new DTypeError("scatter_add", `indices must be i32, got ${idx.dtype}`);
      const mid = upd.shape.slice(axis, axis + idx.shape.length);
      if (mid.length !== idx.shape.length || mid.some((d, i) => d !== idx.shape[i])) {
        throw new ShapeError(
          "scatter_add",
          `updates ${fmt(upd.shape)} do not hold indices ${fmt(idx.shape)} at axis ${axis}`,
        );
      }
      return [
        {
          shape: [
            ...upd.shape.slice(0, axis),
            axisLen,
            ...upd.shape.slice(axis + idx.shape.length),
          ],
          dtype: upd.dtype,
        },
      ];
    },
    kernel:
      ([au, ai], { axis, axisLen }) =>
      (be, [upd, idx], [y]) => {
        checkIndices("scatter_add", be, idx, axisLen);
        const n = prod(ai.shape);
        be.scatterAdd(
          upd,
          idx,
          y,
          prod(au.shape.slice(0, axis)),
          axisLen,
          prod(au.shape.slice(axis + ai.shape.length)),
          n,
        );
      },
    jvp: ([, idx], [t], { axis, axisLen }) => [t ? scatterAdd(t, idx, axis, axisLen) : null],
    vjp: ([ct], [, idx], _y, { axis }) => [ct ? gather(ct, idx, axis) : null, null],
    batch: (args, dims, params) => {
      if (dims[1] !== null) return batchByUnrolling("scatter_add", args, dims, params);
      return [
        [scatterAdd(moveAxisTo(args[0], dims[0]!, 0), args[1], params.axis + 1, params.axisLen)],
        [0],
      ];
    },
  },
};

function batchGather(args: T[], dims: Maybe<number>[], axis: number): [T[], Maybe<number>[]] {
  const [x, idx] = args;
  if (dims[0] !== null && dims[1] === null)
    return [[gather(moveAxisTo(x, dims[0], 0), idx, axis + 1)], [0]];
  if (dims[0] === null && dims[1] !== null)
    return [[gather(x, moveAxisTo(idx, dims[1], 0), axis)], [axis]];
  return batchByUnrolling("gather", args, dims, { axis });
}
