/**
 * The reference backend: every kernel of {@link Backend} as plain TypeScript loops over
 * `Float64Array` storage. It defines what each kernel means; the wasm kernels are tested against
 * it, and it runs `f64` tensors (for gradient checks against finite differences).
 *
 * Semantics shared by all kernels (see `reference/storage.ts`):
 * - storage is a `Float64Array` for every dtype, holding only values the dtype can represent:
 *   `f32` values are rounded to float32, `i32` values are integers in `[−2³¹, 2³¹)`, `bool` is 0/1;
 * - arithmetic is float64 and the result is converted once to the output dtype (i32 truncates
 *   toward zero and wraps modulo 2³², except `cast`, which saturates; i32 division by zero gives 0); sums (reduce, matmul, conv,
 *   scatterAdd) accumulate in float64 and are rounded once;
 * - `read` returns a copy, `view` the live storage; using a freed buffer throws.
 *
 * The kernels live one family per file under `reference/`.
 * @module
 */
import type { DType } from "../shape/dtype.js";
import type { Backend, Buf } from "./backend.js";
import {
  arith,
  binary,
  cast,
  compare,
  fused,
  unary,
  unaryFn,
  where,
} from "./reference/elementwise.js";
import { copy, gather, reduce, scatterAdd } from "./reference/indexing.js";
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, matmul } from "./reference/linalg.js";
import { random, threefry2x32 } from "./reference/random.js";
import { erf } from "./reference/scalar.js";
import { dataOf, RefBuf, toDType } from "./reference/storage.js";

export { arith, compare, erf, RefBuf, threefry2x32, toDType, unaryFn };

/** Buffers made by `sub`: views that freeing leaves alone. */
const views = new WeakSet<RefBuf>();

/**
 * The reference backend: plain TypeScript kernels over `Float64Array` storage.
 * @example
 * ```ts
 * const be = referenceBackend;
 * const x = be.alloc("f64", 3);
 * be.write(x, [1, 2, 3]);
 * be.unary("exp", x, x);
 * be.read(x); // Float64Array [e, e², e³]
 * ```
 */
export const referenceBackend: Backend = {
  name: "reference",
  alloc(dtype: DType, size: number): Buf {
    return new RefBuf(dtype, size);
  },
  allocUninit(dtype: DType, size: number): Buf {
    // float64 storage is zeroed by construction; "undefined contents" may be zeros
    return new RefBuf(dtype, size);
  },
  free(buf: Buf): void {
    if (buf instanceof RefBuf && !views.has(buf)) buf.data = null;
  },
  sub(buf: Buf, offset: number, size: number): Buf {
    const d = dataOf(buf);
    if (offset < 0 || offset + size > buf.size) {
      throw new RangeError(
        `reference sub: [${offset}, ${offset + size}) is outside a buffer of ${buf.size}`,
      );
    }
    const v = new RefBuf(buf.dtype, 0);
    (v as { size: number }).size = size;
    v.data = d.subarray(offset, offset + size);
    views.add(v);
    return v;
  },
  write(buf: Buf, data: ArrayLike<number>): void {
    const d = dataOf(buf);
    if (data.length !== buf.size) {
      throw new Error(
        `reference backend: write of ${data.length} values into a buffer of ${buf.size}`,
      );
    }
    for (let i = 0; i < buf.size; i++) d[i] = toDType(buf.dtype, data[i]);
  },
  read(buf: Buf): Float64Array {
    return dataOf(buf).slice();
  },
  view(buf: Buf): Float64Array {
    return dataOf(buf);
  },
  fill(out: Buf, value: number): void {
    dataOf(out).fill(toDType(out.dtype, value));
  },
  unary,
  binary,
  where,
  fused,
  cast,
  reduce,
  copy,
  matmul,
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  gather,
  scatterAdd,
  random,
};
