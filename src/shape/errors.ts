/**
 * The errors that numeric code throws on programmer mistakes.
 * @module
 */

/**
 * Thrown when shapes do not fit. The message names the operation and the shapes.
 * @example
 * ```ts
 * try { tg.matmul(tg.zeros([2, 3]) as any, tg.zeros([4, 5]) as any); } catch (e) { e instanceof tg.ShapeError; }
 * ```
 */
export class ShapeError extends Error {
  override name = "ShapeError";
  constructor(
    /** The operation that failed, such as `matmul`. */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
  }
}

/**
 * Thrown when a dtype is not accepted by an operation.
 * @example
 * ```ts
 * try { tg.exp(tg.zeros([2], "i32") as any); } catch (e) { e instanceof tg.DTypeError; }
 * ```
 */
export class DTypeError extends Error {
  override name = "DTypeError";
  constructor(
    /** The operation that failed. */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
  }
}

/** Formats a shape the way messages show it: `[2, 3]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
