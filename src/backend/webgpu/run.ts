/**
 * The shared steps of the elementwise kernels of the webgpu backend: upload, bind, dispatch,
 * mark written; and the errors they throw.
 * @module
 */
import type { DType } from "../../shape/dtype.js";
import type { Buf, CompareOp } from "../backend.js";
import { COMPARE_OPS } from "../ops.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { dispatch, gpuDevice, grid } from "./device.js";
import { addOffsets, type Bindings, bindings, elementKernel, type Operand } from "./wgsl.js";

/**
 * The error for a primitive this backend does not implement yet.
 * @example
 * ```ts
 * throw unsupported("conv2d");
 * ```
 */
export function unsupported(op: string): Error {
  return new Error(
    `webgpu: ${op} has no WebGPU kernel yet (run it on the wasm backend: await tg.useBackend("wasm"))`,
  );
}

/**
 * Records one elementwise kernel: uploads pending host data of every operand, binds them, and
 * dispatches `body` (which reads `i`, the element, and the operands' names) over `n` elements.
 */
export function run(
  op: string,
  operands: readonly Operand[],
  n: number,
  meta: readonly number[],
  body: (names: string[]) => string,
): void {
  if (n === 0) return;
  for (const o of operands) upload(o.buf);
  const bs = bindings(operands);
  launch(op, bs, elementKernel(bs, body(bs.names)), [n, ...meta], grid(Math.ceil(n / 256)));
  for (const o of operands) if (o.write) markWritten(o.buf);
}

/**
 * Dispatches a kernel over its bindings: checks the device's storage-buffer limit, and for views
 * (`sub`) appends their offsets to the parameters and rewrites the kernel's indices to use them.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const bs = bindings([{ buf: newGpuBuf("f32", 4), write: true }]);
 * launch("ones", bs, elementKernel(bs, "  b0[i] = 1.0;"), [4], [1, 1, 1]);
 * ```
 */
export function launch(
  op: string,
  bs: Bindings,
  code: string,
  meta: readonly number[],
  groups: readonly [number, number, number],
): void {
  const limit = gpuDevice().limits.maxStorageBuffersPerShaderStage;
  if (bs.buffers.length + 1 > limit) {
    throw new Error(
      `webgpu ${op}: ${bs.buffers.length} buffers and the parameters exceed this device's ${limit} storage buffers per kernel`,
    );
  }
  const views = bs.offsets.some((o) => o !== 0);
  dispatch(
    views ? addOffsets(code, bs.offsets, meta.length) : code,
    bs.buffers.map((g) => g.cell.buffer),
    Int32Array.from(views ? [...meta, ...bs.offsets] : meta),
    groups,
  );
}

export const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const rd = (b: Buf, op: string): Operand => ({ buf: gpuBuf(b, op), write: false });
export const wr = (b: Buf, op: string): Operand => ({ buf: gpuBuf(b, op), write: true });
export const isCompare = (op: string): op is CompareOp =>
  (COMPARE_OPS as readonly string[]).includes(op);

export function typeError(op: string, d: DType): Error {
  return new Error(`webgpu ${op}: dtype ${d} is not supported by this kernel`);
}
