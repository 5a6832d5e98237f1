/**
 * Batched matrix product on the GPU: one workgroup of 16×16 invocations per 16×16 tile of the
 * output; the A and B tiles along `k` are staged in workgroup memory, so each element of A and B
 * is read from the buffer once per tile row or column instead of once per product. The batch is
 * the third dispatch dimension.
 * @module
 */
import type { Buf } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { MAX_GROUPS } from "./device.js";
import { launch } from "./run.js";
import { bindings } from "./wgsl.js";

/** The side of a tile. */
const T = 16;

/** The WGSL of the tiled product over the bindings of `a`, `b`, `out` (f32). */
function matmulCode(decls: string): string {
  return `${decls}
var<workgroup> ta: array<f32, ${T * T}>;
var<workgroup> tb: array<f32, ${T * T}>;
@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = u32(prm[0]);
  let K = u32(prm[1]);
  let N = u32(prm[2]);
  let transA = prm[3] != 0;
  let transB = prm[4] != 0;
  let aBase = wid.z * u32(prm[5]);
  let bBase = wid.z * u32(prm[6]);
  let row = wid.y * ${T}u + lid.y;
  let col = wid.x * ${T}u + lid.x;
  var acc = 0.0;
  for (var t = 0u; t < K; t += ${T}u) {
    let ka = t + lid.x;
    var va = 0.0;
    if (row < M && ka < K) { va = b0[aBase + select(row * K + ka, ka * M + row, transA)]; }
    ta[lid.y * ${T}u + lid.x] = va;
    let kb = t + lid.y;
    var vb = 0.0;
    if (kb < K && col < N) { vb = b1[bBase + select(kb * N + col, col * K + kb, transB)]; }
    tb[lid.y * ${T}u + lid.x] = vb;
    workgroupBarrier();
    for (var q = 0u; q < ${T}u; q++) { acc += ta[lid.y * ${T}u + q] * tb[q * ${T}u + lid.x]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { b2[wid.z * M * N + row * N + col] = acc; }
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
