/**
 * Batched matrix product on the GPU: each invocation computes a 4×4 block of the output in
 * registers, reading its 4 rows of A and 4 columns of B straight from the buffers (no workgroup
 * memory, no barriers); a workgroup of 8×8 invocations covers a 32×32 tile, so neighbouring
 * invocations read the same rows and columns from cache. The batch is the third dispatch dimension.
 *
 * Measured on SwiftShader (2 CPU cores): the earlier kernel, 64×64 tiles staged in workgroup
 * memory, was several times slower on a 256³ product and a training step, as barriers are costly
 * there; jax-js's WebGPU kernels (register blocks, no workgroup memory) showed the way.
 * @module
 */
import type { Buf } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { MAX_GROUPS } from "./device.js";
import { launch } from "./run.js";
import { bindings } from "./wgsl.js";

/** Outputs per invocation along each side, invocations per workgroup side, and the tile side. */
const R = 4;
const THREADS = 8;
const T = R * THREADS;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** WGSL lines, one per value of `i` (and of `j` when `f` takes two). */
const lines = (f: (i: number, j: number) => string, both = false): string =>
  range(R)
    .flatMap((i) => (both ? range(R).map((j) => f(i, j)) : [f(i, 0)]))
    .join("\n");

/**
 * The WGSL of the product over the bindings named `A`, `B` (the same binding when both operands
 * are one buffer, as in `matmul(x, x)`) and `O`, f32. Rows and
 * columns past the edge are clamped to the last one when read and not stored, so the `k` loop has
 * no branches. Each output sums its products in `k` order.
 */
function matmulCode(decls: string, [A, B, O]: readonly string[]): string {
  return `${decls}
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let M = u32(prm[0]);
  let K = u32(prm[1]);
  let N = u32(prm[2]);
  let r0 = g.y * ${R}u;
  let c0 = g.x * ${R}u;
  if (r0 >= M || c0 >= N) { return; }
  let transA = prm[3] != 0;
  let transB = prm[4] != 0;
  // A[row, k] at aBase + row·aRs + k·aKs; B[k, col] at bBase + k·bKs + col·bCs
  let aRs = select(K, 1u, transA);
  let aKs = select(1u, M, transA);
  let bKs = select(N, 1u, transB);
  let bCs = select(1u, K, transB);
  let aBase = g.z * u32(prm[5]);
  let bBase = g.z * u32(prm[6]);
${lines((i) => `  let ar${i} = aBase + min(r0 + ${i}u, M - 1u) * aRs;`)}
${lines((j) => `  let bc${j} = bBase + min(c0 + ${j}u, N - 1u) * bCs;`)}
${lines((i, j) => `  var c${i}${j} = 0.0;`, true)}
  for (var k = 0u; k < K; k++) {
    let ak = k * aKs;
    let bk = k * bKs;
${lines((i) => `    let a${i} = ${A}[ar${i} + ak];`)}
${lines((j) => `    let v${j} = ${B}[bc${j} + bk];`)}
${lines((i, j) => `    c${i}${j} += a${i} * v${j};`, true)}
  }
  let o = g.z * M * N;
${lines((i, j) => `  if (r0 + ${i}u < M && c0 + ${j}u < N) { ${O}[o + (r0 + ${i}u) * N + c0 + ${j}u] = c${i}${j}; }`, true)}
}`;
}

/**
 * `out[b, m, n] = Σ_k A[b, m, k]·B[b, k, n]` as `Backend.matmul` defines it (f32).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const [a, b, out] = [newGpuBuf("f32", 64 * 32), newGpuBuf("f32", 32 * 16), newGpuBuf("f32", 64 * 16)];
 * gpuMatmul(a, b, out, 1, 64, 32, 16, false, false, 0, 0); // [64, 32] @ [32, 16] → [64, 16]
 * ```
 */
export function gpuMatmul(
  a: Buf,
  b: Buf,
  out: Buf,
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): void {
  const [ga, gb, go] = [gpuBuf(a, "matmul"), gpuBuf(b, "matmul"), gpuBuf(out, "matmul")];
  for (const g of [ga, gb, go]) {
    if (g.dtype !== "f32") {
      throw new Error(`webgpu matmul: dtype ${g.dtype} is not supported (f32 only)`);
    }
  }
  const groups: [number, number, number] = [Math.ceil(n / T), Math.ceil(m / T), batch];
  if (groups.some((g) => g > MAX_GROUPS)) {
    throw new Error(
      `webgpu matmul: [${batch}, ${m}, ${n}] needs more than ${MAX_GROUPS} workgroups along one axis`,
    );
  }
  for (const g of [ga, gb, go]) upload(g);
  const bs = bindings([
    { buf: ga, write: false },
    { buf: gb, write: false },
    { buf: go, write: true },
  ]);
  const [nA, nB, nO] = bs.names;
  if (nO === nA || nO === nB) throw new Error("webgpu matmul: the output aliases an operand");
  launch(
    "matmul",
    bs,
    matmulCode(bs.decls, bs.names),
    [m, k, n, +transA, +transB, aBatchStride, bBatchStride],
    groups,
  );
  markWritten(go);
}
