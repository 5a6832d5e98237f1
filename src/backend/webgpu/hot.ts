/**
 * Which kernels get their sizes written into the WGSL as constants. A kernel whose sizes are
 * constants divides by constants (cheap), but compiles once per shape: on SwiftShader a compile
 * costs about 50 ms, on a real GPU tens of milliseconds. So a kernel is specialized from the
 * second time the same kernel over the same sizes is recorded: a jitted step (fixed shapes, run
 * again and again) gets constant sizes from its second call on, while eager code over ever new
 * shapes (a property test, variable-length batches) reads its sizes from the parameters and
 * compiles one kernel per rank.
 * @module
 */

/** Signatures recorded so far (cleared past {@link MAX_SIGNATURES}). */
const seen = new Set<string>();
const MAX_SIGNATURES = 16384;

/**
 * Whether the kernel of `signature` (its op and everything the constant-size WGSL depends on)
 * has been recorded before: then it is worth a kernel of its own. Records it.
 * @example
 * ```ts
 * hot("binary add 3,4 0,1 4,1"); // false: the first time
 * hot("binary add 3,4 0,1 4,1"); // true
 * ```
 */
export function hot(signature: string): boolean {
  if (seen.has(signature)) return true;
  if (seen.size >= MAX_SIGNATURES) seen.clear();
  seen.add(signature);
  return false;
}

/**
 * WGSL `let`s of a kernel's sizes, `prm[1…]` in order: constants once the kernel of `signature`
 * is {@link hot}, reads of the parameters before (the caller passes `values` as `prm[1…]` either way).
 * @example
 * ```ts
 * sizes("gather 5 3 2", ["axisLen", "inner"], [5, 3]); // "  let axisLen = u32(prm[1]);\n  let inner = u32(prm[2]);"
 * ```
 */
export function sizes(
  signature: string,
  names: readonly string[],
  values: readonly number[],
): string {
  const constant = hot(signature);
  return names
    .map((n, k) => `  let ${n} = ${constant ? `${values[k]}u` : `u32(prm[${k + 1}])`};`)
    .join("\n");
}

/**
 * Forgets every signature (tests use it to see the first, parametric, kernels again).
 * @example
 * ```ts
 * forgetHot();
 * ```
 */
export function forgetHot(): void {
  seen.clear();
}
