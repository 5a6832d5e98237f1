/**
 * Batched matrix product on the GPU: one workgroup of 16×16 invocations per 64×64 tile of the
 * output, 4×4 outputs per invocation in registers; slices of A and B along `k` are staged in
 * workgroup memory, so each element of A and B is read from the buffer once per tile instead of
 * once per product. The batch is the third dispatch dimension.
 * @module
 */
import type { Buf } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { MAX_GROUPS } from "./device.js";
import { launch } from "./run.js";
import { bindings } from "./wgsl.js";

/** The side of an output tile (per workgroup), the threads per side, and the k-depth of a step. */
const T = 64;
const THREADS = 16;
const KT = 16;

/**
 * The WGSL of the tiled product over the bindings of `a` (b0), `b` (b1), `out` (b2), f32: each
 * workgroup of 16×16 invocations computes a 64×64 tile of the output, each invocation a 4×4 block
 * of it in registers; each step stages a 64×16 slice of A and a 16×64 slice of B in workgroup
 * memory (4 loads per invocation each). Out-of-range elements load as 0 and are not stored.
 */
function matmulCode(decls: string): string {
  return `${decls}
var<workgroup> ta: array<f32, ${T * KT}>;
var<workgroup> tb: array<f32, ${KT * T}>;
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = u32(prm[0]);
  let K = u32(prm[1]);
  let N = u32(prm[2]);
  let transA = prm[3] != 0;
  let transB = prm[4] != 0;
  let aBase = wid.z * u32(prm[5]);
  let bBase = wid.z * u32(prm[6]);
  let r0 = wid.y * ${T}u;
  let c0 = wid.x * ${T}u;
  let tid = lid.y * ${THREADS}u + lid.x;
  var acc: array<f32, 16>;
  for (var t = 0u; t < K; t += ${KT}u) {
    for (var q = 0u; q < 4u; q++) {
      let e = tid + q * ${THREADS * THREADS}u;
      let row = r0 + e / ${KT}u;
      let ka = t + e % ${KT}u;
      var va = 0.0;
      if (row < M && ka < K) { va = b0[aBase + select(row * K + ka, ka * M + row, transA)]; }
      ta[e] = va;
      let kb = t + e / ${T}u;
      let col = c0 + e % ${T}u;
      var vb = 0.0;
      if (kb < K && col < N) { vb = b1[bBase + select(kb * N + col, col * K + kb, transB)]; }
      tb[e] = vb;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${KT}u; k++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        av[i] = ta[(lid.y * 4u + i) * ${KT}u + k];
        bv[i] = tb[k * ${T}u + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += av[i] * bv[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = c0 + lid.x * 4u + j;
      if (row < M && col < N) { b2[wid.z * M * N + row * N + col] = acc[i * 4u + j]; }
    }
  }
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
  if (bs.buffers.length !== 3) throw new Error("webgpu matmul: the output aliases an operand");
  launch(
    "matmul",
    bs,
    matmulCode(bs.decls),
    [m, k, n, +transA, +transB, aBatchStride, bBatchStride],
    groups,
  );
  markWritten(go);
}
