/**
 * Runtime shape rules shared by the primitive families: broadcasting, strides, axes.
 * These are the runtime twins of the type-level algebra in `src/shape/`.
 * @module
 */
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { Aval } from "../ir/program.js";
import type { DType } from "../shape/dtype.js";

/**
 * Whether two shapes are equal.
 * @example
 * ```ts
 * sameShape([2, 3], [2, 3]); // true
 * ```
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The numpy broadcast of two shapes, or a ShapeError naming `op`.
 * @example
 * ```ts
 * broadcastShapes("add", [2, 3], [3]); // [2, 3]
 * ```
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        op,
        `cannot broadcast ${fmt(a)} with ${fmt(b)}: sizes ${da} and ${db} differ at axis ${i}`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Row-major strides of a contiguous shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides that read a contiguous `shape` as if broadcast to `to` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], to: readonly number[]): number[] {
  const st = stridesOf(shape);
  const off = to.length - shape.length;
  return to.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]));
}

/** Normalises a possibly negative axis for rank `rank`, or throws naming `op`. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Normalised, sorted, de-duplicated axes; `undefined` means all axes. */
export function normAxes(
  op: string,
  axes: number | readonly number[] | undefined | null,
  rank: number,
): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((x, y) => x - y);
  return out;
}

/** Checks that all avals share one dtype and returns it. */
export function sameDtype(op: string, avals: readonly Aval[]): DType {
  const d = avals[0].dtype;
  for (const a of avals) {
    if (a.dtype !== d) {
      throw new DTypeError(
        op,
        `dtypes differ: ${avals.map((x) => x.dtype).join(" and ")}; cast one of them first`,
      );
    }
  }
  return d;
}

/** Checks that a dtype is one of `allowed`. */
export function requireDtype(op: string, d: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(d))
    throw new DTypeError(op, `dtype ${d} is not supported (expected ${allowed.join(" or ")})`);
}

/** Checks that every dimension is a non-negative integer. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) {
    const shown = typeof shape === "string" ? `"${shape}"` : String(shape);
    throw new ShapeError(op, `invalid shape ${shown}: a shape is an array of sizes`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(op, `invalid shape ${fmt(shape)}: sizes must be integers ≥ 0`);
  }
}

/** The product of a shape's sizes. */
export function prod(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
