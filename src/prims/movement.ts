/**
 * Movement primitives: reshape (a view: it shares storage), transpose, broadcast_to, slice (with
 * steps), pad (with interior padding, the transpose of a strided slice) and concat.
 * @module
 */
import type { Kernel, Maybe, ParamsOf, PrimRule } from "../ir/primitive.js";
import type { Aval } from "../ir/program.js";
import { bind1 } from "../ir/trace.js";
import { fmt, ShapeError } from "../shape/errors.js";
import { type AnyTensor as T, Tensor } from "../tensor/tensor.js";
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  prod,
  sameDtype,
  sameShape,
  stridesOf,
} from "./shapes.js";

// ─── the binders (declared in core.ts, where every family reaches them) ──────────────────

export {
  broadcastTo,
  concat,
  moveAxisTo,
  pad,
  reshape,
  resolveShape,
  slice,
  transpose,
} from "./core.js";
import {
  broadcastTo,
  concat,
  moveAxisTo,
  pad,
  reshape,
  resolveShape,
  slice,
  transpose,
  unbroadcast,
  zerosLike,
} from "./core.js";

function sliceShape(
  shape: readonly number[],
  p: { starts: readonly number[]; ends: readonly number[]; steps: readonly number[] },
) {
  if (
    p.starts.length !== shape.length ||
    p.ends.length !== shape.length ||
    p.steps.length !== shape.length
  ) {
    throw new ShapeError("slice", `starts/ends/steps need one entry per axis of ${fmt(shape)}`);
  }
  return shape.map((d, i) => {
    const s = p.starts[i];
    const e = p.ends[i];
    const k = p.steps[i];
    if (!(Number.isInteger(k) && k >= 1))
      throw new ShapeError("slice", `step ${k} at axis ${i} must be an integer ≥ 1`);
    if (!(s >= 0 && e <= d && s <= e)) {
      throw new ShapeError(
        "slice",
        `range [${s}, ${e}) at axis ${i} does not fit size ${d} of ${fmt(shape)}`,
      );
    }
    return Math.ceil((e - s) / k);
  });
}

function padShape(
  shape: readonly number[],
  p: { lo: readonly number[]; hi: readonly number[]; interior: readonly number[] },
) {
  if (
    p.lo.length !== shape.length ||
    p.hi.length !== shape.length ||
    p.interior.length !== shape.length
  ) {
    throw new ShapeError("pad", `lo/hi/interior need one entry per axis of ${fmt(shape)}`);
  }
  return shape.map((d, i) => {
    if (p.lo[i] < 0 || p.hi[i] < 0 || p.interior[i] < 0)
      throw new ShapeError("pad", "paddings must be ≥ 0");
    return p.lo[i] + p.hi[i] + (d === 0 ? 0 : d + (d - 1) * p.interior[i]);
  });
}

const batchFront = (x: T, d: Maybe<number>) => moveAxisTo(x, d!, 0);

function transposePrepare([ax]: Aval[], { perm }: ParamsOf<"transpose">): Kernel {
  const st = stridesOf(ax.shape);
  const shape = perm.map((p) => ax.shape[p]);
  const xs = perm.map((p) => st[p]);
  const ys = stridesOf(shape);
  return (be, [x], [y]) => be.copy(x, 0, xs, y, 0, ys, shape);
}

function slicePrepare([ax]: Aval[], p: ParamsOf<"slice">): Kernel {
  const st = stridesOf(ax.shape);
  const shape = sliceShape(ax.shape, p);
  const off = p.starts.reduce((acc, s, i) => acc + s * st[i], 0);
  const xs = st.map((s, i) => s * p.steps[i]);
  const ys = stridesOf(shape);
  return (be, [x], [y]) => be.copy(x, off, xs, y, 0, ys, shape);
}

function padPrepare([ax]: Aval[], p: ParamsOf<"pad">): Kernel {
  const shape = padShape(ax.shape, p);
  const st = stridesOf(shape);
  const off = p.lo.reduce((acc, l, i) => acc + l * st[i], 0);
  const xs = stridesOf(ax.shape);
  const ys = st.map((s, i) => s * (p.interior[i] + 1));
  const inner = ax.shape;
  return (be, [x], [y]) => {
    be.fill(y, p.value);
    be.copy(x, 0, xs, y, off, ys, inner);
  };
}

function concatPrepare(avals: Aval[], { axis }: ParamsOf<"concat">): Kernel {
  const shape = [...avals[0].shape];
  shape[axis] = avals.reduce((acc, a) => acc + a.shape[axis], 0);
  const st = stridesOf(shape);
  const parts: { off: number; xs: number[]; shape: readonly number[] }[] = [];
  let off = 0;
  for (const a of avals) {
    parts.push({ off: off * st[axis], xs: stridesOf(a.shape), shape: a.shape });
    off += a.shape[axis];
  }
  return (be, xs, [y]) => {
    for (let i = 0; i < parts.length; i++) {
      const q = parts[i];
      be.copy(xs[i], 0, q.xs, y, q.off, st, q.shape);
    }
  };
}

/** The movement rules. */
export const movementRules: {
  reshape: PrimRule<"reshape">;
  transpose: PrimRule<"transpose">;
  broadcast_to: PrimRule<"broadcast_to">;
  slice: PrimRule<"slice">;
  pad: PrimRule<"pad">;
  concat: PrimRule<"concat">;
} = {
  reshape: {
    abstractEval: ([x], { shape }) => [
      { shape: resolveShape("reshape", x.shape, shape), dtype: x.dtype },
    ],
    kernel: ([ax]) => {
      const n = [prod(ax.shape)];
      const one = [1];
      return (be, [x], [y]) => be.copy(x, 0, one, y, 0, one, n);
    },
    overwrites: true,
    // eager: a view on the same storage, no copy
    eager: ([x], { shape }) => [new Tensor(shape, x.dtype, x._concrete("reshape"), null)],
    jvp: (_x, [t], { shape }) => [t ? reshape(t, shape) : null],
    vjp: ([ct], [x]) => [ct ? reshape(ct, x.shape) : null],
    batch: ([x], [d], { shape }) => {
      const xf = batchFront(x, d);
      return [[reshape(xf, [xf.shape[0], ...shape])], [0]];
    },
  },
  transpose: {
    abstractEval: ([x], { perm }) => {
      const sorted = [...perm].sort((a, b) => a - b);
      if (perm.length !== x.shape.length || sorted.some((a, i) => a !== i)) {
        throw new ShapeError(
          "transpose",
          `${fmt(perm)} is not a permutation of the axes of ${fmt(x.shape)}`,
        );
      }
      return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
    },
    kernel: (avals, p) => transposePrepare(avals, p),
    overwrites: true,
    jvp: (_x, [t], { perm }) => [t ? transpose(t, perm) : null],
    vjp: ([ct], _x, _y, { perm }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [ct ? transpose(ct, inv) : null];
    },
    batch: ([x], [d], { perm }) => [
      [transpose(batchFront(x, d), [0, ...perm.map((p) => p + 1)])],
      [0],
    ],
  },
  broadcast_to: {
    abstractEval: ([x], { shape }) => {
      checkShape("broadcastTo", shape);
      const b = broadcastShapes("broadcastTo", x.shape, shape);
      if (!sameShape(b, shape))
        throw new ShapeError("broadcastTo", `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
      return [{ shape, dtype: x.dtype }];
    },
    kernel: ([ax], { shape }) => {
      const xs = broadcastStrides(ax.shape, shape);
      const ys = stridesOf(shape);
      return (be, [x], [y]) => be.copy(x, 0, xs, y, 0, ys, shape);
    },
    overwrites: true,
    jvp: (_x, [t], { shape }) => [t ? broadcastTo(t, shape) : null],
    vjp: ([ct], [x]) => [ct ? unbroadcast(ct, x.shape) : null],
    batch: ([x], [d], { shape }) => {
      const xf = batchFront(x, d);
      const rest = xf.shape.slice(1);
      const lifted = reshape(xf, [
        xf.shape[0],
        ...new Array(shape.length - rest.length).fill(1),
        ...rest,
      ]);
      return [[broadcastTo(lifted, [xf.shape[0], ...shape])], [0]];
    },
  },
  slice: {
    abstractEval: ([x], p) => [{ shape: sliceShape(x.shape, p), dtype: x.dtype }],
    kernel: (avals, p) => slicePrepare(avals, p),
    overwrites: true,
    jvp: (_x, [t], p) => [t ? bind1("slice", [t], p) : null],
    vjp: ([ct], [x], _y, p) => {
      if (!ct) return [null];
      const out = sliceShape(x.shape, p);
      // an empty slice read nothing: its gradient is zero everywhere
      if (out.includes(0)) return [zerosLike(x)];
      const hi = x.shape.map((d, i) => d - (p.starts[i] + (out[i] - 1) * p.steps[i] + 1));
      const lo = p.starts;
      return [
        pad(
          ct,
          lo,
          hi,
          0,
          p.steps.map((k) => k - 1),
        ),
      ];
    },
    batch: ([x], [d], p) => {
      const xf = batchFront(x, d);
      const b = xf.shape[0];
      return [
        [
          bind1("slice", [xf], {
            starts: [0, ...p.starts],
            ends: [b, ...p.ends],
            steps: [1, ...p.steps],
          }),
        ],
        [0],
      ];
    },
  },
  pad: {
    abstractEval: ([x], p) => [{ shape: padShape(x.shape, p), dtype: x.dtype }],
    kernel: (avals, p) => padPrepare(avals, p),
    overwrites: true,
    jvp: (_x, [t], p) => [t ? bind1("pad", [t], { ...p, value: 0 }) : null],
    vjp: ([ct], [x], _y, p) => [
      ct
        ? slice(
            ct,
            p.lo,
            x.shape.map((d, i) => p.lo[i] + (d === 0 ? 0 : (d - 1) * (p.interior[i] + 1) + 1)),
            p.interior.map((k) => k + 1),
          )
        : null,
    ],
    batch: ([x], [d], p) => [
      [
        bind1("pad", [batchFront(x, d)], {
          lo: [0, ...p.lo],
          hi: [0, ...p.hi],
          interior: [0, ...p.interior],
          value: p.value,
        }),
      ],
      [0],
    ],
  },
  concat: {
    abstractEval: (xs, { axis }) => {
      const dtype = sameDtype("concat", xs);
      const r = xs[0].shape;
      for (const x of xs) {
        if (x.shape.length !== r.length || x.shape.some((d, i) => i !== axis && d !== r[i])) {
          throw new ShapeError(
            "concat",
            `shapes ${xs.map((a) => fmt(a.shape)).join(", ")} differ outside axis ${axis}`,
          );
        }
      }
      const shape = [...r];
      shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis], 0);
      return [{ shape, dtype }];
    },
    kernel: (avals, p) => concatPrepare(avals, p),
    overwrites: true,
    jvp: (xs, ts, { axis }) => {
      if (ts.every((t) => !t)) return [null];
      return [
        concat(
          xs.map((x, i) => ts[i] ?? zerosLike(x)),
          axis,
        ),
      ];
    },
    vjp: ([ct], xs, _y, { axis }) => {
      if (!ct) return xs.map(() => null);
      let off = 0;
      return xs.map((x) => {
        const starts = x.shape.map((_: number, i: number) => (i === axis ? off : 0));
        const ends = x.shape.map((d: number, i: number) => (i === axis ? off + d : d));
        off += x.shape[axis];
        return slice(ct, starts, ends);
      });
    },
    batch: (xs, ds, { axis }) => {
      const b = xs[ds.findIndex((d) => d !== null)].shape[ds.find((d) => d !== null)!];
      const front = xs.map((x, i) =>
        ds[i] === null
          ? broadcastTo(reshape(x, [1, ...x.shape]), [b, ...x.shape])
          : batchFront(x, ds[i]),
      );
      return [[bind1("concat", front, { axis: axis + 1 })], [0]];
    },
  },
};

export { zerosLike } from "./core.js";
