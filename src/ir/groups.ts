/**
 * Groups of primitives that passes ask about as a whole (as tinygrad's `GroupOp` does), declared
 * once and typed over the primitive enum, so a misspelt name is a compile error. The kernel op
 * lists in `src/backend/ops.ts` are the source of the elementwise groups.
 * @example
 * ```ts
 * FUSABLE.has("exp"); // true: an exp may join a fused elementwise chain
 * CHEAP.has("exp");   // false: too costly to recompute
 * ```
 * @module
 */
import {
  ARITH_OPS,
  COMPARE_OPS,
  FUSED_ARITH,
  FUSED_UNARY,
  type FusedOpName,
  UNARY_OPS,
} from "../backend/ops.js";
import type { Prim } from "./primitive.js";

/** Every fused op name is a primitive's name (a compile error otherwise). */
type FusedPrim = FusedOpName & Prim;
const fusedNames: readonly FusedPrim[] = [
  ...FUSED_UNARY,
  ...FUSED_ARITH,
  ...COMPARE_OPS,
  "where",
  "cast",
];

/** Elementwise functions of one argument. */
export const UNARY: ReadonlySet<Prim> = new Set<Prim>(UNARY_OPS);

/** Elementwise arithmetic on two arguments. */
export const ARITH: ReadonlySet<Prim> = new Set<Prim>(ARITH_OPS);

/** Comparisons: output bool. */
export const COMPARISON: ReadonlySet<Prim> = new Set<Prim>(COMPARE_OPS);

/** What a fused elementwise chain may hold (f32 inside; see `src/lower/fuse.ts` for dtypes). */
export const FUSABLE: ReadonlySet<Prim> = new Set<Prim>(fusedNames);

/**
 * Elementwise equations whose output may overwrite a full-size operand of the same dtype and
 * size (the kernel reads each element before it writes it): the memory plan reuses such buffers.
 * A fused chain counts: it reads a chunk of every input before it stores that chunk of any output.
 */
export const IN_PLACE: ReadonlySet<Prim> = new Set<Prim>([
  ...UNARY_OPS,
  ...ARITH_OPS,
  "where",
  "cast",
  "stop_gradient",
  "fused",
]);

/** Ops cheap enough to recompute instead of keeping a value (a mask in a fused chain, a scan's residual). */
export const CHEAP: ReadonlySet<Prim> = new Set<Prim>([
  "neg",
  "abs",
  "add",
  "sub",
  "mul",
  "max",
  "min",
]);

/** Equations a fused chain may move before itself to make an operand ready (cheap copies). */
export const HOISTABLE: ReadonlySet<Prim> = new Set<Prim>(["slice"]);
