/**
 * Fused elementwise chains on the GPU: one WGSL kernel per chain (the same `fused` equations the
 * wasm backend gets), values f32, each op's result flushed to zero below the smallest normal.
 *
 * A kernel may bind only so many storage buffers (12 on SwiftShader; 8 is WebGPU's default). When
 * a chain has more distinct buffers than that, its smallest inputs are copied, in the command
 * stream just before the kernel, into one packed buffer that the kernel reads instead (an input
 * may also be an output: the copy holds its values from before the kernel, which is what it reads).
 * @module
 */
import type { Buf, FusedOp } from "../backend.js";
import { commandEncoder, recordUse, gpuDevice } from "./device.js";
import { freeGpuBuf, type GpuBuf, gpuBuf, newGpuBuf, upload } from "./buffers.js";
import { run, typeError } from "./run.js";
import { asF32, fusedExpr, type Operand } from "./wgsl.js";

/** Which inputs to pack so that the kernel's distinct buffers, the pack and `prm` fit `limit`. */
function choosePacked(ins: readonly GpuBuf[], outs: readonly GpuBuf[], limit: number): number[] {
  const root = (b: GpuBuf) => b.root ?? b;
  const count = (packed: ReadonlySet<number>) =>
    new Set([...ins.filter((_, i) => !packed.has(i)), ...outs].map(root)).size +
    (packed.size > 0 ? 1 : 0);
  const packed = new Set<number>();
  if (count(packed) + 1 <= limit) return [];
  const order = ins.map((_, i) => i).sort((a, b) => ins[a].size - ins[b].size);
  for (const i of order) {
    packed.add(i);
    if (count(packed) + 1 <= limit) return [...packed];
  }
  throw new Error(
    `webgpu fused: ${outs.length} outputs and a packed input exceed this device's ${limit} storage buffers per kernel`,
  );
}

/**
 * `Backend.fused` on the GPU.
 * @example
 * ```ts
 * const [a, b, out] = [newGpuBuf("f32", 4), newGpuBuf("f32", 4), newGpuBuf("f32", 4)];
 * gpuFused([{ op: "mul", args: [0, 1] }, { op: "exp", args: [2] }], [a, b], [out], [3]); // out = exp(a·b)
 * ```
 */
export function gpuFused(
  ops: readonly FusedOp[],
  ins: readonly Buf[],
  outs: readonly Buf[],
  results: readonly number[],
): void {
  const nIn = ins.length;
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (!(r >= nIn && r < nIn + ops.length) || results.indexOf(r) !== k)
      throw new Error(`webgpu fused: result ${r} is not a distinct op value (${nIn} inputs)`);
    if (outs[k].dtype !== "f32") throw typeError("fused", outs[k].dtype);
  }
  if (results.length === 0) return;
  const n = outs[0].size;
  for (const o of outs) {
    if (o.size !== n) throw new Error("webgpu fused: outputs of different sizes");
  }
  const gi = ins.map((b) => gpuBuf(b, "fused"));
  const go = outs.map((b) => gpuBuf(b, "fused"));
  for (const g of gi) {
    if (g.dtype !== "f32" && g.dtype !== "bool") throw typeError("fused", g.dtype);
  }
  if (n === 0) return;
  const packed = choosePacked(gi, go, gpuDevice().limits.maxStorageBuffersPerShaderStage);
  // the packed inputs' offsets in the pack, in elements (u32 each)
  const offsets = new Map<number, number>();
  let pack: GpuBuf | null = null;
  if (packed.length > 0) {
    let total = 0;
    for (const i of packed) {
      offsets.set(i, total);
      total += gi[i].size;
    }
    // not cleared: the copies below fill it, and a clear would be recorded after them
    pack = newGpuBuf("bool", total, false);
    const enc = commandEncoder();
    recordUse(pack.cell.buffer);
    for (const i of packed) {
      upload(gi[i]);
      recordUse(gi[i].cell.buffer);
      enc.copyBufferToBuffer(
        gi[i].cell.buffer,
        gi[i].offset * 4,
        pack.cell.buffer,
        offsets.get(i)! * 4,
        gi[i].size * 4,
      );
    }
  }
  const operands: Operand[] = [];
  const slot: number[] = gi.map((g, i) => {
    if (offsets.has(i)) return -1;
    operands.push({ buf: g, write: false });
    return operands.length - 1;
  });
  const packSlot = pack ? operands.push({ buf: pack, write: false }) - 1 : -1;
  const outSlot = go.map((g) => operands.push({ buf: g, write: true }) - 1);
  const last = Math.max(...results) - nIn;
  // prm: n, then each input's size, then each input's offset in the pack
  const meta = [...gi.map((g) => g.size), ...gi.map((_, i) => offsets.get(i) ?? 0)];
  run("fused", operands, n, meta, (names) => {
    const lines: string[] = [];
    for (let k = 0; k < nIn; k++) {
      const size = gi[k].size;
      // sizes are constants of the WGSL: a modulo by a constant, not by a parameter
      const at = size === n ? "i" : size === 1 ? "0u" : `(i % ${size}u)`;
      const load =
        slot[k] >= 0
          ? asF32(`${names[slot[k]]}[${at}]`, gi[k].dtype)
          : gi[k].dtype === "f32"
            ? `bitcast<f32>(${names[packSlot]}[u32(prm[${1 + nIn + k}]) + ${at}])`
            : `f32(${names[packSlot]}[u32(prm[${1 + nIn + k}]) + ${at}])`;
      lines.push(`  let v${k} = ${load};`);
    }
    for (let j = 0; j <= last; j++) {
      const a = ops[j].args;
      const arg = (q: number) => `v${a[q] ?? a[0]}`;
      lines.push(`  let v${nIn + j} = tg_ftz(${fusedExpr(ops[j].op, arg(0), arg(1), arg(2))});`);
    }
    results.forEach((r, k) => {
      lines.push(`  ${names[outSlot[k]]}[i] = v${r};`);
    });
    return lines.join("\n");
  });
  if (pack) freeGpuBuf(pack);
}
