/**
 * The fallback batching rule: run the primitive once per example and stack the results. Used only
 * where a direct rule would need a kernel of its own (per-example convolution filters).
 * @module
 */
import type { Maybe, ParamsOf, Prim } from "../ir/primitive.js";
import { bind } from "../ir/trace.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { concat, moveAxisTo, reshape, slice } from "./movement.js";

/**
 * Batches `prim` by unrolling over the batch axis.
 * @example
 * ```ts
 * const [x, w] = [tg.zeros([2, 1, 5, 5, 1]), tg.zeros([2, 3, 3, 1, 4])]; // a batch of 2 images and filters
 * const params = { strides: [1, 1], pads: [0, 0, 0, 0] } as const;
 * batchByUnrolling("conv2d", [x, w], [0, 0], params); // [[y], [0]], y [2, 1, 3, 3, 4]
 * ```
 */
export function batchByUnrolling<P extends Prim>(
  prim: P,
  args: T[],
  dims: Maybe<number>[],
  params: ParamsOf<P>,
): [T[], Maybe<number>[]] {
  const front = args.map((a, i) => (dims[i] === null ? a : moveAxisTo(a, dims[i]!, 0)));
  const size = front[dims.findIndex((d) => d !== null)].shape[0];
  const per: T[][] = [];
  for (let b = 0; b < size; b++) {
    const ins = front.map((a, i) => {
      if (dims[i] === null) return a;
      const s = slice(
        a,
        a.shape.map((_: number, j: number) => (j === 0 ? b : 0)),
        a.shape.map((d: number, j: number) => (j === 0 ? b + 1 : d)),
      );
      return reshape(s, a.shape.slice(1));
    });
    per.push(bind(prim, ins, params));
  }
  const outs = per[0].map((_, k) =>
    concat(
      per.map((o) => reshape(o[k], [1, ...o[k].shape])),
      0,
    ),
  );
  return [outs, outs.map(() => 0)];
}
