/**
 * Tools for users who property-test their own models: fast-check arbitraries for shapes and
 * tensors, and `checkGrads`. Imported from `typegrad/testing`, so that a program that only imports
 * `typegrad` does not load fast-check or its types (fast-check is a dependency of typegrad).
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbTensor } from "typegrad/testing";
 * fc.assert(fc.property(arbTensor([2, 3]), (t) => t.size === 6));
 * ```
 * @module
 */
export { arbShape, arbTensor, arbBroadcastPair } from "./arbitraries.js";
export type { ShapeOptions, TensorOptions } from "./arbitraries.js";
export { checkGrads } from "./check-grads.js";
export type { CheckGradsOptions, GradCheckReport } from "./check-grads.js";
