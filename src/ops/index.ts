/**
 * The typed public tensor ops, one module per family.
 *
 * @example
 * ```ts
 * import { matmul, relu, sum, tensor } from "typegrad";
 * const y = sum(relu(matmul(tensor([[1, -2]]), tensor([[1], [1]]))), 1); // Tensor<[1]>
 * ```
 * @module
 */
export * from "./activation.js";
export * from "./elementwise.js";
export * from "./image.js";
export * from "./indexing.js";
export * from "./linalg.js";
export * from "./movement.js";
export * from "./reduce.js";
