/**
 * Batched matrix product on the GPU: each invocation computes a block of up to 16×16 outputs in
 * registers (`gemm.ts`; smaller sides for small products), reading its rows of A and columns of B
 * straight from the buffers (no workgroup memory, no barriers), in workgroups of 2×2 invocations.
 * The batch is the third dispatch dimension.
 *
 * Measured on SwiftShader (2 CPU cores, shared with a training run; 2026-12-04):
 * - The earlier kernel, 64×64 tiles staged in workgroup memory, was several times slower on a
 *   256³ product and a training step, as barriers are costly there; jax-js's WebGPU kernels
 *   (register blocks, no workgroup memory) showed the way.
 * - Raw dispatches of candidate kernels in one process (median of 7–15): 4×4 blocks in 8×8
 *   workgroups (the previous kernel) 67–76 ms on 256³ and 558–596 ms on 512³; 8×8 blocks 1.8–1.9×
 *   faster on 256³ and 1.5–1.8× on 512³; 16×16 blocks 1.7–2.4× and 2.1–2.3×; 32×32 2.4× on 512³
 *   but 15 s to compile (16×16: about 1 s). Workgroups of 2×2, 4×4, 4×2 or 8×8 invocations
 *   changed nothing (38.8–43.5 ms on 256³); unrolling `k` by 2 or 4 and spacing a block's columns
 *   by the workgroup width did not help.
 * - Eager `matmul` awaited until read back, against jax-js's `np.matmul` on the same device,
 *   interleaved (`/tmp` script, 7 runs after 2 warm-ups, two processes per kernel): 256³ was
 *   63.7/70.4 ms (0.86×/0.85× jax-js), now 34.7/28.8 ms (1.61×/1.53×); 512³ was 576/487 ms
 *   (0.80×/0.92×), now 272/322 ms (1.71×/1.46×).
 * - The workloads of `bench/webgpu-sides.ts` (old and new typegrad and jax-js in one process,
 *   interleaved, median of 7, load 7): matmul 256³ 0.42 → 1.03 GFLOP/s (jax-js 0.81), 512³
 *   0.54 → 1.31 GFLOP/s (jax-js 0.75); the MLP training step 457 → 792 samples/s (jax-js 544).
 * @module
 */
import type { Buf } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { MAX_GROUPS } from "./device.js";
import { accumulators, blockSides, lines, step, store } from "./gemm.js";
import { launch } from "./run.js";
import { bindings } from "./wgsl.js";

/** Invocations per workgroup side: 2×2, one SSE vector of SwiftShader per workgroup. */
const THREADS = 2;

/**
 * The WGSL of the product over the bindings named `A`, `B` (the same binding when both operands
 * are one buffer, as in `matmul(x, x)`) and `O`, f32, with an `rm × rn` block of outputs per
 * invocation (see `gemm.ts`). Rows and columns past the edge are clamped to the last one when
 * read and not stored, so the `k` loop has no branches. Each output sums its products in `k` order.
 */
function matmulCode(decls: string, [A, B, O]: readonly string[], rm: number, rn: number): string {
  return `${decls}
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let M = u32(prm[0]);
  let K = u32(prm[1]);
  let N = u32(prm[2]);
  let r0 = g.y * ${rm}u;
  let c0 = g.x * ${rn}u;
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
${lines((i) => `  let ar${i} = aBase + min(r0 + ${i}u, M - 1u) * aRs;`, rm)}
${lines((j) => `  let bc${j} = bBase + min(c0 + ${j}u, N - 1u) * bCs;`, rn)}
${accumulators(rm, rn)}
  for (var k = 0u; k < K; k++) {
    let ak = k * aKs;
    let bk = k * bKs;
${step(
  rm,
  rn,
  (i) => `${A}[ar${i} + ak]`,
  (j) => `${B}[bc${j} + bk]`,
)}
  }
  let o = g.z * M * N;
${store(
  rm,
  rn,
  O,
  (i, j) => `o + (r0 + ${i}u) * N + c0 + ${j}u`,
  (i, j) => `(r0 + ${i}u < M) & (c0 + ${j}u < N)`,
)}
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
  const [rm, rn] = blockSides(m, n, batch);
  const groups: [number, number, number] = [
    Math.ceil(n / (rn * THREADS)),
    Math.ceil(m / (rm * THREADS)),
    batch,
  ];
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
    matmulCode(bs.decls, bs.names, rm, rn),
    [m, k, n, +transA, +transB, aBatchStride, bBatchStride],
    groups,
  );
  markWritten(go);
}
