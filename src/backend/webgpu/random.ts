/**
 * Counter-based random numbers on the GPU: the same Threefry-2x32 (20 rounds) streams as the
 * reference and wasm backends, so `"bits"` agree bit for bit and `"uniform"` to the f32 rounding
 * of `(h >>> 8) · 2⁻²⁴` (exact in f32).
 * @module
 */
import type { Buf } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { grid } from "./device.js";
import { launch } from "./run.js";
import { bindings, elementKernel } from "./wgsl.js";

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** The 20 rounds, unrolled, with the key injection after every fourth. */
function rounds(): string {
  const lines: string[] = [];
  for (let r = 0; r < 20; r++) {
    lines.push(
      `  x0 = x0 + x1; x1 = ((x1 << ${ROTATIONS[r % 8]}u) | (x1 >> ${32 - ROTATIONS[r % 8]}u)) ^ x0;`,
    );
    if (r % 4 === 3) {
      const s = (r + 1) / 4;
      lines.push(`  x0 = x0 + ks${s % 3}; x1 = x1 + ks${(s + 1) % 3} + ${s}u;`);
    }
  }
  return lines.join("\n");
}

/**
 * `Backend.random` on the GPU: keys i32 `[nKeys, 2]`, `out[k·perKey + c]` from counter `c`.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const [keys, out] = [newGpuBuf("i32", 2), newGpuBuf("f32", 1000)];
 * gpuRandom("uniform", keys, out, 1, 1000);
 * ```
 */
export function gpuRandom(
  kind: "bits" | "uniform",
  keys: Buf,
  out: Buf,
  nKeys: number,
  perKey: number,
): void {
  const gk = gpuBuf(keys, "random");
  const go = gpuBuf(out, "random");
  if (kind === "bits" ? go.dtype !== "i32" : go.dtype !== "f32") {
    throw new Error(`webgpu random: "${kind}" into a ${go.dtype} buffer is not supported`);
  }
  const n = nKeys * perKey;
  if (n === 0) return;
  upload(gk);
  upload(go);
  const bs = bindings([
    { buf: gk, write: false },
    { buf: go, write: true },
  ]);
  const store = kind === "bits" ? "bitcast<i32>(x0)" : "f32(x0 >> 8u) * 5.9604644775390625e-8";
  const body = `  let perKey = u32(prm[1]);
  let k = i / perKey;
  let c = i % perKey;
  let ks0 = bitcast<u32>(b0[2u * k]);
  let ks1 = bitcast<u32>(b0[2u * k + 1u]);
  let ks2 = 0x1BD11BDAu ^ ks0 ^ ks1;
  var x0 = c + ks0;
  var x1 = ks1;
${rounds()}
  b1[i] = ${store};`;
  launch("random", bs, elementKernel(bs, body), [n, perKey], grid(Math.ceil(n / 256)));
  markWritten(go);
}
