/**
 * Counter-based randomness (Threefry-2x32, as in JAX): a key is an i32 tensor `[2]` (or a batch of
 * keys `[..., 2]`), and the same key always gives the same numbers.
 * @module
 */
import type { PrimRule } from "../ir/primitive.js";
import { bind1 } from "../ir/trace.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { moveAxisTo } from "./movement.js";
import { checkShape, prod } from "./shapes.js";
import type { DType } from "../shape/dtype.js";
import type { Aval } from "../ir/program.js";

/** 32 random bits per element (i32), shape `key.shape[:-1] + shape`. */
export const randomBits = (key: T, shape: readonly number[]): T =>
  bind1("random_bits", [key], { shape });
/** Uniform numbers in [0, 1), shape `key.shape[:-1] + shape`. */
export const randomUniform = (key: T, shape: readonly number[], dtype: DType = "f32"): T =>
  bind1("random_uniform", [key], { shape, dtype });

function keyAval(op: string, key: Aval, shape: readonly number[], dtype: DType): Aval[] {
  if (key.dtype !== "i32")
    throw new DTypeError(
      op,
      `a key must be i32, got ${key.dtype}; make one with tg.random.key(seed)`,
    );
  if (key.shape.length < 1 || key.shape[key.shape.length - 1] !== 2) {
    throw new ShapeError(
      op,
      `a key has shape [2] (or [..., 2] for a batch of keys), got ${fmt(key.shape)}`,
    );
  }
  checkShape(op, shape);
  return [{ shape: [...key.shape.slice(0, -1), ...shape], dtype }];
}

/** The random rules. */
export const randomRules: {
  random_bits: PrimRule<"random_bits">;
  random_uniform: PrimRule<"random_uniform">;
} = {
  random_bits: {
    abstractEval: ([k], { shape }) => keyAval("random_bits", k, shape, "i32"),
    kernel:
      ([ak], { shape }) =>
      (be, [k], [y]) =>
        be.random("bits", k, y, prod(ak.shape.slice(0, -1)), prod(shape)),
    jvp: () => [null],
    vjp: () => [null],
    batch: ([k], [d], { shape }) => [[randomBits(moveAxisTo(k, d!, 0), shape)], [0]],
  },
  random_uniform: {
    abstractEval: ([k], { shape, dtype }) => {
      if (dtype !== "f32" && dtype !== "f64")
        throw new DTypeError("random_uniform", `dtype must be f32 or f64, got ${dtype}`);
      return keyAval("random_uniform", k, shape, dtype);
    },
    kernel:
      ([ak], { shape }) =>
      (be, [k], [y]) =>
        be.random("uniform", k, y, prod(ak.shape.slice(0, -1)), prod(shape)),
    jvp: () => [null],
    vjp: () => [null],
    batch: ([k], [d], { shape, dtype }) => [
      [randomUniform(moveAxisTo(k, d!, 0), shape, dtype)],
      [0],
    ],
  },
};
