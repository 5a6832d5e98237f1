/**
 * The index arithmetic of the strided kernels (`binary`, `where`, `copy`): the iteration is first
 * collapsed (size-1 axes dropped, axes contiguous in every operand merged). An operand that walks
 * like the element index reads at `i` and a broadcast scalar at `0`, with no arithmetic; the
 * others decompose `i` once into coordinates. Once a kernel is hot (`hot.ts`: recorded before
 * with these sizes, as a jitted step's kernels are from its second call on) its sizes and strides
 * are constants of the WGSL, so it divides by constants.
 *
 * Why: SwiftShader runs several invocations per SIMD vector, and a division by a value read from
 * a buffer has no vector instruction, so each lane divides on its own. The earlier kernels looped
 * over the rank reading sizes and strides from the parameters; on a loaded machine (same process,
 * A/B) a `[64, 13, 2, 13, 2, 32]` add of contiguous operands went from 285 to 47–59 ms per call
 * (it now reads at `i`), a broadcast product `[64, 13, 2, 13, 2, 32] × [64, 13, 1, 13, 1, 32]`
 * from 300 to 57–116 ms, and a 6-d transpose from 314 to 81–92 ms.
 * @module
 */
import { collapse, contiguousStrides } from "../collapse.js";

/** The WGSL lines that compute each operand's element offset, and the offset expressions. */
export interface StridedIndex {
  /** Lines (2 spaces in) that the offset expressions need, before the kernel reads them. */
  lines: string;
  /** A u32 WGSL expression per operand: its element offset for the element `i`. */
  at: string[];
  /** Parameters the lines read from `prm[metaAt…]` (none when the sizes are constants). */
  meta: number[];
}

/**
 * The offsets of the element `i` (row-major over `shape`) in operands with element strides
 * `strides`, plus `bases[k]` (a WGSL u32 expression; `"0u"` when omitted). Strides may be zero
 * (broadcast) or negative, as long as every offset is not. With `constants` the sizes and strides
 * are written into the WGSL; otherwise the lines read them from `prm[metaAt…]`, and `meta` holds
 * them (the code then depends only on the collapsed rank and which operands walk like `i`).
 * @example
 * ```ts
 * // a row of 4 broadcast over 3 rows, and a contiguous [3, 4]
 * const { lines, at } = stridedIndex([3, 4], [[0, 1], [4, 1]], [], true, 0);
 * lines; // "  let c1 = (i % 4u);"
 * at; // ["(c1)", "i"]
 * ```
 */
export function stridedIndex(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  bases: readonly string[],
  constants: boolean,
  metaAt: number,
): StridedIndex {
  const base = (k: number, e: string) =>
    bases[k] === undefined || bases[k] === "0u" ? e : e === "0u" ? bases[k] : `${bases[k]} + ${e}`;
  const c = collapse(shape, [...strides, contiguousStrides(shape)]);
  if (c === null) return { lines: "", at: strides.map((_, k) => base(k, "0u")), meta: [] };
  const walk = c.strides[strides.length];
  const same = (s: readonly number[]) => s.every((v, d) => v === walk[d]);
  const kind = c.strides
    .slice(0, -1)
    .map((s) => (same(s) ? "i" : s.every((v) => v === 0) ? "0" : "n"));
  if (!kind.includes("n"))
    return { lines: "", at: kind.map((k, j) => base(j, k === "i" ? "i" : "0u")), meta: [] };
  const meta: number[] = [];
  /** A u32 (or with `signed`, i32) WGSL expression of `v`: a literal, or a parameter. */
  const value = (v: number, signed = false): string => {
    if (constants) return signed ? `${v}` : `${v}u`;
    meta.push(v);
    const at = `prm[${metaAt + meta.length - 1}]`;
    return signed ? at : `u32(${at})`;
  };
  // a coordinate: an axis of a broadcast row is a modulo, of a broadcast column a division
  const coord = (d: number): string => {
    const inner = walk[d] === 1 ? "i" : `(i / ${value(walk[d])})`;
    return d === 0 ? inner : `(${inner} % ${value(c.shape[d])})`;
  };
  const used = new Set<number>();
  for (let j = 0; j < kind.length; j++)
    if (kind[j] === "n") c.strides[j].forEach((v, d) => v !== 0 && used.add(d));
  const lines = [...used]
    .sort((a, b) => a - b)
    .map((d) => `  let c${d} = ${coord(d)};`)
    .join("\n");
  const exprs = c.strides.slice(0, -1).map((s, j) => {
    if (kind[j] !== "n") return kind[j] === "i" ? "i" : "0u";
    // i32 arithmetic when a stride may be negative (always, when strides are parameters)
    const signed = !constants || s.some((v) => v < 0);
    const terms: string[] = [];
    s.forEach((v, d) => {
      if (v === 0) return;
      if (signed)
        terms.push(v === 1 && constants ? `i32(c${d})` : `i32(c${d}) * ${value(v, true)}`);
      else terms.push(v === 1 ? `c${d}` : `c${d} * ${value(v)}`);
    });
    return signed ? `u32(${terms.join(" + ")})` : `(${terms.join(" + ")})`;
  });
  return { lines, at: exprs.map((e, j) => base(j, e)), meta };
}
