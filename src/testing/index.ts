/**
 * Tools for users who property-test their own models: fast-check arbitraries for shapes and
 * tensors, and `checkGrads`. Import from `typegrad/testing` (needs the `fast-check` package).
 * @module
 */
export { arbShape, arbTensor, arbBroadcastPair } from "./arbitraries.js";
export type { ShapeOptions, TensorOptions } from "./arbitraries.js";
export { checkGrads } from "./check-grads.js";
export type { CheckGradsOptions, GradCheckReport } from "./check-grads.js";
