/**
 * Matrix product, with optional transposed operands and batch dimensions.
 * @module
 */
import type { Maybe, PrimRule } from "../ir/primitive.js";
import type { Aval } from "../ir/program.js";
import { bind1 } from "../ir/trace.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { add, unbroadcast } from "./elementwise.js";
import { moveAxisTo, reshape } from "./movement.js";
import { prod, requireDtype, sameDtype } from "./shapes.js";

/**
 * `op(a) · op(b)` where `op` transposes the last two axes when its flag is set. Operands are rank
 * ≥ 2; their batch dimensions must be equal, or one operand is a plain matrix shared by the batch.
 */
export function matmulPrim(a: T, b: T, transA = false, transB = false): T {
  return bind1("matmul", [a, b], { transA, transB });
}

interface Dims {
  batch: number[];
  m: number;
  k: number;
  n: number;
}

/** Checks the operands of `matmul` and returns the batch, m, k and n sizes. */
function matmulDims(a: Aval, b: Aval, transA: boolean, transB: boolean): Dims {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new ShapeError(
      "matmul",
      `operands must have rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, ka] = transA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (ka !== kb) {
    throw new ShapeError(
      "matmul",
      `inner sizes ${ka} and ${kb} differ (shapes ${fmt(a.shape)} and ${fmt(b.shape)})`,
    );
  }
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  if (ba.length && bb.length && (ba.length !== bb.length || ba.some((d, i) => d !== bb[i]))) {
    throw new ShapeError("matmul", `batch sizes ${fmt(ba)} and ${fmt(bb)} differ`);
  }
  return { batch: ba.length ? ba : bb, m, k: ka, n };
}

/** The matmul rule. */
export const linalgRules: { matmul: PrimRule<"matmul"> } = {
  matmul: {
    abstractEval: ([a, b], { transA, transB }) => {
      const dtype = sameDtype("matmul", [a, b]);
      requireDtype("matmul", dtype, ["f32", "f64"]);
      const d = matmulDims(a, b, transA, transB);
      return [{ shape: [...d.batch, d.m, d.n], dtype }];
    },
    kernel: ([aa, ab], { transA, transB }) => {
      const d = matmulDims(aa, ab, transA, transB);
      const batch = prod(d.batch);
      const aStride = aa.shape.length > 2 ? d.m * d.k : 0;
      const bStride = ab.shape.length > 2 ? d.k * d.n : 0;
      const { m, k, n } = d;
      return (be, [a, b], [y]) =>
        be.matmul(a, b, y, batch, m, k, n, transA, transB, aStride, bStride);
    },
    overwrites: true,
    jvp: ([a, b], [ta, tb], { transA, transB }) => {
      const pa = ta ? matmulPrim(ta, b, transA, transB) : null;
      const pb = tb ? matmulPrim(a, tb, transA, transB) : null;
      return [pa && pb ? add(pa, pb) : (pa ?? pb)];
    },
    vjp: ([ct], [a, b], _y, { transA, transB }) => {
      if (!ct) return [null, null];
      const da = transA ? matmulPrim(b, ct, transB, true) : matmulPrim(ct, b, false, !transB);
      let db: T;
      if (b.rank === 2 && a.rank > 2 && !transA) {
        // one b for every batch: fold the batch into the rows, one product instead of a
        // batched product and a sum over the batch
        const k = a.shape[a.rank - 1];
        const n = ct.shape[ct.rank - 1];
        const a2 = reshape(a, [a.size / k, k]);
        const c2 = reshape(ct, [ct.size / n, n]);
        db = transB ? matmulPrim(c2, a2, true, false) : matmulPrim(a2, c2, true, false);
      } else db = transB ? matmulPrim(ct, a, true, transA) : matmulPrim(a, ct, !transA, false);
      return [unbroadcast(da, a.shape), unbroadcast(db, b.shape)];
    },
    batch: ([a, b], [da, db], p) => batchMatmul(a, b, da, db, p.transA, p.transB),
  },
};

function batchMatmul(
  a: T,
  b: T,
  da: Maybe<number>,
  db: Maybe<number>,
  transA: boolean,
  transB: boolean,
): [T[], Maybe<number>[]] {
  const af = da === null ? a : moveAxisTo(a, da, 0);
  const bf = db === null ? b : moveAxisTo(b, db, 0);
  // a batched, b a shared matrix: fold the batch into the rows of a
  if (db === null && b.rank === 2 && !transA) {
    const rows = reshape(af, [-1, af.shape[af.rank - 1]]);
    const out = matmulPrim(rows, bf, false, transB);
    return [[reshape(out, [...af.shape.slice(0, -1), out.shape[1]])], [0]];
  }
  if (
    (da !== null && db !== null) ||
    (da === null && a.rank === 2) ||
    (db === null && b.rank === 2)
  ) {
    return [[matmulPrim(af, bf, transA, transB)], [0]];
  }
  // one side unbatched with its own batch dims (or a transposed shared matrix): broadcast it
  const size = (da !== null ? af : bf).shape[0];
  const lift = (x: T) =>
    bind1("broadcast_to", [reshape(x, [1, ...x.shape])], { shape: [size, ...x.shape] });
  return [
    [matmulPrim(da === null ? lift(af) : af, db === null ? lift(bf) : bf, transA, transB)],
    [0],
  ];
}
