/**
 * Tools for users who property-test their own models: fast-check arbitraries for shapes and
 * tensors, and `checkGrads`. Exported as `tg.testing` (fast-check is a dependency of typegrad).
 * @example
 * ```ts
 * import * as tg from "typegrad";
 * import fc from "fast-check";
 * fc.assert(fc.property(tg.testing.arbTensor([2, 3]), (t) => t.size === 6));
 * ```
 * @module
 */
export { arbShape, arbTensor, arbBroadcastPair } from "./arbitraries.js";
export type { ShapeOptions, TensorOptions } from "./arbitraries.js";
export { checkGrads } from "./check-grads.js";
export type { CheckGradsOptions, GradCheckReport } from "./check-grads.js";
