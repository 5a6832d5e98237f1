/**
 * typegrad: deep learning for TypeScript, with shapes in types, pure models, autodiff as a source
 * transformation and SIMD WebAssembly kernels.
 *
 * @example
 * ```ts
 * import * as tg from "typegrad";
 * const df = tg.grad((w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w)));
 * df(tg.tensor([1, 2, 3])).toArray(); // [2, 4, 6]
 * ```
 * @module
 */
import "./globals.js";
import "./backends.js";

export * from "./ops/index.js";
export * from "./tensor/create.js";
export type * from "./shape/types.js";
export type { Kinds } from "./shape/dims.js";

export { type BackendName, getBackend, setBackend, useBackend } from "./backend/registry.js";
export type { FusedOp } from "./backend/backend.js";
export type { FusedOpName } from "./backend/ops.js";
export { webgpuInfo } from "./backend/webgpu/info.js";
export type { Aval, Eqn, Var } from "./ir/program.js";
export type {
  CustomVjpParams,
  FusedParams,
  ParamsOf,
  Prim,
  ScanParams,
} from "./ir/primitive.js";
export { Program } from "./ir/program.js";
export type {
  DType,
  DTypeCheck,
  FloatDType,
  NumericDType,
  StorageOf,
  TypedArray,
} from "./shape/dtype.js";
export { isFloat } from "./shape/dtype.js";
export { DTypeError, ShapeError } from "./shape/errors.js";
export type { AnyTensor, NestedArray, NestedArrayOf, Shape } from "./tensor/tensor.js";
export { Tensor } from "./tensor/tensor.js";
export { scan, customVjp } from "./prims/control.js";
export { grad, valueAndGrad, vjp } from "./transforms/grad.js";
export type { GradOf, GradOptions, ScalarFn } from "./transforms/grad.js";
export { jit } from "./transforms/jit.js";
export type { JitOptions, Jitted } from "./transforms/jit.js";
export { jvp } from "./transforms/jvp.js";
export { makeProgram } from "./transforms/make-program.js";
export type { TreeDef } from "./transforms/pytree.js";
export {
  flatten as treeFlatten,
  treeMap,
  unflatten as treeUnflatten,
} from "./transforms/pytree.js";
export { vmap } from "./transforms/vmap.js";
export * as random from "./random/index.js";
export { backendInfo, setThreads, wasmStats as memoryStats } from "./backend/wasm/backend.js";
export * as nn from "./nn/index.js";
export * as losses from "./losses/index.js";
export { hessian, hvp } from "./transforms/hessian.js";
export type { Batched, VmapOptions } from "./transforms/vmap.js";
export type {
  ArgAxis,
  AxisTree,
  BatchedArgs,
  BatchedTensor,
  BatchLeaves,
  BatchTree,
  InAxes,
  Vmapped,
  Vmapped2,
  Vmapped3,
} from "./transforms/vmap-types.js";
export * as optim from "./optim/index.js";
export * as train from "./train/index.js";
export * as data from "./data/index.js";
export * as metrics from "./metrics/index.js";
export * as io from "./io/index.js";
export * as linalg from "./linalg/index.js";
export * as text from "./text/index.js";
export * as debug from "./debug/index.js";
export { tidy } from "./tensor/tidy.js";
export { deviceGet } from "./tensor/device-get.js";
