/**
 * The register-blocked inner loop shared by the matrix-product kernels of the webgpu backend
 * (`matmul.ts`, and the implicit GEMMs of `conv.ts`): each invocation keeps an `rm × rn` block of
 * accumulators `a{i}_{j}` in registers; one step of the reduction reads `rm` values `x{i}` of the
 * left operand and `rn` values `v{j}` of the right one and adds every product `x{i}·v{j}` to its
 * accumulator, so each output sums its terms in reduction order.
 *
 * On SwiftShader (Vulkan on the CPU, 4 invocations per SSE vector) a buffer read costs far more
 * than a multiply-add: blocks with fewer reads per multiply-add were faster in every measurement,
 * up to 16×16 (32 reads per 256 multiply-adds, where 4×4 did 8 per 16), though most accumulators
 * then cannot stay in the 16 SSE registers; 32×32 took 15 s to compile. See `matmul.ts`.
 * @module
 */

/**
 * The most outputs of a block along each side.
 * @example
 * ```ts
 * BLOCK; // 16
 * ```
 */
export const BLOCK = 16;

/**
 * `[0, 1, …, n − 1]`.
 * @example
 * ```ts
 * range(3); // [0, 1, 2]
 * ```
 */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * WGSL lines, one per `i < rows` (and per `j < cols` when given).
 * @example
 * ```ts
 * lines((i) => `let r${i} = ${i};`, 2); // "let r0 = 0;\nlet r1 = 1;"
 * ```
 */
export function lines(f: (i: number, j: number) => string, rows: number, cols = 0): string {
  return range(rows)
    .flatMap((i) => (cols > 0 ? range(cols).map((j) => f(i, j)) : [f(i, 0)]))
    .join("\n");
}

/**
 * The side of the register block along a dimension of `n`: the least power of two that is at
 * least `n`, at most `max` (so few block shapes, each compiled once, cover every size).
 * @example
 * ```ts
 * [blockSide(1), blockSide(3), blockSide(10), blockSide(500)]; // [1, 4, 16, 16]
 * ```
 */
export function blockSide(n: number, max = BLOCK): number {
  let s = 1;
  while (s < n && s < max) s *= 2;
  return s;
}

/**
 * Block sides `[rm, rn]` for an `m × n` output (`count` such outputs): {@link blockSide} of each,
 * then the larger side halved (down to 4) while the output has fewer than `min` blocks, so that a
 * small product still gives the device's threads several invocations.
 * @example
 * ```ts
 * blockSides(512, 512, 1); // [16, 16]
 * blockSides(32, 32, 1); // [8, 8]: 16 blocks rather than 4
 * ```
 */
export function blockSides(m: number, n: number, count: number, min = 16): [number, number] {
  let [rm, rn] = [blockSide(m), blockSide(n)];
  const blocks = () => Math.ceil(m / rm) * Math.ceil(n / rn) * count;
  while (blocks() < min && Math.max(rm, rn) > 4) {
    if (rm >= rn) rm /= 2;
    else rn /= 2;
  }
  return [rm, rn];
}

/**
 * `var a{i}_{j} = 0.0;` for the whole block (2 spaces in).
 * @example
 * ```ts
 * accumulators(1, 2); // "  var a0_0 = 0.0;\n  var a0_1 = 0.0;"
 * ```
 */
export function accumulators(rm: number, rn: number): string {
  return lines((i, j) => `  var a${i}_${j} = 0.0;`, rm, rn);
}

/**
 * One step of the reduction (8 spaces in): `let x{i} = x(i)`, `let v{j} = v(j)`, then
 * `a{i}_{j} += x{i} * v{j}`.
 * @example
 * ```ts
 * step(1, 1, () => "b0[k]", () => "b1[k]");
 * // "        let x0 = b0[k];\n        let v0 = b1[k];\n        a0_0 += x0 * v0;"
 * ```
 */
export function step(
  rm: number,
  rn: number,
  x: (i: number) => string,
  v: (j: number) => string,
): string {
  return [
    lines((i) => `        let x${i} = ${x(i)};`, rm),
    lines((j) => `        let v${j} = ${v(j)};`, rn),
    lines((i, j) => `        a${i}_${j} += x${i} * v${j};`, rm, rn),
  ].join("\n");
}

/** The reduction loop of {@link reduction}: its variable and bounds, and the block's reads. */
export interface Loop {
  /** The loop variable (an i32 WGSL name), its first value and its end (WGSL expressions). */
  k: string;
  from: string;
  to: string;
  /** The block's rows: the index of `x{i}` in buffer `xs`. */
  xs: string;
  at: (i: number) => string;
  /** Whether row `i` reads at `k` (it reads zero elsewhere); absent when every row always reads. */
  inside?: (i: number) => string;
  /** The right operand: the index of `v{j}` in buffer `vs`. */
  vs: string;
  vAt: (j: number) => string;
  /** WGSL statements at the top of each step (the indices the block's reads share). */
  pre?: string;
}

/**
 * The reduction over `k` (4 spaces in), reading `x{i}` as zero where `inside(i)` is false (the
 * same sums: a row's missing terms add zeros in their place), or with no tests without `inside`.
 * One loop only: on SwiftShader a second copy of the block's body, without tests for the blocks
 * wholly inside, made the kernels slower even where it ran (input gradients 1.04–1.5×).
 * @example
 * ```ts
 * reduction(1, 1, { k: "q", from: "0", to: "n", xs: "b0", at: (i) => `s${i} + q`,
 *   inside: (i) => `ok${i}`, vs: "b1", vAt: () => "q" });
 * ```
 */
export function reduction(rm: number, rn: number, l: Loop): string {
  const { inside } = l;
  const x = inside
    ? (i: number) => `select(0.0, ${l.xs}[${l.at(i)}], ${inside(i)})`
    : (i: number) => `${l.xs}[${l.at(i)}]`;
  return `    for (var ${l.k} = ${l.from}; ${l.k} < ${l.to}; ${l.k}++) {${l.pre ? `\n        ${l.pre}` : ""}
${step(rm, rn, x, (j) => `${l.vs}[${l.vAt(j)}]`)}
    }`;
}

/**
 * Stores the block (2 spaces in): `out[index(i, j)] = a{i}_{j}` where `keep(i, j)` holds.
 * @example
 * ```ts
 * store(1, 1, "b2", (i, j) => `r${i} * N + c${j}`, (i, j) => `r${i} < M && c${j} < N`);
 * // "  if (r0 < M && c0 < N) { b2[r0 * N + c0] = a0_0; }"
 * ```
 */
export function store(
  rm: number,
  rn: number,
  out: string,
  index: (i: number, j: number) => string,
  keep: (i: number, j: number) => string,
): string {
  return lines((i, j) => `  if (${keep(i, j)}) { ${out}[${index(i, j)}] = a${i}_${j}; }`, rm, rn);
}
