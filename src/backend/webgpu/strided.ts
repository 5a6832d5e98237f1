/**
 * The index arithmetic of the strided kernels (`binary`, `where`, `copy`): the iteration is first
 * collapsed (size-1 axes dropped, axes contiguous in every operand merged), then written into the
 * WGSL with its sizes and strides as constants. An operand that walks like the element index
 * reads at `i` and a broadcast scalar at `0`, with no arithmetic; the others decompose `i` once
 * into coordinates, dividing by constant sizes.
 *
 * Why constants: SwiftShader runs several invocations per SIMD vector, and a division by a
 * value read from a buffer has no vector instruction, so each lane divides on its own. The
 * earlier kernels looped over the rank reading sizes and strides from the parameters; a `[64, 13,
 * 2, 13, 2, 32]` add of two contiguous operands looped over 6 axes where it now reads at `i`.
 * Pipelines are compiled once per source text, so each iteration shape compiles once.
 * @module
 */
import { collapse, contiguousStrides } from "../collapse.js";

/** The WGSL lines that compute each operand's element offset, and the offset expressions. */
export interface StridedIndex {
  /** Lines (2 spaces in) that the offset expressions need, before the kernel reads them. */
  lines: string;
  /** A u32 WGSL expression per operand: its element offset for the element `i`. */
  at: string[];
}

/**
 * The offsets of the element `i` (row-major over `shape`) in operands with element strides
 * `strides`, plus `bases[k]` (a WGSL u32 expression; `"0u"` when omitted). Strides may be zero
 * (broadcast) or negative, as long as every offset is not.
 * @example
 * ```ts
 * // a row of 4 broadcast over 3 rows, and a contiguous [3, 4]
 * const { lines, at } = stridedIndex([3, 4], [[0, 1], [4, 1]]);
 * lines; // "  let c1 = (i % 4u);"
 * at; // ["(c1)", "i"]
 * ```
 */
export function stridedIndex(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  bases: readonly string[] = [],
): StridedIndex {
  const base = (k: number, e: string) =>
    bases[k] === undefined || bases[k] === "0u" ? e : e === "0u" ? bases[k] : `${bases[k]} + ${e}`;
  const c = collapse(shape, [...strides, contiguousStrides(shape)]);
  if (c === null) return { lines: "", at: strides.map((_, k) => base(k, "0u")) };
  const walk = c.strides[strides.length];
  const same = (s: readonly number[]) => s.every((v, d) => v === walk[d]);
  const kind = c.strides
    .slice(0, -1)
    .map((s) => (same(s) ? "i" : s.every((v) => v === 0) ? "0" : "n"));
  if (!kind.includes("n"))
    return { lines: "", at: kind.map((k, j) => base(j, k === "i" ? "i" : "0u")) };
  // one axis of a broadcast row: a modulo; a broadcast column: a division
  const coord = (d: number): string => {
    const inner = walk[d];
    const size = c.shape[d];
    if (d === 0) return inner === 1 ? "i" : `(i / ${inner}u)`;
    return inner === 1 ? `(i % ${size}u)` : `((i / ${inner}u) % ${size}u)`;
  };
  const used = new Set<number>();
  const exprs = c.strides.slice(0, -1).map((s, j) => {
    if (kind[j] !== "n") return kind[j] === "i" ? "i" : "0u";
    const negative = s.some((v) => v < 0);
    const terms: string[] = [];
    s.forEach((v, d) => {
      if (v === 0) return;
      used.add(d);
      if (negative) terms.push(v === 1 ? `i32(c${d})` : `i32(c${d}) * ${v}`);
      else terms.push(v === 1 ? `c${d}` : `c${d} * ${v}u`);
    });
    return negative ? `u32(${terms.join(" + ")})` : `(${terms.join(" + ")})`;
  });
  const lines = [...used]
    .sort((a, b) => a - b)
    .map((d) => `  let c${d} = ${coord(d)};`)
    .join("\n");
  return { lines, at: exprs.map((e, j) => base(j, e)) };
}
